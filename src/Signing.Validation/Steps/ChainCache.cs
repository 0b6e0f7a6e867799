using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Signing.Validation.Steps;

/// <summary>
/// Results of X509 chain building, reused across files. A build depends on the target
/// certificate, the candidate certificates, the anchors and the validation time, and on the time
/// only through whether each of those certificates is inside its validity period (revocation is
/// not checked, downloads are off). The key therefore holds the SHA-256 of every certificate and
/// the in-period flag of each at the validation time, so a reused result is exactly the result a
/// new build would give.
/// </summary>
internal static class ChainCache
{
    private const int MaxEntries = 4096;
    private static readonly ConcurrentDictionary<string, ChainCheck> Cache = new(StringComparer.Ordinal);
    private static readonly TimeSpan BoundaryMargin = TimeSpan.FromSeconds(2);

    public static ChainCheck GetOrBuild(X509Certificate2 certificate, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors, DateTimeOffset at, Func<ChainCheck> build)
    {
        var key = Key(certificate, candidates, anchors, at);
        if (Cache.TryGetValue(key, out var cached)) return cached;
        var result = build();
        if (Cache.Count >= MaxEntries) Cache.Clear();
        Cache[key] = result;
        return result;
    }

    private static string Key(X509Certificate2 certificate, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors, DateTimeOffset at)
    {
        var time = at.UtcDateTime;
        var sb = new StringBuilder(1024);
        sb.Append(Part(certificate, time));
        sb.Append("|c:");
        foreach (var part in candidates.Select(c => Part(c, time)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)) sb.Append(part);
        sb.Append("|a:");
        foreach (var part in anchors.Select(c => Part(c, time)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)) sb.Append(part);
        return sb.ToString();
    }

    private static string Part(X509Certificate2 c, DateTime utc)
    {
        var (notBefore, notAfter) = (c.NotBefore.ToUniversalTime(), c.NotAfter.ToUniversalTime());
        var hash = Convert.ToHexString(SHA256.HashData(c.RawDataMemory.Span));
        // Within a second or two of a bound, rounding could decide: such times share no entry.
        if ((utc - notBefore).Duration() < BoundaryMargin || (utc - notAfter).Duration() < BoundaryMargin) return hash + "@" + utc.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return hash + (utc >= notBefore && utc <= notAfter ? "+" : "-");
    }
}
