using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Signing.Cms;

/// <summary>A CMS structure that cannot be read as what it claims to be.</summary>
public sealed class CmsFormatException(string message, Exception? inner = null) : CryptographicException(message, inner);

/// <summary>One CMS attribute: its type and the encoded values.</summary>
public sealed record CmsAttribute(string Oid, IReadOnlyList<ReadOnlyMemory<byte>> Values);

/// <summary>
/// A CMS SignedData with exactly one SignerInfo (RFC 5652), as PDF signatures and RFC 3161 tokens
/// are, read without re-encoding anything that was signed. Certificates come from
/// <see cref="CertificateCache"/>: shared instances, never to be disposed.
/// </summary>
public sealed class CmsSignature
{
    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0);
    private static readonly Asn1Tag Context1 = new(TagClass.ContextSpecific, 1);

    private CmsSignature()
    {
    }

    /// <summary>The eContentType (id-data for PDF signatures, id-ct-TSTInfo for timestamp tokens).</summary>
    public required string ContentType { get; init; }

    /// <summary>The encapsulated content, or null for a detached signature.</summary>
    public required byte[]? Content { get; init; }

    public required IReadOnlyList<X509Certificate2> Certificates { get; init; }

    public required byte[] SidIssuer { get; init; }

    public required byte[] SidSerial { get; init; }

    public required byte[]? SidSubjectKeyIdentifier { get; init; }

    public required string DigestAlgorithmOid { get; init; }

    /// <summary>The signed attributes re-tagged as a SET OF (the bytes that were signed), or null when there are none.</summary>
    public required byte[]? SignedAttributesForVerification { get; init; }

    public required IReadOnlyList<CmsAttribute> SignedAttributes { get; init; }

    public required string SignatureAlgorithmOid { get; init; }

    public required ReadOnlyMemory<byte>? SignatureAlgorithmParameters { get; init; }

    public required byte[] SignatureValue { get; init; }

    public required IReadOnlyList<CmsAttribute> UnsignedAttributes { get; init; }

    public CmsAttribute? Signed(string oid) => SignedAttributes.FirstOrDefault(a => a.Oid == oid);

    public CmsAttribute? Unsigned(string oid) => UnsignedAttributes.FirstOrDefault(a => a.Oid == oid);

    /// <summary>The single value of signed attribute <paramref name="oid"/>, or null when absent or multi-valued.</summary>
    public ReadOnlyMemory<byte>? SignedValue(string oid) => Signed(oid) is { Values.Count: 1 } a ? a.Values[0] : null;

    /// <summary>The digest algorithm, SHA-1 and MD5 included; null when unknown.</summary>
    public HashAlgorithmName? DigestAlgorithm => Digests.FromOid(DigestAlgorithmOid);

    /// <summary>The signature algorithm, or null with <paramref name="problem"/> when it cannot be checked.</summary>
    public SignatureAlgorithm? ResolveSignatureAlgorithm(out string? problem) =>
        SignatureAlgorithm.TryResolve(SignatureAlgorithmOid, SignatureAlgorithmParameters, DigestAlgorithmOid, out var algorithm, out problem) ? algorithm : null;

    /// <summary>True when the message-digest signed attribute equals <paramref name="contentDigest"/>.</summary>
    public bool MessageDigestMatches(ReadOnlySpan<byte> contentDigest)
    {
        if (SignedValue(Oids.MessageDigest) is not { } value) return false;
        try
        {
            return new AsnReader(value, AsnEncodingRules.DER).ReadOctetString().AsSpan().SequenceEqual(contentDigest);
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>The certificate the SignerInfo names (issuer and serial number, or subject key identifier): from the SignedData's own certificates, else from <paramref name="extraCandidates"/>.</summary>
    public X509Certificate2? FindSignerCertificate(IEnumerable<X509Certificate2>? extraCandidates = null) =>
        Certificates.FirstOrDefault(IsNamedSigner) ?? extraCandidates?.FirstOrDefault(IsNamedSigner);

    private bool IsNamedSigner(X509Certificate2 c)
    {
        if (SidSubjectKeyIdentifier is null) return c.IssuerName.RawData.AsSpan().SequenceEqual(SidIssuer) && c.SerialNumberBytes.Span.SequenceEqual(SidSerial);
        var ski = c.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        return ski is not null && ski.SubjectKeyIdentifierBytes.Span.SequenceEqual(SidSubjectKeyIdentifier);
    }

    /// <summary>
    /// Checks the signature value with <paramref name="certificate"/>'s key: over the signed
    /// attributes when there are some, else over <paramref name="contentDigest"/> (RFC 5652 §5.4).
    /// </summary>
    public bool VerifySignatureValue(X509Certificate2 certificate, ReadOnlySpan<byte> contentDigest)
    {
        if (ResolveSignatureAlgorithm(out _) is not { } algorithm) return false;
        if (SignedAttributesForVerification is { } signedAttributes) return algorithm.Verify(certificate, Digests.Compute(algorithm.Hash, signedAttributes), SignatureValue);
        return DigestAlgorithm == algorithm.Hash && algorithm.Verify(certificate, contentDigest, SignatureValue);
    }

    /// <summary>
    /// Reads a BER or DER ContentInfo(SignedData). With <paramref name="exact"/>, nothing may follow
    /// it (a timestamp token); without, trailing bytes are ignored (a PDF /Contents is zero-padded).
    /// A signed attribute that occurs twice makes the structure unreadable (RFC 5652 §5.3 wants
    /// the ones we rely on exactly once). Throws <see cref="CmsFormatException"/>.
    /// </summary>
    public static CmsSignature Read(ReadOnlyMemory<byte> encoded, bool exact = false)
    {
        try
        {
            return ReadCore(encoded, exact);
        }
        catch (Exception e) when (e is AsnContentException or ArgumentException)
        {
            throw new CmsFormatException("not a readable CMS SignedData: " + e.Message, e);
        }
    }

    private static CmsSignature ReadCore(ReadOnlyMemory<byte> encoded, bool exact)
    {
        var outer = new AsnReader(encoded, AsnEncodingRules.BER);
        var contentInfo = outer.ReadSequence();
        if (exact) outer.ThrowIfNotEmpty();
        if (contentInfo.ReadObjectIdentifier() != Oids.SignedData) throw new CmsFormatException("not a CMS SignedData");
        var explicitContent = contentInfo.ReadSequence(Context0);
        contentInfo.ThrowIfNotEmpty();
        var signedData = explicitContent.ReadSequence();
        explicitContent.ThrowIfNotEmpty();
        signedData.ReadInteger(); // version
        signedData.ReadSetOf(skipSortOrderValidation: true); // digestAlgorithms: the SignerInfo names its own

        var encapsulated = signedData.ReadSequence();
        var contentType = encapsulated.ReadObjectIdentifier();
        byte[]? content = null;
        if (encapsulated.HasData)
        {
            var wrapper = encapsulated.ReadSequence(Context0);
            content = wrapper.ReadOctetString();
            wrapper.ThrowIfNotEmpty();
        }

        encapsulated.ThrowIfNotEmpty();

        var certificates = new List<X509Certificate2>();
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Context0))
        {
            var set = signedData.ReadSetOf(skipSortOrderValidation: true, Context0);
            while (set.HasData)
            {
                var tag = set.PeekTag();
                var raw = set.ReadEncodedValue();
                if (!tag.HasSameClassAndValue(Asn1Tag.Sequence)) continue; // other CertificateChoices are not certificates
                var certificate = CertificateCache.Load(raw.Span);

                // Some fields decode lazily; a certificate that cannot be read makes the CMS unreadable here, not a crash later.
                _ = certificate.NotBefore;
                _ = certificate.NotAfter;
                _ = certificate.PublicKey.Oid.Value;
                certificates.Add(certificate);
            }
        }

        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Context1)) signedData.ReadEncodedValue(); // crls
        var signerInfos = signedData.ReadSetOf(skipSortOrderValidation: true);
        signedData.ThrowIfNotEmpty();
        var signers = new List<AsnReader>();
        while (signerInfos.HasData) signers.Add(signerInfos.ReadSequence());
        if (signers.Count != 1) throw new CmsFormatException($"it has {signers.Count} signers instead of one");
        var si = signers[0];

        si.ReadInteger(); // version
        byte[] issuer = [], serial = [];
        byte[]? ski = null;
        if (si.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var issuerAndSerial = si.ReadSequence();
            issuer = issuerAndSerial.ReadEncodedValue().ToArray();
            serial = issuerAndSerial.ReadIntegerBytes().ToArray();
            issuerAndSerial.ThrowIfNotEmpty();
        }
        else
        {
            ski = si.ReadOctetString(Context0);
        }

        var digestAlgorithm = si.ReadSequence().ReadObjectIdentifier();
        byte[]? signedAttributesRaw = null;
        IReadOnlyList<CmsAttribute> signedAttributes = [];
        if (si.PeekTag().HasSameClassAndValue(Context0))
        {
            var raw = si.PeekEncodedValue().ToArray();
            signedAttributes = ReadAttributes(si.ReadSetOf(skipSortOrderValidation: true, Context0), unique: true);
            raw[0] = 0x31; // [0] IMPLICIT → SET OF, the form that was signed (RFC 5652 §5.4)
            signedAttributesRaw = raw;
        }

        var signatureAlgorithm = si.ReadSequence();
        var signatureOid = signatureAlgorithm.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? parameters = signatureAlgorithm.HasData ? signatureAlgorithm.ReadEncodedValue() : null;
        signatureAlgorithm.ThrowIfNotEmpty();
        var signatureValue = si.ReadOctetString();
        IReadOnlyList<CmsAttribute> unsignedAttributes = [];
        if (si.HasData) unsignedAttributes = ReadAttributes(si.ReadSetOf(skipSortOrderValidation: true, Context1), unique: false);
        si.ThrowIfNotEmpty();

        return new CmsSignature
        {
            ContentType = contentType,
            Content = content,
            Certificates = certificates,
            SidIssuer = issuer,
            SidSerial = serial,
            SidSubjectKeyIdentifier = ski,
            DigestAlgorithmOid = digestAlgorithm,
            SignedAttributesForVerification = signedAttributesRaw,
            SignedAttributes = signedAttributes,
            SignatureAlgorithmOid = signatureOid,
            SignatureAlgorithmParameters = parameters,
            SignatureValue = signatureValue,
            UnsignedAttributes = unsignedAttributes,
        };
    }

    private static List<CmsAttribute> ReadAttributes(AsnReader set, bool unique)
    {
        var list = new List<CmsAttribute>();
        while (set.HasData)
        {
            var attribute = set.ReadSequence();
            var oid = attribute.ReadObjectIdentifier();
            var values = attribute.ReadSetOf(skipSortOrderValidation: true);
            attribute.ThrowIfNotEmpty();
            var v = new List<ReadOnlyMemory<byte>>();
            while (values.HasData) v.Add(values.ReadEncodedValue());
            if (unique && list.Any(a => a.Oid == oid)) throw new CmsFormatException($"the signed attribute {oid} occurs more than once");
            list.Add(new CmsAttribute(oid, v));
        }

        return list;
    }
}
