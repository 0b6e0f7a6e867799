using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;

namespace Signing.Pades.Cms;

/// <summary>Object identifiers used by the CMS/CAdES code.</summary>
public static class Oids
{
    public const string Data = "1.2.840.113549.1.7.1";
    public const string SignedData = "1.2.840.113549.1.7.2";
    public const string ContentType = "1.2.840.113549.1.9.3";
    public const string MessageDigest = "1.2.840.113549.1.9.4";
    public const string SigningTime = "1.2.840.113549.1.9.5";
    public const string SigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";
    public const string SigningCertificate = "1.2.840.113549.1.9.16.2.12";
    public const string SignatureTimeStampToken = "1.2.840.113549.1.9.16.2.14";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";
    public const string Sha1 = "1.3.14.3.2.26";
    public const string Md5 = "1.2.840.113549.2.5";
    public const string Sha1WithRsa = "1.2.840.113549.1.1.5";
    public const string Md5WithRsa = "1.2.840.113549.1.1.4";
    public const string EcdsaWithSha1 = "1.2.840.10045.4.1";
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    public const string Sha384WithRsa = "1.2.840.113549.1.1.12";
    public const string Sha512WithRsa = "1.2.840.113549.1.1.13";
    public const string RsaPss = "1.2.840.113549.1.1.10";
    public const string Mgf1 = "1.2.840.113549.1.1.8";
    public const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    public const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";
    public const string EcdsaWithSha512 = "1.2.840.10045.4.3.4";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string TimeStampingEku = "1.3.6.1.5.5.7.3.8";
}

/// <summary>The signature scheme of a CAdES signature (hash is always SHA-256).</summary>
public enum SignatureScheme
{
    RsaPkcs1,
    RsaPss,
    Ecdsa,
}

/// <summary>
/// Builds the CAdES-BES pieces as DER (RFC 5652, RFC 5035, ETSI EN 319 122-1): the signed
/// attributes (content-type, message-digest, signing-certificate-v2; no signing-time, as
/// PAdES puts the time in /M) and the final SignedData with an optional signature timestamp.
/// </summary>
public static class CadesSignedData
{
    /// <summary>DER of the signed attributes as a SET OF (the form that is hashed and signed).</summary>
    public static byte[] EncodeSignedAttributes(ReadOnlySpan<byte> documentDigest, X509Certificate2 signer)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.PushSetOf();

        WriteAttribute(w, Oids.ContentType, v => v.WriteObjectIdentifier(Oids.Data));
        var digest = documentDigest.ToArray();
        WriteAttribute(w, Oids.MessageDigest, v => v.WriteOctetString(digest));
        WriteAttribute(w, Oids.SigningCertificateV2, v =>
        {
            v.PushSequence(); // SigningCertificateV2
            v.PushSequence(); // certs
            v.PushSequence(); // ESSCertIDv2 (hashAlgorithm omitted: DEFAULT sha256)
            v.WriteOctetString(SHA256.HashData(signer.RawData));
            WriteIssuerSerial(v, signer);
            v.PopSequence();
            v.PopSequence();
            v.PopSequence();
        });

        w.PopSetOf();
        return w.Encode();
    }

    private static void WriteIssuerSerial(AsnWriter v, X509Certificate2 cert)
    {
        v.PushSequence(); // IssuerSerial
        v.PushSequence(); // GeneralNames
        v.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true)); // directoryName [4] (explicit: Name is a CHOICE)
        v.WriteEncodedValue(cert.IssuerName.RawData);
        v.PopSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true));
        v.PopSequence();
        v.WriteInteger(cert.SerialNumberBytes.Span);
        v.PopSequence();
    }

    private static void WriteAttribute(AsnWriter w, string oid, Action<AsnWriter> writeValue)
    {
        w.PushSequence();
        w.WriteObjectIdentifier(oid);
        w.PushSetOf();
        writeValue(w);
        w.PopSetOf();
        w.PopSequence();
    }

    /// <summary>The DER ContentInfo(SignedData), detached, with the given certificates and optional timestamp token.</summary>
    public static byte[] EncodeSignedData(
        X509Certificate2 signer,
        IReadOnlyList<X509Certificate2> certificates,
        byte[] signedAttributes,
        SignatureScheme scheme,
        byte[] signatureValue,
        byte[]? signatureTimestampToken)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.PushSequence(); // ContentInfo
        w.WriteObjectIdentifier(Oids.SignedData);
        var explicit0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        w.PushSequence(explicit0);
        w.PushSequence(); // SignedData
        w.WriteInteger(1);
        w.PushSetOf();
        WriteSha256Algorithm(w);
        w.PopSetOf();
        w.PushSequence(); // EncapsulatedContentInfo without content: detached
        w.WriteObjectIdentifier(Oids.Data);
        w.PopSequence();

        var implicit0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        w.PushSetOf(implicit0);
        foreach (var c in certificates) w.WriteEncodedValue(c.RawData);
        w.PopSetOf(implicit0);

        w.PushSetOf(); // signerInfos
        w.PushSequence(); // SignerInfo
        w.WriteInteger(1);
        w.PushSequence(); // IssuerAndSerialNumber
        w.WriteEncodedValue(signer.IssuerName.RawData);
        w.WriteInteger(signer.SerialNumberBytes.Span);
        w.PopSequence();
        WriteSha256Algorithm(w);

        // signedAttrs [0] IMPLICIT: the signed SET OF with its tag replaced.
        var tagged = (byte[])signedAttributes.Clone();
        if (tagged.Length == 0 || tagged[0] != 0x31) throw new SigningException("The signed attributes are not a DER SET.");
        tagged[0] = 0xA0;
        w.WriteEncodedValue(tagged);

        WriteSignatureAlgorithm(w, scheme);
        w.WriteOctetString(signatureValue);

        if (signatureTimestampToken is not null)
        {
            var implicit1 = new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true);
            w.PushSetOf(implicit1);
            w.PushSequence();
            w.WriteObjectIdentifier(Oids.SignatureTimeStampToken);
            w.PushSetOf();
            w.WriteEncodedValue(signatureTimestampToken);
            w.PopSetOf();
            w.PopSequence();
            w.PopSetOf(implicit1);
        }

        w.PopSequence(); // SignerInfo
        w.PopSetOf();
        w.PopSequence(); // SignedData
        w.PopSequence(explicit0);
        w.PopSequence();
        return w.Encode();
    }

    private static void WriteSha256Algorithm(AsnWriter w)
    {
        w.PushSequence();
        w.WriteObjectIdentifier(Oids.Sha256);
        w.PopSequence();
    }

    private static void WriteSignatureAlgorithm(AsnWriter w, SignatureScheme scheme)
    {
        w.PushSequence();
        switch (scheme)
        {
            case SignatureScheme.RsaPkcs1:
                w.WriteObjectIdentifier(Oids.Sha256WithRsa);
                w.WriteNull();
                break;
            case SignatureScheme.Ecdsa:
                w.WriteObjectIdentifier(Oids.EcdsaWithSha256);
                break;
            case SignatureScheme.RsaPss:
                // RSASSA-PSS-params: SHA-256, MGF1(SHA-256), salt 32, trailer 1 (default).
                w.WriteObjectIdentifier(Oids.RsaPss);
                w.PushSequence();
                var t0 = new Asn1Tag(TagClass.ContextSpecific, 0, true);
                w.PushSequence(t0);
                WriteSha256Algorithm(w);
                w.PopSequence(t0);
                var t1 = new Asn1Tag(TagClass.ContextSpecific, 1, true);
                w.PushSequence(t1);
                w.PushSequence();
                w.WriteObjectIdentifier(Oids.Mgf1);
                WriteSha256Algorithm(w);
                w.PopSequence();
                w.PopSequence(t1);
                var t2 = new Asn1Tag(TagClass.ContextSpecific, 2, true);
                w.PushSequence(t2);
                w.WriteInteger(32);
                w.PopSequence(t2);
                w.PopSequence();
                break;
        }

        w.PopSequence();
    }

    /// <summary>Converts an ECDSA IEEE P1363 value (r||s) to the DER Ecdsa-Sig-Value CMS needs.</summary>
    public static byte[] EcdsaP1363ToDer(ReadOnlySpan<byte> p1363)
    {
        var half = p1363.Length / 2;
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.PushSequence();
        w.WriteIntegerUnsigned(TrimLeadingZeros(p1363[..half]));
        w.WriteIntegerUnsigned(TrimLeadingZeros(p1363[half..]));
        w.PopSequence();
        return w.Encode();
    }

    private static ReadOnlySpan<byte> TrimLeadingZeros(ReadOnlySpan<byte> v)
    {
        var i = 0;
        while (i < v.Length - 1 && v[i] == 0) i++;
        return v[i..];
    }

    /// <summary>The largest DER ECDSA signature for a key of the given size.</summary>
    public static int MaxEcdsaDerLength(int keySizeBits)
    {
        var n = (keySizeBits + 7) / 8;
        return 2 + (2 * (2 + n + 1)) + 1; // SEQUENCE header (up to 3 bytes) + two INTEGERs with a sign byte
    }
}
