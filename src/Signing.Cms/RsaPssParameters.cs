using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Signing.Cms;

/// <summary>
/// RSASSA-PSS-params (RFC 4055 §3.1) with their defaults, and a verification that honours them.
/// .NET's PSS only takes MGF1 over the same hash and a salt as long as the hash, while openssl and
/// Bouncy Castle sign with the longest salt that fits by default, so other parameters are checked
/// with Bouncy Castle's EMSA-PSS over the already computed hash.
/// </summary>
public sealed record RsaPssParameters(HashAlgorithmName Hash, HashAlgorithmName MaskHash, int SaltLength)
{
    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0);
    private static readonly Asn1Tag Context1 = new(TagClass.ContextSpecific, 1);
    private static readonly Asn1Tag Context2 = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag Context3 = new(TagClass.ContextSpecific, 3);

    /// <summary>Reads the parameters (absent fields take RFC 4055's defaults: SHA-1, MGF1-SHA-1, salt 20); null when unreadable or not MGF1 with trailer 1.</summary>
    public static RsaPssParameters? Read(ReadOnlyMemory<byte>? encoded)
    {
        if (encoded is not { } bytes) return null;
        try
        {
            var p = new AsnReader(bytes, AsnEncodingRules.DER).ReadSequence();
            var hash = HashAlgorithmName.SHA1;
            var mask = HashAlgorithmName.SHA1;
            var salt = 20;
            if (p.HasData && p.PeekTag().HasSameClassAndValue(Context0))
            {
                if (HashFromOid(p.ReadSequence(Context0).ReadSequence().ReadObjectIdentifier()) is not { } h) return null;
                hash = h;
            }

            if (p.HasData && p.PeekTag().HasSameClassAndValue(Context1))
            {
                var mgf = p.ReadSequence(Context1).ReadSequence();
                if (mgf.ReadObjectIdentifier() != Oids.Mgf1 || HashFromOid(mgf.ReadSequence().ReadObjectIdentifier()) is not { } m) return null;
                mask = m;
            }

            if (p.HasData && p.PeekTag().HasSameClassAndValue(Context2))
            {
                if (!p.ReadSequence(Context2).TryReadInt32(out salt) || salt < 0) return null;
            }

            if (p.HasData && p.PeekTag().HasSameClassAndValue(Context3))
            {
                if (!p.ReadSequence(Context3).TryReadInt32(out var trailer) || trailer != 1) return null;
            }

            return p.HasData ? null : new RsaPssParameters(hash, mask, salt);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>The parameters .NET's own RSASSA-PSS checks (MGF1 with the same hash, salt as long as the hash).</summary>
    public bool IsDotNetDefault => MaskHash == Hash && SaltLength == Digests.Length(Hash);

    /// <summary>Checks <paramref name="signature"/> over <paramref name="hash"/> (already computed with <see cref="Hash"/>) with the certificate's RSA key.</summary>
    public bool Verify(X509Certificate2 certificate, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null) return false;
        var key = rsa.ExportParameters(false);
        var publicKey = new RsaKeyParameters(false, new Org.BouncyCastle.Math.BigInteger(1, key.Modulus), new Org.BouncyCastle.Math.BigInteger(1, key.Exponent));
        var signer = PssSigner.CreateRawSigner(new RsaEngine(), Digest(Hash), Digest(MaskHash), SaltLength, PssSigner.TrailerImplicit);
        try
        {
            signer.Init(false, publicKey);
            signer.BlockUpdate(hash);
            return signer.VerifySignature(signature.ToArray());
        }
        catch (CryptoException)
        {
            // DataLengthException included: a signature longer than the modulus is a wrong one, not a crash.
            return false;
        }
    }

    private static HashAlgorithmName? HashFromOid(string oid) => Digests.FromOid(oid) is { } h && h != HashAlgorithmName.MD5 ? h : null;

    private static IDigest Digest(HashAlgorithmName name) => name.Name switch
    {
        "SHA256" => new Sha256Digest(),
        "SHA384" => new Sha384Digest(),
        "SHA512" => new Sha512Digest(),
        "SHA1" => new Sha1Digest(),
        _ => throw new CryptographicException($"no digest {name}"),
    };
}
