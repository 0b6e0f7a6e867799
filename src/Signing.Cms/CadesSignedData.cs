using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;

namespace Signing.Cms;

/// <summary>
/// Writes CMS SignedData as DER (RFC 5652) with one SignerInfo, SHA-256 digests and the CAdES-BES
/// signed attributes (content-type, message-digest, signing-certificate-v2 per RFC 5035; no
/// signing-time: PAdES puts the time in /M, and RFC 3161 in the TSTInfo). Both the PDF signer and
/// the built-in TSA write through it. What does not change between signatures of one signer is
/// encoded once, when the writer is made.
/// </summary>
public sealed class CadesSignedData
{
    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Implicit1 = new(TagClass.ContextSpecific, 1, isConstructed: true);

    private readonly byte[] _issuerAndSerialNumber;
    private readonly byte[] _certificateSet;
    private readonly byte[] _signatureAlgorithm;

    /// <param name="signer">The certificate whose key signs.</param>
    /// <param name="certificates">The certificates to carry (signer first, then its CAs); duplicates are dropped.</param>
    /// <param name="scheme">How the key signs (always over SHA-256).</param>
    public CadesSignedData(X509Certificate2 signer, IEnumerable<X509Certificate2> certificates, SignatureScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(certificates);
        _issuerAndSerialNumber = EncodeIssuerAndSerialNumber(signer);
        _certificateSet = EncodeCertificateSet(certificates);
        _signatureAlgorithm = EncodeSignatureAlgorithm(scheme);
    }

    /// <summary>DER of <paramref name="signer"/>'s signed attributes over content with SHA-256 <paramref name="contentDigest"/>, as a SET OF (the form that is hashed and signed).</summary>
    public static byte[] EncodeSignedAttributes(string contentType, ReadOnlySpan<byte> contentDigest, X509Certificate2 signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var signingCertificateV2 = EncodeSigningCertificateV2(signer);
        var w = new AsnWriter(AsnEncodingRules.DER);
        var digest = contentDigest.ToArray();
        using (w.PushSetOf()) // DER sorts the attributes when the set is closed
        {
            WriteAttribute(w, Oids.ContentType, v => v.WriteObjectIdentifier(contentType));
            WriteAttribute(w, Oids.MessageDigest, v => v.WriteOctetString(digest));
            WriteAttribute(w, Oids.SigningCertificateV2, v => v.WriteEncodedValue(signingCertificateV2));
        }

        return w.Encode();
    }

    /// <summary>
    /// The DER ContentInfo(SignedData). <paramref name="content"/> null makes it detached;
    /// <paramref name="signatureTimestampToken"/> goes in as the unsigned signature-time-stamp attribute.
    /// </summary>
    public byte[] EncodeSignedData(string contentType, byte[]? content, byte[] signedAttributes, byte[] signatureValue, bool includeCertificates = true, byte[]? signatureTimestampToken = null)
    {
        ArgumentNullException.ThrowIfNull(signedAttributes);
        ArgumentNullException.ThrowIfNull(signatureValue);
        if (signedAttributes.Length == 0 || signedAttributes[0] != 0x31) throw new SigningException("The signed attributes are not a DER SET.");
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence()) // ContentInfo
        {
            w.WriteObjectIdentifier(Oids.SignedData);
            using (w.PushSequence(Explicit0))
            using (w.PushSequence()) // SignedData
            {
                w.WriteInteger(contentType == Oids.Data ? 1 : 3); // RFC 5652 §5.1
                using (w.PushSetOf()) WriteSha256Algorithm(w);
                using (w.PushSequence()) // EncapsulatedContentInfo
                {
                    w.WriteObjectIdentifier(contentType);
                    if (content is not null)
                    {
                        using (w.PushSequence(Explicit0)) w.WriteOctetString(content);
                    }
                }

                if (includeCertificates) w.WriteEncodedValue(_certificateSet);
                using (w.PushSetOf()) // signerInfos
                using (w.PushSequence()) // SignerInfo
                {
                    w.WriteInteger(1);
                    w.WriteEncodedValue(_issuerAndSerialNumber);
                    WriteSha256Algorithm(w);

                    // signedAttrs [0] IMPLICIT: the signed SET OF with its tag replaced.
                    var tagged = (byte[])signedAttributes.Clone();
                    tagged[0] = 0xA0;
                    w.WriteEncodedValue(tagged);
                    w.WriteEncodedValue(_signatureAlgorithm);
                    w.WriteOctetString(signatureValue);
                    if (signatureTimestampToken is not null)
                    {
                        using (w.PushSetOf(Implicit1))
                        {
                            WriteAttribute(w, Oids.SignatureTimeStampToken, v => v.WriteEncodedValue(signatureTimestampToken));
                        }
                    }
                }
            }
        }

        return w.Encode();
    }

    /// <summary>Converts an ECDSA IEEE P1363 value (r||s) to the DER Ecdsa-Sig-Value CMS needs.</summary>
    public static byte[] EcdsaP1363ToDer(ReadOnlySpan<byte> p1363)
    {
        if (p1363.Length == 0 || p1363.Length % 2 != 0) throw new CryptographicException("The key returned a malformed ECDSA signature.");
        var half = p1363.Length / 2;
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteIntegerUnsigned(TrimLeadingZeros(p1363[..half]));
            w.WriteIntegerUnsigned(TrimLeadingZeros(p1363[half..]));
        }

        return w.Encode();
    }

    /// <summary>The largest DER ECDSA signature for a key of the given size.</summary>
    public static int MaxEcdsaDerLength(int keySizeBits)
    {
        var n = (keySizeBits + 7) / 8;
        return 2 + (2 * (2 + n + 1)) + 1; // SEQUENCE header (up to 3 bytes) + two INTEGERs with a sign byte
    }

    private static ReadOnlySpan<byte> TrimLeadingZeros(ReadOnlySpan<byte> v)
    {
        var i = 0;
        while (i < v.Length - 1 && v[i] == 0) i++;
        return v[i..];
    }

    private static void WriteAttribute(AsnWriter w, string oid, Action<AsnWriter> writeValue)
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(oid);
            using (w.PushSetOf()) writeValue(w);
        }
    }

    // RFC 5754: SHA-2 algorithm identifiers have absent parameters.
    private static void WriteSha256Algorithm(AsnWriter w)
    {
        using (w.PushSequence()) w.WriteObjectIdentifier(Oids.Sha256);
    }

    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; the hash algorithm is
    // SHA-256, the DEFAULT, so DER leaves it out. The IssuerSerial lets a verifier match issuer and serial.
    private static byte[] EncodeSigningCertificateV2(X509Certificate2 certificate)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence())
        using (w.PushSequence())
        {
            w.WriteOctetString(SHA256.HashData(certificate.RawData));
            using (w.PushSequence()) // IssuerSerial
            {
                using (w.PushSequence()) // GeneralNames
                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true))) // directoryName [4] EXPLICIT: Name is a CHOICE
                {
                    w.WriteEncodedValue(certificate.IssuerName.RawData);
                }

                w.WriteInteger(certificate.SerialNumberBytes.Span);
            }
        }

        return w.Encode();
    }

    private static byte[] EncodeIssuerAndSerialNumber(X509Certificate2 certificate)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteEncodedValue(certificate.IssuerName.RawData);
            w.WriteInteger(certificate.SerialNumberBytes.Span);
        }

        return w.Encode();
    }

    // certificates [0] IMPLICIT SET OF Certificate, in DER order.
    private static byte[] EncodeCertificateSet(IEnumerable<X509Certificate2> certificates)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
        {
            foreach (var der in certificates.Select(c => c.RawData).DistinctBy(Convert.ToHexString)) w.WriteEncodedValue(der);
        }

        return w.Encode();
    }

    private static byte[] EncodeSignatureAlgorithm(SignatureScheme scheme)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
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
                    // RSASSA-PSS-params: SHA-256, MGF1(SHA-256), salt 32, trailer 1 (the DEFAULT, left out).
                    w.WriteObjectIdentifier(Oids.RsaPss);
                    using (w.PushSequence())
                    {
                        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true))) WriteSha256Algorithm(w);
                        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
                        using (w.PushSequence())
                        {
                            w.WriteObjectIdentifier(Oids.Mgf1);
                            WriteSha256Algorithm(w);
                        }

                        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2, true))) w.WriteInteger(32);
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(scheme), scheme, null);
            }
        }

        return w.Encode();
    }
}
