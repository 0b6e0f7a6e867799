using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;
using Signing.Core.Timestamps;

namespace Signing.Timestamping;

/// <summary>The fields of a TSTInfo (RFC 3161 §2.4.2) that checks and reports use.</summary>
public sealed record TstInfo
{
    public required string PolicyOid { get; init; }

    public required string HashAlgorithmOid { get; init; }

    public required byte[] MessageImprint { get; init; }

    /// <summary>The serial number as a big-endian two's-complement integer.</summary>
    public required byte[] SerialNumber { get; init; }

    public required DateTimeOffset GenTime { get; init; }

    /// <summary>The nonce as a big-endian two's-complement integer, or null when the token has none.</summary>
    public required byte[]? Nonce { get; init; }

    /// <summary>The imprint's hash algorithm when it is one this project accepts (SHA-256/384/512), else null.</summary>
    public HashAlgorithmName? HashAlgorithm => TimestampToken.HashFromOid(HashAlgorithmOid);
}

/// <summary>
/// An RFC 3161 TimeStampToken read once: the CMS SignedData structure, the TSTInfo and the one
/// SignerInfo, with the signed bytes kept as they are. Reading checks structure only; <see cref="CheckSigner"/>
/// does the cryptographic checks (ESS signing-certificate binding, certificate validity at
/// genTime, critical timeStamping EKU, content-type and message-digest attributes, signature).
/// Certificates come from <see cref="CertificateCache"/>: shared instances, never to be disposed.
/// </summary>
public sealed class TimestampToken
{
    private readonly CmsSignature _cms;

    private TimestampToken(CmsSignature cms, TstInfo info)
    {
        _cms = cms;
        Info = info;
    }

    /// <summary>The DER TSTInfo as signed (the eContent).</summary>
    public byte[] TstInfoDer => _cms.Content!;

    public TstInfo Info { get; }

    /// <summary>The certificates the token carries.</summary>
    public IReadOnlyList<X509Certificate2> Certificates => _cms.Certificates;

    /// <summary>
    /// Reads one DER (or BER) TimeStampToken that must fill <paramref name="token"/> exactly, with
    /// exactly one SignerInfo carrying signed attributes. Throws <see cref="TimestampException"/>
    /// saying what is wrong.
    /// </summary>
    public static TimestampToken Read(ReadOnlyMemory<byte> token)
    {
        CmsSignature cms;
        try
        {
            cms = CmsSignature.Read(token, exact: true);
        }
        catch (CryptographicException e)
        {
            throw new TimestampException("The timestamp token is not a valid RFC 3161 TimeStampToken: " + e.Message, e);
        }

        if (cms.ContentType != Oids.TstInfo) throw Malformed("its content is not a TSTInfo");
        if (cms.Content is null) throw Malformed("it has no TSTInfo");
        if (cms.SignedAttributesForVerification is null) throw Malformed("its SignerInfo has no signed attributes");
        try
        {
            return new TimestampToken(cms, ReadTstInfo(cms.Content));
        }
        catch (AsnContentException e)
        {
            throw new TimestampException("The timestamp token is not a valid RFC 3161 TimeStampToken.", e);
        }
    }

    // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, accuracy OPTIONAL,
    //   ordering DEFAULT FALSE, nonce OPTIONAL, tsa [0] OPTIONAL, extensions [1] IMPLICIT OPTIONAL }
    private static TstInfo ReadTstInfo(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var tst = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!tst.TryReadInt32(out var version) || version != 1) throw Malformed("its TSTInfo version is not 1");
        var policy = tst.ReadObjectIdentifier();
        var imprint = tst.ReadSequence();
        var hashAlgorithm = imprint.ReadSequence();
        var hashOid = hashAlgorithm.ReadObjectIdentifier();
        if (hashAlgorithm.HasData) hashAlgorithm.ReadNull(); // SHA-2 parameters are absent or NULL
        hashAlgorithm.ThrowIfNotEmpty();
        var hashedMessage = imprint.ReadOctetString();
        imprint.ThrowIfNotEmpty();
        var serial = tst.ReadIntegerBytes().ToArray();
        var genTime = tst.ReadGeneralizedTime();
        if (tst.HasData && tst.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence)) tst.ReadSequence(); // accuracy
        if (tst.HasData && tst.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean)) tst.ReadBoolean(); // ordering
        byte[]? nonce = null;
        if (tst.HasData && tst.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) nonce = tst.ReadIntegerBytes().ToArray();
        if (tst.HasData && tst.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true))) tst.ReadEncodedValue(); // tsa
        if (tst.HasData) tst.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true)); // extensions
        tst.ThrowIfNotEmpty();
        return new TstInfo { PolicyOid = policy, HashAlgorithmOid = hashOid, MessageImprint = hashedMessage, SerialNumber = serial, GenTime = genTime, Nonce = nonce };
    }

    /// <summary>
    /// The certificate the SignerInfo names: from the token's own certificates, else from
    /// <paramref name="extraCandidates"/> (issuer and serial number, or subject key identifier, must match).
    /// </summary>
    public X509Certificate2? FindSignerCertificate(IEnumerable<X509Certificate2>? extraCandidates = null) => _cms.FindSignerCertificate(extraCandidates);

    /// <summary>
    /// Checks that <paramref name="signer"/> signed this token: the ESS signing-certificate(-v2)
    /// attribute names it, it was valid at genTime, it has one critical extended key usage
    /// extension with timeStamping (RFC 3161 §2.3), the content-type and message-digest attributes
    /// match the TSTInfo, and the signature value verifies with its key. Returns null when all
    /// hold, else a short reason.
    /// </summary>
    public string? CheckSigner(X509Certificate2 signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        if (_cms.Signed(Oids.SigningCertificate) is null && _cms.Signed(Oids.SigningCertificateV2) is null) return "the token has no ESS signing-certificate attribute";
        if (!EssCertIds.BindSigner(_cms, signer)) return "the ESS signing-certificate attribute does not name the TSA certificate";
        var genTime = Info.GenTime.UtcDateTime;
        if (genTime < signer.NotBefore.ToUniversalTime() || genTime > signer.NotAfter.ToUniversalTime()) return "the TSA certificate was not valid at the token's time";
        var ekus = signer.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        if (ekus.Count != 1 || !ekus[0].Critical || !ekus[0].EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == Oids.TimeStampingEku))
        {
            return "the TSA certificate lacks a single critical timeStamping extended key usage";
        }

        if (_cms.SignedValue(Oids.ContentType) is not { } contentType || !IsOid(contentType, Oids.TstInfo))
        {
            return "the content-type attribute is missing or is not TSTInfo";
        }

        if (_cms.DigestAlgorithm is not { } digestAlgorithm || !Digests.IsSha2(digestAlgorithm)) return $"the digest algorithm {_cms.DigestAlgorithmOid} is not supported";
        var contentDigest = Digests.Compute(digestAlgorithm, TstInfoDer);
        if (!_cms.MessageDigestMatches(contentDigest)) return "the message-digest attribute does not match the TSTInfo";
        if (_cms.ResolveSignatureAlgorithm(out var problem) is not { } algorithm || !Digests.IsSha2(algorithm.Hash) || algorithm.IsWeak) return problem ?? $"the signature algorithm {_cms.SignatureAlgorithmOid} is not supported";
        return _cms.VerifySignatureValue(signer, contentDigest) ? null : "the signature value does not verify with the TSA certificate";
    }

    private static bool IsOid(ReadOnlyMemory<byte> value, string oid)
    {
        try
        {
            return new AsnReader(value, AsnEncodingRules.DER).ReadObjectIdentifier() == oid;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>The imprint hash algorithms this project accepts (SHA-256/384/512), else null.</summary>
    internal static HashAlgorithmName? HashFromOid(string oid) => Digests.FromOid(oid) is { } h && Digests.IsSha2(h) ? h : null;

    /// <summary>True when two big-endian two's-complement integers are equal in value.</summary>
    internal static bool SameInteger(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        new BigInteger(a, isUnsigned: false, isBigEndian: true) == new BigInteger(b, isUnsigned: false, isBigEndian: true);

    private static TimestampException Malformed(string why) => new($"The timestamp token is not a valid RFC 3161 TimeStampToken: {why}.");
}
