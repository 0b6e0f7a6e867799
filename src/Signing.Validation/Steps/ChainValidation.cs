using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Signing.Validation.Steps;

/// <summary>Chain step: an X.509 path from the certificate to one of the anchors, valid at a given time (revocation is not checked yet).</summary>
internal static class ChainValidation
{
    public static ChainCheck Check(X509Certificate2 cert, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors, DateTimeOffset at)
    {
        var candidateList = candidates as IReadOnlyCollection<X509Certificate2> ?? candidates.ToList();
        return ChainCache.GetOrBuild(cert, candidateList, anchors, at, () => BuildChain(cert, candidateList, anchors, at));
    }

    private static ChainCheck BuildChain(X509Certificate2 cert, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(candidates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        bool ok;
        try
        {
            ok = chain.Build(cert);
        }
        catch (CryptographicException)
        {
            // A certificate in the CMS that OpenSSL cannot process (e.g. a damaged key): no chain, not a crash.
            return new ChainCheck(false, "a certificate of the chain cannot be processed", []);
        }

        var status = ok ? "valid" : string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        var path = chain.ChainElements.Select(e => e.Certificate.Subject).ToArray();
        return new ChainCheck(ok, status, path);
    }
}
