using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Validation.Policy;

namespace Signing.Validation.Steps;

/// <summary>A path from a certificate to an anchor, built with time validity ignored; <see cref="Elements"/> run from the certificate to the anchor.</summary>
internal sealed record BuiltPath(bool Found, string? Problem, string? SubIndication, IReadOnlyList<X509Certificate2> Elements);

/// <summary>
/// The chain verdict at one time: <see cref="Check"/> for the report, and when it did not pass the
/// ETSI EN 319 102-1 indication and sub-indication it leads to.
/// </summary>
internal sealed record ChainOutcome(ChainCheck Check, Indication Indication, string? SubIndication, IReadOnlyList<X509Certificate2> Path)
{
    public bool Passed => Check.Trusted;
}

/// <summary>
/// X.509 validation step: a path from the certificate to one of the purpose's anchors, the
/// purpose's constraint on the certificate (the signer's key usage), and every element's validity
/// at the given time (revocation is not checked yet). Time is judged here rather than by
/// X509Chain so that "expired", "not yet valid" and "no path" get their own sub-indications.
/// </summary>
internal static class ChainValidation
{
    /// <summary>
    /// Validates <paramref name="cert"/> at <paramref name="at"/>. <paramref name="atIsProofOfExistence"/>:
    /// the signed object is known to have existed at <paramref name="at"/> (a timestamp's genTime, or
    /// a time not before now), so a certificate not yet valid then is a definite failure.
    /// </summary>
    public static ChainOutcome Check(X509Certificate2 cert, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors, DateTimeOffset at,
        bool atIsProofOfExistence, Func<X509Certificate2, string?>? purposeProblem = null)
    {
        var candidateList = candidates as IReadOnlyCollection<X509Certificate2> ?? candidates.ToList();
        var path = ChainCache.GetOrBuild(cert, candidateList, anchors, () => Build(cert, candidateList, anchors));
        var subjects = path.Elements.Select(e => e.Subject).ToArray();
        ChainOutcome Fail(Indication indication, string sub, string status) => new(new ChainCheck(false, status, subjects), indication, sub, path.Elements);
        if (!path.Found) return Fail(Indication.INDETERMINATE, path.SubIndication!, path.Problem!);
        if (purposeProblem?.Invoke(cert) is { } problem) return Fail(Indication.INDETERMINATE, SubIndications.ChainConstraintsFailure, problem);

        var utc = at.UtcDateTime;
        foreach (var element in path.Elements)
        {
            var isTarget = ReferenceEquals(element, path.Elements[0]);
            var what = isTarget ? "the certificate" : $"the CA certificate '{element.Subject}'";
            if (utc < element.NotBefore.ToUniversalTime())
            {
                // Not yet valid when the object is known to have existed: it was made before the certificate.
                return isTarget && atIsProofOfExistence
                    ? Fail(Indication.TOTAL_FAILED, SubIndications.NotYetValid, $"{what} is not valid before {element.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z, after the signature existed ({at:yyyy-MM-dd HH:mm:ss zzz})")
                    : Fail(Indication.INDETERMINATE, SubIndications.OutOfBoundsNoPoe, $"{what} is not valid before {element.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z, after the validation time {at:yyyy-MM-dd HH:mm:ss zzz}");
            }

            if (utc > element.NotAfter.ToUniversalTime())
            {
                return Fail(Indication.INDETERMINATE, SubIndications.OutOfBoundsNoPoe,
                    $"{what} expired {element.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z, and nothing proves the signature existed before ({at:yyyy-MM-dd HH:mm:ss zzz})");
            }
        }

        return new ChainOutcome(new ChainCheck(true, "valid", subjects), Indication.TOTAL_PASSED, null, path.Elements);
    }

    private static BuiltPath Build(X509Certificate2 cert, IReadOnlyCollection<X509Certificate2> candidates, X509Certificate2Collection anchors)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(candidates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid | X509VerificationFlags.IgnoreNotTimeNested;
        bool ok;
        try
        {
            ok = chain.Build(cert);
        }
        catch (CryptographicException)
        {
            // A certificate in the CMS that OpenSSL cannot process (e.g. a damaged key): no chain, not a crash.
            return new BuiltPath(false, "a certificate of the chain cannot be processed", SubIndications.CertificateChainGeneralFailure, []);
        }

        // The elements are the chain's own copies (disposed with it): keep the caller's instances.
        var known = candidates.Concat(anchors.Cast<X509Certificate2>()).Append(cert).ToList();
        var elements = chain.ChainElements.Select(e => known.FirstOrDefault(k => k.RawDataMemory.Span.SequenceEqual(e.Certificate.RawDataMemory.Span))
            ?? X509CertificateLoader.LoadCertificate(e.Certificate.RawData)).ToList();
        if (ok) return new BuiltPath(true, null, null, elements);
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (f, s) => f | s.Status);
        var status = string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        const X509ChainStatusFlags noPath = X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.Cyclic;
        const X509ChainStatusFlags constraints = X509ChainStatusFlags.InvalidBasicConstraints | X509ChainStatusFlags.InvalidNameConstraints
            | X509ChainStatusFlags.HasNotPermittedNameConstraint | X509ChainStatusFlags.HasExcludedNameConstraint | X509ChainStatusFlags.HasNotSupportedNameConstraint
            | X509ChainStatusFlags.HasNotDefinedNameConstraint | X509ChainStatusFlags.InvalidPolicyConstraints | X509ChainStatusFlags.NoIssuanceChainPolicy
            | X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.InvalidExtension | X509ChainStatusFlags.HasNotSupportedCriticalExtension;
        var sub = (flags & noPath) != 0 ? SubIndications.NoCertificateChainFound
            : (flags & constraints) != 0 ? SubIndications.ChainConstraintsFailure
            : SubIndications.CertificateChainGeneralFailure;
        return new BuiltPath(false, status, sub, elements);
    }
}
