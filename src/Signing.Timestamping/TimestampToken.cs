using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    internal const string TstInfoContentType = "1.2.840.113549.1.9.16.1.4";
    internal const string SignedDataOid = "1.2.840.113549.1.7.2";
    internal const string ContentTypeAttribute = "1.2.840.113549.1.9.3";
    internal const string MessageDigestAttribute = "1.2.840.113549.1.9.4";
    internal const string SigningCertificateAttribute = "1.2.840.113549.1.9.16.2.12";
    internal const string SigningCertificateV2Attribute = "1.2.840.113549.1.9.16.2.47";
    internal const string TimeStampingEku = "1.3.6.1.5.5.7.3.8";
    internal const string Sha256 = "2.16.840.1.101.3.4.2.1";
    internal const string Sha384 = "2.16.840.1.101.3.4.2.2";
    internal const string Sha512 = "2.16.840.1.101.3.4.2.3";
    internal const string RsaEncryption = "1.2.840.113549.1.1.1";
    internal const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    internal const string Sha384WithRsa = "1.2.840.113549.1.1.12";
    internal const string Sha512WithRsa = "1.2.840.113549.1.1.13";
    internal const string RsaPss = "1.2.840.113549.1.1.10";
    internal const string Mgf1 = "1.2.840.113549.1.1.8";
    internal const string EcPublicKey = "1.2.840.10045.2.1";
    internal const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    internal const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";
    internal const string EcdsaWithSha512 = "1.2.840.10045.4.3.4";

    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0);
    private static readonly Asn1Tag Context1 = new(TagClass.ContextSpecific, 1);
    private static readonly Asn1Tag Context2 = new(TagClass.ContextSpecific, 2);

    private readonly ReadOnlyMemory<byte>[] _certificateEncodings;
    private readonly byte[] _sidIssuer;
    private readonly byte[] _sidSerial;
    private readonly byte[]? _sidKeyIdentifier;
    private readonly string _digestAlgorithmOid;
    private readonly byte[] _signedAttributes;
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _attributes;
    private readonly string _signatureAlgorithmOid;
    private readonly ReadOnlyMemory<byte>? _signatureAlgorithmParameters;
    private readonly byte[] _signatureValue;
    private IReadOnlyList<X509Certificate2>? _certificates;

    private TimestampToken(
        byte[] tstInfoDer,
        TstInfo info,
        ReadOnlyMemory<byte>[] certificateEncodings,
        byte[] sidIssuer,
        byte[] sidSerial,
        byte[]? sidKeyIdentifier,
        string digestAlgorithmOid,
        byte[] signedAttributes,
        Dictionary<string, ReadOnlyMemory<byte>> attributes,
        string signatureAlgorithmOid,
        ReadOnlyMemory<byte>? signatureAlgorithmParameters,
        byte[] signatureValue)
    {
        TstInfoDer = tstInfoDer;
        Info = info;
        _certificateEncodings = certificateEncodings;
        _sidIssuer = sidIssuer;
        _sidSerial = sidSerial;
        _sidKeyIdentifier = sidKeyIdentifier;
        _digestAlgorithmOid = digestAlgorithmOid;
        _signedAttributes = signedAttributes;
        _attributes = attributes;
        _signatureAlgorithmOid = signatureAlgorithmOid;
        _signatureAlgorithmParameters = signatureAlgorithmParameters;
        _signatureValue = signatureValue;
    }

    /// <summary>The DER TSTInfo as signed (the eContent).</summary>
    public byte[] TstInfoDer { get; }

    public TstInfo Info { get; }

    /// <summary>The certificates the token carries (parsed on first use, through <see cref="CertificateCache"/>).</summary>
    public IReadOnlyList<X509Certificate2> Certificates =>
        _certificates ??= _certificateEncodings.Select(c => CertificateCache.Load(c.Span)).ToArray();

    /// <summary>
    /// Reads one DER (or BER) TimeStampToken that must fill <paramref name="token"/> exactly, with
    /// exactly one SignerInfo carrying signed attributes. Throws <see cref="TimestampException"/>
    /// saying what is wrong.
    /// </summary>
    public static TimestampToken Read(ReadOnlyMemory<byte> token)
    {
        try
        {
            return ReadCore(token);
        }
        catch (AsnContentException e)
        {
            throw new TimestampException("The timestamp token is not a valid RFC 3161 TimeStampToken.", e);
        }
        catch (ArgumentException e)
        {
            throw new TimestampException("The timestamp token is not a valid RFC 3161 TimeStampToken.", e);
        }
    }

    private static TimestampToken ReadCore(ReadOnlyMemory<byte> token)
    {
        var outer = new AsnReader(token, AsnEncodingRules.BER);
        var contentInfo = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (contentInfo.ReadObjectIdentifier() != SignedDataOid) throw Malformed("it is not a CMS SignedData");
        var explicitContent = contentInfo.ReadSequence(Context0);
        contentInfo.ThrowIfNotEmpty();
        var signedData = explicitContent.ReadSequence();
        explicitContent.ThrowIfNotEmpty();
        signedData.ReadInteger(); // version
        signedData.ReadSetOf(skipSortOrderValidation: true); // digestAlgorithms: the SignerInfo names its own

        var encapsulated = signedData.ReadSequence();
        if (encapsulated.ReadObjectIdentifier() != TstInfoContentType) throw Malformed("its content is not a TSTInfo");
        if (!encapsulated.HasData) throw Malformed("it has no TSTInfo");
        var eContentWrapper = encapsulated.ReadSequence(Context0);
        var tstInfoDer = eContentWrapper.ReadOctetString();
        eContentWrapper.ThrowIfNotEmpty();
        encapsulated.ThrowIfNotEmpty();
        var info = ReadTstInfo(tstInfoDer);

        var certificates = new List<ReadOnlyMemory<byte>>();
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Context0))
        {
            var set = signedData.ReadSetOf(skipSortOrderValidation: true, Context0);
            while (set.HasData)
            {
                var tag = set.PeekTag();
                var encoded = set.ReadEncodedValue();
                if (tag.HasSameClassAndValue(Asn1Tag.Sequence)) certificates.Add(encoded); // other CertificateChoices are not certificates
            }
        }

        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Context1)) signedData.ReadEncodedValue(); // crls
        var signerInfos = signedData.ReadSetOf(skipSortOrderValidation: true);
        signedData.ThrowIfNotEmpty();
        var signers = new List<AsnReader>();
        while (signerInfos.HasData) signers.Add(signerInfos.ReadSequence());
        if (signers.Count != 1) throw new TimestampException($"The timestamp token has {signers.Count} signers instead of one.");
        var si = signers[0];

        si.ReadInteger(); // version
        byte[] issuer = [], serial = [];
        byte[]? keyIdentifier = null;
        if (si.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var issuerAndSerial = si.ReadSequence();
            issuer = issuerAndSerial.ReadEncodedValue().ToArray();
            serial = issuerAndSerial.ReadIntegerBytes().ToArray();
            issuerAndSerial.ThrowIfNotEmpty();
        }
        else
        {
            keyIdentifier = si.ReadOctetString(Context0);
        }

        var digestAlgorithm = si.ReadSequence().ReadObjectIdentifier();
        if (!si.PeekTag().HasSameClassAndValue(Context0)) throw Malformed("its SignerInfo has no signed attributes");
        var signedAttributes = si.PeekEncodedValue().ToArray();
        signedAttributes[0] = 0x31; // [0] IMPLICIT → SET OF, the form that was signed (RFC 5652 §5.4)
        var attributes = ReadAttributes(si.ReadSetOf(skipSortOrderValidation: true, Context0));

        var signatureAlgorithm = si.ReadSequence();
        var signatureOid = signatureAlgorithm.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? parameters = signatureAlgorithm.HasData ? signatureAlgorithm.ReadEncodedValue() : null;
        signatureAlgorithm.ThrowIfNotEmpty();
        var signatureValue = si.ReadOctetString();
        if (si.HasData) si.ReadSetOf(skipSortOrderValidation: true, Context1); // unsigned attributes
        si.ThrowIfNotEmpty();

        return new TimestampToken(tstInfoDer, info, [.. certificates], issuer, serial, keyIdentifier, digestAlgorithm, signedAttributes, attributes, signatureOid, parameters, signatureValue);
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

    // Each attribute we look at must occur once with one value (RFC 5652 §5.3, RFC 5035 §5.4).
    private static Dictionary<string, ReadOnlyMemory<byte>> ReadAttributes(AsnReader set)
    {
        var result = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        while (set.HasData)
        {
            var attribute = set.ReadSequence();
            var oid = attribute.ReadObjectIdentifier();
            var values = attribute.ReadSetOf(skipSortOrderValidation: true);
            var value = values.ReadEncodedValue();
            if (values.HasData || !result.TryAdd(oid, value)) throw Malformed($"its signed attribute {oid} occurs more than once");
            attribute.ThrowIfNotEmpty();
        }

        return result;
    }

    /// <summary>
    /// The certificate the SignerInfo names: from the token's own certificates, else from
    /// <paramref name="extraCandidates"/> (issuer and serial number, or subject key identifier, must match).
    /// </summary>
    public X509Certificate2? FindSignerCertificate(IEnumerable<X509Certificate2>? extraCandidates = null) =>
        Certificates.FirstOrDefault(IsNamedSigner) ?? extraCandidates?.FirstOrDefault(IsNamedSigner);

    private bool IsNamedSigner(X509Certificate2 c)
    {
        if (_sidKeyIdentifier is null) return c.IssuerName.RawData.AsSpan().SequenceEqual(_sidIssuer) && c.SerialNumberBytes.Span.SequenceEqual(_sidSerial);
        var ski = c.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        return ski is not null && ski.SubjectKeyIdentifierBytes.Span.SequenceEqual(_sidKeyIdentifier);
    }

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
        if (!EssBindingMatches(signer, out var essProblem)) return essProblem;
        var genTime = Info.GenTime.UtcDateTime;
        if (genTime < signer.NotBefore.ToUniversalTime() || genTime > signer.NotAfter.ToUniversalTime()) return "the TSA certificate was not valid at the token's time";
        var ekus = signer.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        if (ekus.Count != 1 || !ekus[0].Critical || !ekus[0].EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == TimeStampingEku))
        {
            return "the TSA certificate lacks a single critical timeStamping extended key usage";
        }

        if (!_attributes.TryGetValue(ContentTypeAttribute, out var contentType)
            || new AsnReader(contentType, AsnEncodingRules.DER).ReadObjectIdentifier() != TstInfoContentType)
        {
            return "the content-type attribute is missing or is not TSTInfo";
        }

        if (HashFromOid(_digestAlgorithmOid) is not { } digestAlgorithm) return $"the digest algorithm {_digestAlgorithmOid} is not supported";
        if (!_attributes.TryGetValue(MessageDigestAttribute, out var messageDigest)
            || !new AsnReader(messageDigest, AsnEncodingRules.DER).ReadOctetString().AsSpan().SequenceEqual(Hash(digestAlgorithm, TstInfoDer)))
        {
            return "the message-digest attribute does not match the TSTInfo";
        }

        if (!SignatureScheme(digestAlgorithm, out var signatureHash, out var check)) return $"the signature algorithm {_signatureAlgorithmOid} is not supported";
        return PublicKeyCache.VerifyHash(signer, Hash(signatureHash, _signedAttributes), _signatureValue, signatureHash, check)
            ? null
            : "the signature value does not verify with the TSA certificate";
    }

    // RFC 3161 §2.4.2 wants ESSCertID (RFC 2634) or ESSCertIDv2 (RFC 5816); when both are present, both must name the signer.
    private bool EssBindingMatches(X509Certificate2 signer, out string? problem)
    {
        problem = "the ESS signing-certificate attribute does not name the TSA certificate";
        try
        {
            var v1 = _attributes.TryGetValue(SigningCertificateAttribute, out var a1) ? a1 : (ReadOnlyMemory<byte>?)null;
            var v2 = _attributes.TryGetValue(SigningCertificateV2Attribute, out var a2) ? a2 : (ReadOnlyMemory<byte>?)null;
            if (v1 is null && v2 is null)
            {
                problem = "the token has no ESS signing-certificate attribute";
                return false;
            }

            if (v1 is { } first && !CertIdMatches(first, signer, isV2: false)) return false;
            if (v2 is { } second && !CertIdMatches(second, signer, isV2: true)) return false;
            problem = null;
            return true;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return false;
        }
    }

    // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }; the first names the signer.
    private static bool CertIdMatches(ReadOnlyMemory<byte> attribute, X509Certificate2 signer, bool isV2)
    {
        var certs = new AsnReader(attribute, AsnEncodingRules.BER).ReadSequence().ReadSequence();
        var id = certs.ReadSequence();
        var hashAlgorithm = HashAlgorithmName.SHA1;
        if (isV2)
        {
            hashAlgorithm = HashAlgorithmName.SHA256;
            if (id.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                hashAlgorithm = HashFromOid(id.ReadSequence().ReadObjectIdentifier()) ?? throw new CryptographicException("unsupported ESSCertIDv2 hash");
            }
        }

        if (!id.ReadOctetString().AsSpan().SequenceEqual(signer.GetCertHash(hashAlgorithm))) return false;
        if (!id.HasData) return true;
        var issuerSerial = id.ReadSequence();
        var names = issuerSerial.ReadSequence();
        var directoryName = names.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true));
        var issuer = directoryName.ReadEncodedValue();
        directoryName.ThrowIfNotEmpty();
        if (names.HasData) return false; // exactly one GeneralName
        return issuer.Span.SequenceEqual(signer.IssuerName.RawData) && issuerSerial.ReadIntegerBytes().Span.SequenceEqual(signer.SerialNumberBytes.Span);
    }

    private bool SignatureScheme(HashAlgorithmName digestAlgorithm, out HashAlgorithmName hash, out SignatureCheck check)
    {
        (hash, check) = (digestAlgorithm, SignatureCheck.RsaPkcs1);
        switch (_signatureAlgorithmOid)
        {
            case RsaEncryption: return true;
            case Sha256WithRsa: hash = HashAlgorithmName.SHA256; return true;
            case Sha384WithRsa: hash = HashAlgorithmName.SHA384; return true;
            case Sha512WithRsa: hash = HashAlgorithmName.SHA512; return true;
            case EcPublicKey: check = SignatureCheck.EcdsaDer; return true;
            case EcdsaWithSha256: (hash, check) = (HashAlgorithmName.SHA256, SignatureCheck.EcdsaDer); return true;
            case EcdsaWithSha384: (hash, check) = (HashAlgorithmName.SHA384, SignatureCheck.EcdsaDer); return true;
            case EcdsaWithSha512: (hash, check) = (HashAlgorithmName.SHA512, SignatureCheck.EcdsaDer); return true;
            case RsaPss:
                check = SignatureCheck.RsaPss;
                return _signatureAlgorithmParameters is { } p && PssParametersSupported(p, out hash);
            default: return false;
        }
    }

    // .NET's PSS uses MGF1 with the same hash and a salt as long as the hash; other parameters are refused.
    private static bool PssParametersSupported(ReadOnlyMemory<byte> parameters, out HashAlgorithmName hash)
    {
        hash = default;
        try
        {
            var p = new AsnReader(parameters, AsnEncodingRules.DER).ReadSequence();
            if (!p.HasData || !p.PeekTag().HasSameClassAndValue(Context0)) return false; // default SHA-1
            if (HashFromOid(p.ReadSequence(Context0).ReadSequence().ReadObjectIdentifier()) is not { } h) return false;
            if (!p.HasData || !p.PeekTag().HasSameClassAndValue(Context1)) return false;
            var mgf = p.ReadSequence(Context1).ReadSequence();
            if (mgf.ReadObjectIdentifier() != Mgf1 || HashFromOid(mgf.ReadSequence().ReadObjectIdentifier()) != h) return false;
            if (!p.HasData || !p.PeekTag().HasSameClassAndValue(Context2)) return false; // default salt 20
            var reader = p.ReadSequence(Context2);
            if (!reader.TryReadInt32(out var salt) || salt != Hash(h, []).Length) return false;
            if (p.HasData)
            {
                if (!p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 3)).TryReadInt32(out var trailer) || trailer != 1) return false;
            }

            hash = h;
            return !p.HasData;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    internal static HashAlgorithmName? HashFromOid(string oid) => oid switch
    {
        Sha256 => HashAlgorithmName.SHA256,
        Sha384 => HashAlgorithmName.SHA384,
        Sha512 => HashAlgorithmName.SHA512,
        _ => null,
    };

    private static byte[] Hash(HashAlgorithmName algorithm, ReadOnlySpan<byte> data) => algorithm.Name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw new CryptographicException($"unsupported hash {algorithm.Name}"),
    };

    /// <summary>True when two big-endian two's-complement integers are equal in value.</summary>
    internal static bool SameInteger(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        new BigInteger(a, isUnsigned: false, isBigEndian: true) == new BigInteger(b, isUnsigned: false, isBigEndian: true);

    private static TimestampException Malformed(string why) => new($"The timestamp token is not a valid RFC 3161 TimeStampToken: {why}.");
}
