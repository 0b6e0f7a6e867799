using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Pades.Verification;
using Signing.Timestamping;

namespace Signing.Pades.Cms;

/// <summary>One CMS attribute: its type and the encoded values.</summary>
public sealed record CmsAttribute(string Oid, IReadOnlyList<byte[]> Values);

/// <summary>The parts of a CMS SignedData with one SignerInfo that a PAdES verifier needs, with raw encodings kept.</summary>
public sealed class CmsSignature
{
    public required IReadOnlyList<X509Certificate2> Certificates { get; init; }

    public required byte[] SidIssuer { get; init; }

    public required byte[] SidSerial { get; init; }

    public required byte[]? SidSubjectKeyIdentifier { get; init; }

    public required string DigestAlgorithmOid { get; init; }

    /// <summary>The signed attributes re-tagged as a SET OF (the bytes that were signed).</summary>
    public required byte[]? SignedAttributesForVerification { get; init; }

    public required IReadOnlyList<CmsAttribute> SignedAttributes { get; init; }

    public required string SignatureAlgorithmOid { get; init; }

    public required byte[] SignatureValue { get; init; }

    public required IReadOnlyList<CmsAttribute> UnsignedAttributes { get; init; }

    public CmsAttribute? Signed(string oid) => SignedAttributes.FirstOrDefault(a => a.Oid == oid);

    public CmsAttribute? Unsigned(string oid) => UnsignedAttributes.FirstOrDefault(a => a.Oid == oid);

    public HashAlgorithmName DigestAlgorithm => TryGetDigestAlgorithm(out var name) ? name : throw new CryptographicException($"unsupported digest algorithm {DigestAlgorithmOid}");

    /// <summary>
    /// The digest algorithm, including SHA-1 and MD5: a verifier computes them to tell a broken
    /// algorithm (INDETERMINATE, CRYPTO_CONSTRAINTS_FAILURE) from a broken signature.
    /// </summary>
    public bool TryGetDigestAlgorithm(out HashAlgorithmName name)
    {
        name = DigestAlgorithmOid switch
        {
            Oids.Sha256 => HashAlgorithmName.SHA256,
            Oids.Sha384 => HashAlgorithmName.SHA384,
            Oids.Sha512 => HashAlgorithmName.SHA512,
            Oids.Sha1 => HashAlgorithmName.SHA1,
            Oids.Md5 => HashAlgorithmName.MD5,
            _ => default,
        };
        return name != default;
    }

    /// <summary>SHA-1 or MD5 as the digest or inside the signature algorithm.</summary>
    public bool UsesWeakDigest => DigestAlgorithmOid is Oids.Sha1 or Oids.Md5 || SignatureAlgorithmOid is Oids.Sha1WithRsa or Oids.Md5WithRsa or Oids.EcdsaWithSha1;

    /// <summary>The certificate the SignerInfo names (issuer+serial or subject key identifier).</summary>
    public X509Certificate2? FindSignerCertificate() => Certificates.FirstOrDefault(c =>
        SidSubjectKeyIdentifier is not null
            ? SubjectKeyIdentifier(c) is { } ski && ski.AsSpan().SequenceEqual(SidSubjectKeyIdentifier)
            : c.IssuerName.RawData.AsSpan().SequenceEqual(SidIssuer) && c.SerialNumberBytes.Span.SequenceEqual(SidSerial));

    private static byte[]? SubjectKeyIdentifier(X509Certificate2 certificate)
    {
        if (certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.RawData is not { } raw) return null;
        try
        {
            return new AsnReader(raw, AsnEncodingRules.DER).ReadOctetString();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>Checks the signature value over the signed attributes with <paramref name="certificate"/>'s key.</summary>
    public bool VerifySignatureValue(X509Certificate2 certificate)
    {
        if (SignedAttributesForVerification is null) return false;
        HashAlgorithmName hashName;
        switch (SignatureAlgorithmOid)
        {
            case Oids.Sha384WithRsa or Oids.EcdsaWithSha384: hashName = HashAlgorithmName.SHA384; break;
            case Oids.Sha512WithRsa or Oids.EcdsaWithSha512: hashName = HashAlgorithmName.SHA512; break;
            case Oids.Sha1WithRsa or Oids.EcdsaWithSha1: hashName = HashAlgorithmName.SHA1; break;
            case Oids.Md5WithRsa: hashName = HashAlgorithmName.MD5; break;
            case Oids.RsaEncryption or Oids.EcPublicKey or Oids.RsaPss:
                if (!TryGetDigestAlgorithm(out hashName)) return false;
                break;
            default: hashName = HashAlgorithmName.SHA256; break;
        }

        using var hasher = IncrementalHash.CreateHash(hashName);
        hasher.AppendData(SignedAttributesForVerification);
        var hash = hasher.GetHashAndReset();
        // Key objects are reused per certificate (PublicKeyCache): importing the key costs more than the check.
        return SignatureAlgorithmOid switch
        {
            Oids.RsaEncryption or Oids.Sha256WithRsa or Oids.Sha384WithRsa or Oids.Sha512WithRsa or Oids.Sha1WithRsa or Oids.Md5WithRsa =>
                PublicKeyCache.VerifyHash(certificate, hash, SignatureValue, hashName, SignatureCheck.RsaPkcs1),
            Oids.RsaPss => PublicKeyCache.VerifyHash(certificate, hash, SignatureValue, hashName, SignatureCheck.RsaPss),
            Oids.EcdsaWithSha256 or Oids.EcdsaWithSha384 or Oids.EcdsaWithSha512 or Oids.EcdsaWithSha1 or Oids.EcPublicKey =>
                PublicKeyCache.VerifyHash(certificate, hash, SignatureValue, hashName, SignatureCheck.EcdsaDer),
            _ => false,
        };
    }
}

/// <summary>
/// Reads a CMS SignedData (BER or DER) without re-encoding anything that was signed. Certificates
/// come from <see cref="SharedCertificates"/>: shared instances, not to be disposed.
/// </summary>
public static class CmsSignatureReader
{
    public static CmsSignature Read(ReadOnlyMemory<byte> encoded)
    {
        var outer = new AsnReader(encoded, AsnEncodingRules.BER);
        var contentInfo = outer.ReadSequence();
        if (contentInfo.ReadObjectIdentifier() != Oids.SignedData) throw new CryptographicException("not a SignedData");
        var signedData = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        signedData.ReadInteger();
        signedData.ReadSetOf();
        signedData.ReadSequence();
        var certificates = new List<X509Certificate2>();
        if (signedData.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            var certs = signedData.ReadSetOf(true, new Asn1Tag(TagClass.ContextSpecific, 0));
            while (certs.HasData)
            {
                var tag = certs.PeekTag();
                var raw = certs.ReadEncodedValue();
                if (!tag.HasSameClassAndValue(Asn1Tag.Sequence)) continue;
                var certificate = SharedCertificates.Load(raw.Span);

                // Some fields decode lazily; a certificate that cannot be read makes the CMS unreadable here, not a crash later.
                _ = certificate.NotBefore;
                _ = certificate.NotAfter;
                _ = certificate.PublicKey.Oid.Value;
                certificates.Add(certificate);
            }
        }

        if (signedData.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1))) signedData.ReadEncodedValue();
        var signerInfos = signedData.ReadSetOf(skipSortOrderValidation: true);
        var si = signerInfos.ReadSequence();
        if (signerInfos.HasData) throw new CryptographicException("more than one SignerInfo");
        si.ReadInteger();
        byte[] issuer = [], serial = [];
        byte[]? ski = null;
        if (si.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var ias = si.ReadSequence();
            issuer = ias.ReadEncodedValue().ToArray();
            serial = ias.ReadIntegerBytes().ToArray();
        }
        else
        {
            ski = si.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 0));
        }

        var digestAlg = si.ReadSequence().ReadObjectIdentifier();
        byte[]? signedAttrsRaw = null;
        var signedAttrs = new List<CmsAttribute>();
        if (si.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            var raw = si.PeekEncodedValue().ToArray();
            signedAttrs = ReadAttributes(si.ReadSetOf(true, new Asn1Tag(TagClass.ContextSpecific, 0)));
            raw[0] = 0x31; // [0] IMPLICIT → SET OF, as signed (RFC 5652 §5.4)
            signedAttrsRaw = raw;
        }

        var sigAlg = si.ReadSequence().ReadObjectIdentifier();
        var signature = si.ReadOctetString();
        var unsigned = new List<CmsAttribute>();
        if (si.HasData && si.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            unsigned = ReadAttributes(si.ReadSetOf(true, new Asn1Tag(TagClass.ContextSpecific, 1)));
        }

        return new CmsSignature
        {
            Certificates = certificates,
            SidIssuer = issuer,
            SidSerial = serial,
            SidSubjectKeyIdentifier = ski,
            DigestAlgorithmOid = digestAlg,
            SignedAttributesForVerification = signedAttrsRaw,
            SignedAttributes = signedAttrs,
            SignatureAlgorithmOid = sigAlg,
            SignatureValue = signature,
            UnsignedAttributes = unsigned,
        };
    }

    private static List<CmsAttribute> ReadAttributes(AsnReader set)
    {
        var list = new List<CmsAttribute>();
        while (set.HasData)
        {
            var attr = set.ReadSequence();
            var oid = attr.ReadObjectIdentifier();
            var values = attr.ReadSetOf(skipSortOrderValidation: true);
            var v = new List<byte[]>();
            while (values.HasData) v.Add(values.ReadEncodedValue().ToArray());
            list.Add(new CmsAttribute(oid, v));
        }

        return list;
    }
}
