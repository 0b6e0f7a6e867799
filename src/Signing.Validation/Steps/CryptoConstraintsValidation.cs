using System.Security.Cryptography.X509Certificates;
using Signing.Cms;
using Signing.Validation.Policy;

namespace Signing.Validation.Steps;

/// <summary>
/// Cryptographic constraints step: the signature's digest and signature algorithms, the signer's
/// key, and the signature algorithm and key of every certificate on its path, each against the
/// policy at the best signature time.
/// </summary>
internal static class CryptoConstraintsValidation
{
    /// <summary>The finding that decides (one the policy never accepts before one that merely lacks proof of existence), or null.</summary>
    public static CryptoFinding? Check(CmsSignature cms, X509Certificate2 signer, IReadOnlyList<X509Certificate2> path, CryptoConstraints constraints, DateTimeOffset at)
    {
        var findings = new List<CryptoFinding?>();
        if (cms.DigestAlgorithm is { } digest) findings.Add(constraints.CheckDigest(digest, at, "The signature"));
        if (cms.ResolveSignatureAlgorithm(out _) is { } algorithm && algorithm.Hash != cms.DigestAlgorithm) findings.Add(constraints.CheckDigest(algorithm.Hash, at, "The signature value"));
        findings.Add(constraints.CheckKey(signer, at, "The signer's certificate"));
        // The path starts with the signer's certificate (judged above); the rest are its CAs.
        foreach (var certificate in path.Skip(1)) findings.Add(constraints.CheckKey(certificate, at, $"The CA certificate '{certificate.Subject}'"));

        // A self-signed anchor's own signature proves nothing (it is trusted as configured), so it is not judged.
        foreach (var certificate in path.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData) is false))
        {
            if (CertificateSignatureHash(certificate) is { } hash) findings.Add(constraints.CheckDigest(hash, at, $"The certificate '{certificate.Subject}'"));
        }

        return findings.FirstOrDefault(f => f is { NoPoe: false }) ?? findings.FirstOrDefault(f => f is not null);
    }

    /// <summary>The hash of a certificate's own signature algorithm when its OID names one (RSA-PSS carries it in parameters X509Chain already checked).</summary>
    private static System.Security.Cryptography.HashAlgorithmName? CertificateSignatureHash(X509Certificate2 certificate) =>
        certificate.SignatureAlgorithm.Value is { } oid && SignatureAlgorithm.TryResolve(oid, null, "", out var resolved, out _) ? resolved!.Hash : null;
}
