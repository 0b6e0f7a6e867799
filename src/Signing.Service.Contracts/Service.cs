namespace Signing.Service.Contracts;

/// <summary>A counter form (Decree 61 Mẫu 01-04) as the staff API shows it; pdf is the path of its PDF.</summary>
public sealed record CounterFormView(Guid Id, string Form, string DossierCode, string Number, string ApplicantName, DateTimeOffset? DueUtc,
    string PdfSha256, DateTimeOffset CreatedUtc, string Pdf);

/// <summary>A dossier past its promised return date.</summary>
public sealed record LateDossierView(string DossierCode, string ApplicantName, DateTimeOffset DueUtc, CounterFormView PromisedBy);

/// <summary>One seal certificate of the public key list; the key id is repeated for people, browsers compute their own.</summary>
public sealed record SealKeyEntry(string Kid, string Der, DateTimeOffset NotBefore, DateTimeOffset NotAfter);

/// <summary>A seal key that a fetched CRL lists, and since when.</summary>
public sealed record RevokedSealKey(string Kid, DateTimeOffset RevokedAt);

/// <summary>GET /api/public/seal-keys: what the offline verifier of the public page caches.</summary>
public sealed record SealKeyList(IReadOnlyList<SealKeyEntry> Certificates, IReadOnlyList<RevokedSealKey> Revoked, DateTimeOffset IssuedAt);

/// <summary>GET /health: each check is "ok" or "failed: reason".</summary>
public sealed record HealthReport(string Status, string Engine, string Tsa, IReadOnlyDictionary<string, string> Checks);

/// <summary>GET /health/ready: status is "ready", "degraded" (the TSA's last exchange failed) or "not ready".</summary>
public sealed record Readiness(string Status, bool Started, string Database, string Tsa);

/// <summary>The probe endpoints' echo of the caller's principal.</summary>
public sealed record CallerView(string? Name, string? Thumbprint, IReadOnlyList<string> Roles);

/// <summary>GET /api/public/ping.</summary>
public sealed record PingAnswer(string Status);
