using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Signing.Cms;

/// <summary>How a signature value relates to the hash it signs.</summary>
public enum SignatureScheme
{
    RsaPkcs1,
    RsaPss,

    /// <summary>ECDSA; in CMS the value is the DER Ecdsa-Sig-Value.</summary>
    Ecdsa,
}

/// <summary>
/// A SignerInfo's signature algorithm resolved to a scheme and the hash it signs: the one reading
/// of signature-algorithm identifiers for signatures and timestamp tokens alike.
/// </summary>
public sealed record SignatureAlgorithm(SignatureScheme Scheme, HashAlgorithmName Hash)
{
    /// <summary>The RSASSA-PSS parameters, for <see cref="SignatureScheme.RsaPss"/>.</summary>
    public RsaPssParameters? Pss { get; init; }

    /// <summary>SHA-1 or MD5 (also as PSS's mask hash): computable, so that a broken algorithm is told apart from a broken signature.</summary>
    public bool IsWeak => Hash == HashAlgorithmName.SHA1 || Hash == HashAlgorithmName.MD5 || Pss?.MaskHash == HashAlgorithmName.SHA1;

    /// <summary>
    /// Resolves <paramref name="oid"/> (with its <paramref name="parameters"/>) for a SignerInfo whose
    /// digest algorithm is <paramref name="digestAlgorithmOid"/>. Bare rsaEncryption and
    /// id-ecPublicKey sign with the digest algorithm. False, with <paramref name="problem"/>, for
    /// what this code cannot check.
    /// </summary>
    public static bool TryResolve(string oid, ReadOnlyMemory<byte>? parameters, string digestAlgorithmOid, out SignatureAlgorithm? algorithm, out string? problem)
    {
        algorithm = null;
        problem = null;
        var digest = Digests.FromOid(digestAlgorithmOid);
        SignatureAlgorithm? Of(SignatureScheme scheme, HashAlgorithmName? hash) => hash is { } h ? new SignatureAlgorithm(scheme, h) : null;
        algorithm = oid switch
        {
            Oids.RsaEncryption => Of(SignatureScheme.RsaPkcs1, digest),
            Oids.Sha256WithRsa => Of(SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA256),
            Oids.Sha384WithRsa => Of(SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA384),
            Oids.Sha512WithRsa => Of(SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA512),
            Oids.Sha1WithRsa => Of(SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA1),
            Oids.Md5WithRsa => Of(SignatureScheme.RsaPkcs1, HashAlgorithmName.MD5),
            Oids.EcPublicKey => Of(SignatureScheme.Ecdsa, digest),
            Oids.EcdsaWithSha256 => Of(SignatureScheme.Ecdsa, HashAlgorithmName.SHA256),
            Oids.EcdsaWithSha384 => Of(SignatureScheme.Ecdsa, HashAlgorithmName.SHA384),
            Oids.EcdsaWithSha512 => Of(SignatureScheme.Ecdsa, HashAlgorithmName.SHA512),
            Oids.EcdsaWithSha1 => Of(SignatureScheme.Ecdsa, HashAlgorithmName.SHA1),
            Oids.RsaPss => RsaPssParameters.Read(parameters) is { } pss ? new SignatureAlgorithm(SignatureScheme.RsaPss, pss.Hash) { Pss = pss } : null,
            _ => null,
        };
        if (algorithm is null)
        {
            problem = oid == Oids.RsaPss
                ? "the RSA-PSS parameters are not readable or not MGF1 with trailer 1"
                : $"the signature algorithm {oid} with digest {digestAlgorithmOid} is not supported";
        }

        return algorithm is not null;
    }

    /// <summary>True when <paramref name="signature"/> is this algorithm's signature over <paramref name="hash"/> by <paramref name="certificate"/>'s key.</summary>
    public bool Verify(X509Certificate2 certificate, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature) =>
        Pss is { } pss && !pss.IsDotNetDefault
            ? pss.Verify(certificate, hash, signature)
            : PublicKeyCache.VerifyHash(certificate, hash, signature, Hash, Scheme);
}

/// <summary>Digest algorithm identifiers.</summary>
public static class Digests
{
    /// <summary>The hash an OID names, SHA-1 and MD5 included (see <see cref="SignatureAlgorithm.IsWeak"/>); null when unknown.</summary>
    public static HashAlgorithmName? FromOid(string oid) => oid switch
    {
        Oids.Sha256 => HashAlgorithmName.SHA256,
        Oids.Sha384 => HashAlgorithmName.SHA384,
        Oids.Sha512 => HashAlgorithmName.SHA512,
        Oids.Sha1 => HashAlgorithmName.SHA1,
        Oids.Md5 => HashAlgorithmName.MD5,
        _ => null,
    };

    public static bool IsSha2(HashAlgorithmName hash) => hash == HashAlgorithmName.SHA256 || hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512;

    public static int Length(HashAlgorithmName hash)
    {
        using var h = IncrementalHash.CreateHash(hash);
        return h.HashLengthInBytes;
    }

    public static byte[] Compute(HashAlgorithmName hash, ReadOnlySpan<byte> data)
    {
        using var h = IncrementalHash.CreateHash(hash);
        h.AppendData(data);
        return h.GetHashAndReset();
    }
}
