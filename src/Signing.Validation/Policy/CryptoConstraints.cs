using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;

namespace Signing.Validation.Policy;

/// <summary>A digest algorithm the policy accepts, for material proven to exist before <see cref="Until"/> (null: no end).</summary>
public sealed record DigestRule(string Algorithm, DateTimeOffset? Until);

/// <summary>Public keys of <see cref="Algorithm"/> ("RSA" or "EC") with at least <see cref="MinBits"/> bits are accepted before <see cref="Until"/> (null: no end).</summary>
public sealed record KeySizeRule(string Algorithm, int MinBits, DateTimeOffset? Until);

/// <summary>
/// Why an algorithm or key fails the policy. <see cref="NoPoe"/>: it was acceptable once, but
/// nothing proves the material existed before it stopped being (ETSI CRYPTO_CONSTRAINTS_FAILURE_NO_POE);
/// otherwise the policy never accepts it (CRYPTO_CONSTRAINTS_FAILURE).
/// </summary>
public sealed record CryptoFinding(bool NoPoe, string Message)
{
    public string SubIndication => NoPoe ? SubIndications.CryptoConstraintsFailureNoPoe : SubIndications.CryptoConstraintsFailure;
}

/// <summary>
/// Which digest algorithms and key sizes are acceptable, each until a date, evaluated at the best
/// signature time. An algorithm or key type that no rule names is never acceptable.
/// </summary>
public sealed record CryptoConstraints(IReadOnlyList<DigestRule> Digests, IReadOnlyList<KeySizeRule> PublicKeys)
{
    /// <summary>
    /// SHA-2 without end; SHA-1 before 2010 and MD5 before 2005 (their collision attacks); RSA of
    /// 2048 bits and EC of 256 bits without end, RSA of 1024 bits before 2014 (NIST SP 800-131A).
    /// </summary>
    public static CryptoConstraints Default { get; } = new(
        [
            new("SHA256", null),
            new("SHA384", null),
            new("SHA512", null),
            new("SHA1", Utc(2010, 1, 1)),
            new("MD5", Utc(2005, 1, 1)),
        ],
        [
            new("RSA", 2048, null),
            new("RSA", 1024, Utc(2014, 1, 1)),
            new("EC", 256, null),
        ]);

    /// <summary>Why <paramref name="digest"/>, used for <paramref name="what"/>, is not acceptable at <paramref name="at"/>, or null.</summary>
    public CryptoFinding? CheckDigest(HashAlgorithmName digest, DateTimeOffset at, string what)
    {
        var name = Normalize(digest.Name ?? "");
        var rule = Digests.FirstOrDefault(r => Normalize(r.Algorithm) == name);
        if (rule is null) return new(false, $"{what} uses the digest algorithm {digest.Name}, which the validation policy does not accept (a broken digest algorithm unless the policy lists it).");
        if (rule.Until is { } until && at >= until)
        {
            return new(true, $"{what} uses the broken digest algorithm {digest.Name}, acceptable only before {until:yyyy-MM-dd}; nothing proves it existed before then.");
        }

        return null;
    }

    /// <summary>Why the public key of <paramref name="certificate"/> is too weak at <paramref name="at"/>, or null.</summary>
    public CryptoFinding? CheckKey(X509Certificate2 certificate, DateTimeOffset at, string what)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (PublicKeyCache.KeyStrength(certificate) is not var (algorithm, bits)) return new(false, $"{what}: the public key cannot be read.");

        var fitting = PublicKeys.Where(r => string.Equals(r.Algorithm, algorithm, StringComparison.OrdinalIgnoreCase) && bits >= r.MinBits).ToList();
        var keyText = $"{what} has an {algorithm} key of {bits} bits";
        if (fitting.Count == 0)
        {
            var minimum = PublicKeys.Where(r => string.Equals(r.Algorithm, algorithm, StringComparison.OrdinalIgnoreCase)).Select(r => (int?)r.MinBits).Min();
            return new(false, minimum is { } m ? $"{keyText}; the validation policy accepts at least {m} bits." : $"{keyText}; the validation policy accepts no {algorithm} keys.");
        }

        if (fitting.Any(r => r.Until is null)) return null;
        var last = fitting.Max(r => r.Until!.Value);
        return at < last ? null : new(true, $"{keyText}, acceptable only before {last:yyyy-MM-dd}; nothing proves the signature existed before then.");
    }

    /// <summary>"SHA-256", "sha256" and "SHA256" name one algorithm.</summary>
    internal static string Normalize(string name) => name.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();

    private static DateTimeOffset Utc(int year, int month, int day) => new(year, month, day, 0, 0, 0, TimeSpan.Zero);
}
