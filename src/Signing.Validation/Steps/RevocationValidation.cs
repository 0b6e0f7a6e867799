using System.Security.Cryptography.X509Certificates;
using Signing.Revocation;
using Signing.Validation.Policy;

namespace Signing.Validation.Steps;

/// <summary>The revocation verdict on one chain: passed, or the ETSI EN 319 102-1 indication it leads to; <see cref="Notes"/> say what was found per certificate.</summary>
internal sealed record RevocationOutcome(bool Passed, Indication Indication, string? SubIndication, string? Problem, IReadOnlyList<string> Notes)
{
    /// <summary>Every certificate's answer came from the file itself (PAdES B-LT: the validation data travels with it).</summary>
    public bool FromFile { get; init; }

    public static RevocationOutcome Pass(IReadOnlyList<string> notes, bool fromFile = false) => new(true, Indication.TOTAL_PASSED, null, null, notes) { FromFile = fromFile };
}

/// <summary>
/// Revocation step (ETSI EN 319 102-1 §5.2.6, X.509 validation): every certificate of the path
/// but the anchor, and but an OCSP responder certificate with id-pkix-ocsp-nocheck, is looked up
/// in the file's embedded data and then (unless the anchor's mode is offline) at its own OCSP and
/// CRL URLs. A "good" answer counts when it was issued while the certificate was valid and is fresh
/// for the best signature time (issued at or after it, or current then). A revocation counts
/// unless a proof of existence (a timestamp) shows the object existed before the revocation time.
/// </summary>
internal static class RevocationValidation
{
    /// <param name="path">From the certificate to the anchor, as <see cref="ChainValidation"/> built it.</param>
    /// <param name="bestTime">The best signature time: a timestamp's genTime, else the validation time.</param>
    /// <param name="poe">A timestamp proves the object existed at <paramref name="bestTime"/>.</param>
    /// <param name="what">"the signer's certificate", "the TSA certificate": starts the messages.</param>
    /// <param name="selfDated">The proof of existence is the object's own date (a TSA's genTime): a key compromise can forge it, so a compromise revocation is never excused.</param>
    public static RevocationOutcome Check(IReadOnlyList<X509Certificate2> path, DateTimeOffset bestTime, bool poe, DateTimeOffset now, RevocationPolicy policy, string what, bool selfDated = false)
    {
        if (path.Count < 2) return RevocationOutcome.Pass([]);
        var mode = policy.ModeFor(path[^1]);
        if (mode == RevocationMode.NoCheck) return RevocationOutcome.Pass([$"Revocation of {what} and its CAs was not checked (the policy for its trust anchor says so)."]);
        var notes = new List<string>();
        var fromFile = true;
        for (var i = 0; i < path.Count - 1; i++)
        {
            var cert = path[i];
            var issuer = path[i + 1];
            var name = i == 0 ? what : $"the CA certificate '{cert.GetNameInfo(X509NameType.SimpleName, false)}'";
            if (i > 0 && CertificateLocations.HasOcspNoCheck(cert)) continue;
            if (i == 0 && CertificateLocations.HasOcspNoCheck(cert) && IsOcspResponder(cert))
            {
                notes.Add($"{Capital(name)} is an OCSP responder certificate with id-pkix-ocsp-nocheck: trusted for its lifetime without a revocation check.");
                continue;
            }

            var problems = new List<string>();
            var (answer, outOfBounds) = Pick(policy.Embedded.Find(cert, issuer, now), cert, bestTime, problems);
            if (answer is null && mode != RevocationMode.Offline)
            {
                fromFile = false;
                var (online, ob) = Pick(policy.OnlineSource.Find(cert, issuer, now), cert, bestTime, problems);
                answer = online;
                outOfBounds |= ob;
            }

            if (answer is null)
            {
                var why = problems.Count == 0 ? "no revocation data was found" : string.Join("; ", problems.Distinct());
                var sub = outOfBounds ? SubIndications.RevocationOutOfBoundsNoPoe : SubIndications.TryLater;
                var where = mode == RevocationMode.Offline ? " in the file (offline)" : "";
                if (mode == RevocationMode.SoftFail)
                {
                    notes.Add($"The revocation status of {name} is unknown ({why}); accepted because the policy for its trust anchor is soft-fail.");
                    fromFile = false;
                    continue;
                }

                return new RevocationOutcome(false, Indication.INDETERMINATE, sub, $"the revocation status of {name} could not be established{where}: {why}", notes);
            }

            if (answer.Status == CertificateStatus.Revoked)
            {
                var revokedAt = answer.RevokedAt ?? answer.ThisUpdate;
                var compromise = answer.Reason is "keyCompromise" or "cACompromise";
                if (poe && bestTime < revokedAt && !(compromise && selfDated))
                {
                    notes.Add($"{Capital(name)} was {answer.Describe()}; the object existed before, at {bestTime:yyyy-MM-dd HH:mm:ss}Z (proof of existence), so it stays valid.");
                    continue;
                }

                var sub = i == 0 ? SubIndications.RevokedNoPoe : SubIndications.RevokedCaNoPoe;
                return new RevocationOutcome(false, Indication.INDETERMINATE, sub,
                    $"{name} was {answer.Describe()}, and nothing proves the object existed before", notes);
            }

            notes.Add($"{Capital(name)}: {answer.Describe()}.");
        }

        return RevocationOutcome.Pass(notes, fromFile);
    }

    /// <summary>The best usable answer: any revocation (it is final), else the newest "good" answer that is fresh and in bounds.</summary>
    private static (RevocationAnswer? Answer, bool OutOfBounds) Pick(RevocationLookup lookup, X509Certificate2 cert, DateTimeOffset bestTime, List<string> problems)
    {
        problems.AddRange(lookup.Problems);
        if (lookup.Answers.FirstOrDefault(a => a.Status == CertificateStatus.Revoked) is { } revoked) return (revoked, false);
        var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime());
        var outOfBounds = false;
        foreach (var a in lookup.Answers.OrderByDescending(a => a.ThisUpdate))
        {
            if (a.Status == CertificateStatus.Unknown)
            {
                problems.Add("the OCSP responder does not know the certificate");
                continue;
            }

            if (a.ThisUpdate > notAfter)
            {
                // Issued after the certificate expired: a CA may drop expired certificates from its lists.
                problems.Add($"the revocation data of {a.ThisUpdate:yyyy-MM-dd}Z is later than the certificate's expiry");
                outOfBounds = true;
                continue;
            }

            if (!a.IsFreshFor(bestTime))
            {
                problems.Add($"the revocation data of {a.ThisUpdate:yyyy-MM-dd HH:mm}Z (next update {a.NextUpdate:yyyy-MM-dd HH:mm}Z) is not fresh for {bestTime:yyyy-MM-dd HH:mm}Z");
                continue;
            }

            return (a, false);
        }

        return (null, outOfBounds);
    }

    private static bool IsOcspResponder(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == CertificateLocations.OcspSigningEkuOid));

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
