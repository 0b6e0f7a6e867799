using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Signing.Cms;

namespace Signing.Validation.Steps;

/// <summary>
/// Built certificate paths, reused across files. A path is built with time validity ignored
/// (<see cref="ChainValidation"/> judges each element's validity at the best signature time
/// itself), revocation off and downloads off, so it depends only on the target certificate, the
/// candidates and the anchors: the key holds the SHA-256 of each, and a reused path is exactly the
/// path a new build would give.
/// </summary>
internal static class ChainCache
{
    private const int MaxEntries = 4096;
    private static readonly ConcurrentDictionary<string, BuiltPath> Cache = new(StringComparer.Ordinal);

    public static BuiltPath GetOrBuild(X509Certificate2 certificate, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors, Func<BuiltPath> build)
    {
        var key = Key(certificate, candidates, anchors);
        if (Cache.TryGetValue(key, out var cached)) return cached;
        var result = build();
        if (Cache.Count >= MaxEntries) Cache.Clear();
        Cache[key] = result;
        return result;
    }

    private static string Key(X509Certificate2 certificate, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors)
    {
        var sb = new StringBuilder(1024);
        sb.Append(Hash(certificate));
        sb.Append("|c:");
        foreach (var part in candidates.Select(Hash).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)) sb.Append(part);
        sb.Append("|a:");
        foreach (var part in anchors.Select(Hash).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)) sb.Append(part);
        return sb.ToString();
    }

    private static string Hash(X509Certificate2 c) => CertificateCache.Sha256Of(c).Hex;
}
