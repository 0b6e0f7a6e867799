using System.Security.Cryptography.X509Certificates;

namespace Signing.Revocation;

/// <summary>What a revocation source says about one certificate.</summary>
public enum CertificateStatus
{
    Good,
    Revoked,

    /// <summary>The responder does not know the certificate (OCSP "unknown").</summary>
    Unknown,
}

/// <summary>Where an answer came from.</summary>
public enum RevocationSourceKind
{
    Ocsp,
    Crl,
}

/// <summary>
/// One checked piece of revocation data about one certificate: its signature verified with the
/// issuer (or the issuer's delegated OCSP responder) and its identity matched to the certificate.
/// <see cref="Encoded"/> is the DER of the whole OCSPResponse or CRL, what a /DSS carries.
/// </summary>
public sealed record RevocationAnswer(
    CertificateStatus Status,
    RevocationSourceKind Source,
    DateTimeOffset ThisUpdate,
    DateTimeOffset? NextUpdate,
    DateTimeOffset? RevokedAt,
    string? Reason,
    byte[] Encoded,
    IReadOnlyList<X509Certificate2> ResponderCertificates)
{
    /// <summary>OCSP producedAt, or the CRL's thisUpdate: when the data was made.</summary>
    public DateTimeOffset ProducedAt { get; init; } = ThisUpdate;

    /// <summary>True when the data may be relied on at <paramref name="at"/>: issued at or after it, or current then (thisUpdate ≤ at ≤ nextUpdate).</summary>
    public bool IsFreshFor(DateTimeOffset at) => ThisUpdate >= at || NextUpdate is null || at <= NextUpdate;

    /// <summary>Whether it is still current at <paramref name="now"/> (for caching).</summary>
    public bool IsCurrentAt(DateTimeOffset now) => NextUpdate is { } next && now < next;

    public string Describe() => Status switch
    {
        CertificateStatus.Revoked => $"revoked at {RevokedAt:yyyy-MM-dd HH:mm:ss}Z{(Reason is null ? "" : $" ({Reason})")} according to {(Source == RevocationSourceKind.Ocsp ? "OCSP" : "the CRL")} of {ThisUpdate:yyyy-MM-dd HH:mm:ss}Z",
        CertificateStatus.Unknown => $"unknown to the OCSP responder ({ThisUpdate:yyyy-MM-dd HH:mm:ss}Z)",
        _ => $"not revoked according to {(Source == RevocationSourceKind.Ocsp ? "OCSP" : "the CRL")} of {ThisUpdate:yyyy-MM-dd HH:mm:ss}Z",
    };
}

/// <summary>The answers a source found for one certificate (best first) and why others were refused.</summary>
public sealed record RevocationLookup(IReadOnlyList<RevocationAnswer> Answers, IReadOnlyList<string> Problems)
{
    public static RevocationLookup None(string problem) => new([], [problem]);
}

/// <summary>A place revocation data comes from: embedded data, or the certificate's own URLs.</summary>
public interface IRevocationSource
{
    /// <summary>Checked answers about <paramref name="certificate"/>, issued by <paramref name="issuer"/>, usable at <paramref name="now"/>.</summary>
    RevocationLookup Find(X509Certificate2 certificate, X509Certificate2 issuer, DateTimeOffset now);
}
