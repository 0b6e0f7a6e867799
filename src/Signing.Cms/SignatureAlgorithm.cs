using System.Formats.Asn1;
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
    /// <summary>SHA-1 or MD5: computable, so that a broken algorithm is told apart from a broken signature.</summary>
    public bool IsWeak => Hash == HashAlgorithmName.SHA1 || Hash == HashAlgorithmName.MD5;

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
            Oids.RsaPss => Of(SignatureScheme.RsaPss, PssHash(parameters)),
            _ => null,
        };
        if (algorithm is null)
        {
            problem = oid == Oids.RsaPss
                ? "the RSA-PSS parameters are not supported (MGF1 with the same SHA-2 hash and a salt as long as the hash are)"
                : $"the signature algorithm {oid} with digest {digestAlgorithmOid} is not supported";
        }

        return algorithm is not null;
    }

    /// <summary>True when <paramref name="signature"/> is this algorithm's signature over <paramref name="hash"/> by <paramref name="certificate"/>'s key.</summary>
    public bool Verify(X509Certificate2 certificate, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature) =>
        PublicKeyCache.VerifyHash(certificate, hash, signature, Hash, Scheme);

    // .NET checks PSS with MGF1 over the same hash and a salt as long as the hash; other parameters are refused.
    private static HashAlgorithmName? PssHash(ReadOnlyMemory<byte>? parameters)
    {
        if (parameters is not { } encoded) return null;
        var context0 = new Asn1Tag(TagClass.ContextSpecific, 0);
        var context1 = new Asn1Tag(TagClass.ContextSpecific, 1);
        var context2 = new Asn1Tag(TagClass.ContextSpecific, 2);
        try
        {
            var p = new AsnReader(encoded, AsnEncodingRules.DER).ReadSequence();
            if (!p.HasData || !p.PeekTag().HasSameClassAndValue(context0)) return null; // default SHA-1
            if (Digests.FromOid(p.ReadSequence(context0).ReadSequence().ReadObjectIdentifier()) is not { } hash || !Digests.IsSha2(hash)) return null;
            if (!p.HasData || !p.PeekTag().HasSameClassAndValue(context1)) return null;
            var mgf = p.ReadSequence(context1).ReadSequence();
            if (mgf.ReadObjectIdentifier() != Oids.Mgf1 || Digests.FromOid(mgf.ReadSequence().ReadObjectIdentifier()) != hash) return null;
            if (!p.HasData || !p.PeekTag().HasSameClassAndValue(context2)) return null; // default salt 20
            if (!p.ReadSequence(context2).TryReadInt32(out var salt) || salt != Digests.Length(hash)) return null;
            if (p.HasData && (!p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 3)).TryReadInt32(out var trailer) || trailer != 1)) return null;
            return p.HasData ? null : hash;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
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

    public static int Length(HashAlgorithmName hash) => Compute(hash, []).Length;

    public static byte[] Compute(HashAlgorithmName hash, ReadOnlySpan<byte> data)
    {
        using var h = IncrementalHash.CreateHash(hash);
        h.AppendData(data);
        return h.GetHashAndReset();
    }
}
