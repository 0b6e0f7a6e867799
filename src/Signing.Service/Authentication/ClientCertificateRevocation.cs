using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Signing.Revocation;
using BcX509CrlParser = Org.BouncyCastle.X509.X509CrlParser;

namespace Signing.Service.Authentication;

/// <summary>Where the CRL files of the client CAs are and how often to look for new ones.</summary>
public sealed class CrlRevocationOptions
{
    /// <summary>Configuration section bound to these options.</summary>
    public const string ConfigurationSection = "Authentication:ClientCertificate:Crl";

    /// <summary>CRL files (DER or PEM), one or more per client CA, e.g. the dev PKI's issuing-ca.crl.</summary>
    public List<string> Files { get; } = [];

    /// <summary>How long a file's last-seen state is trusted before it is looked at again. Default 5 s.</summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Tolerance for revocation data whose thisUpdate is slightly in the future (clock skew). Default 5 min.</summary>
    public TimeSpan AllowedClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an OCSP answer without nextUpdate counts as current. Default 5 min.</summary>
    public TimeSpan FreshnessWithoutNextUpdate { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Outcome of a revocation check.</summary>
public enum RevocationStatus
{
    /// <summary>A current OCSP answer or CRL, verified with the issuer, says it is not revoked.</summary>
    Good,

    /// <summary>A current OCSP answer or CRL, verified with the issuer, says it is revoked.</summary>
    Revoked,

    /// <summary>No usable answer: missing, unreadable, wrongly signed, stale or with unknown critical extensions.</summary>
    Unknown,
}

/// <summary>A revocation verdict with a short reason fit for logs and error responses.</summary>
public readonly record struct RevocationCheckResult(RevocationStatus Status, string Reason);

/// <summary>
/// Answers "is this client certificate revoked?" with the verifier's machinery (Signing.Revocation):
/// online (<see cref="Check"/> with online true) the service's revocation source first — OCSP from
/// the certificate's AIA, then its CRL distribution points, each answer cached until its nextUpdate —
/// then the configured CRL files; offline the CRL files alone. Every answer is checked by
/// <see cref="Ocsp"/>/<see cref="Crl"/> (signature by the issuer or its delegated responder,
/// identity, critical extensions) and used only while thisUpdate ≤ now + skew and now &lt; nextUpdate.
/// A changed file (time or size) is read again on the next check after
/// <see cref="CrlRevocationOptions.ReloadCheckInterval"/>. Thread-safe.
/// </summary>
public sealed class ClientCertificateRevocation
{
    private readonly CrlRevocationOptions _options;
    private readonly IRevocationSource? _online;
    private readonly TimeProvider _time;
    private readonly ILogger<ClientCertificateRevocation> _logger;
    private readonly Lock _reloadLock = new();
    private readonly Dictionary<string, (DateTime WriteTime, long Length)> _fileStates = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<(string Path, byte[] Der)> _crls = [];
    private long _nextReloadTicks = long.MinValue;

    public ClientCertificateRevocation(IOptions<CrlRevocationOptions> options, TimeProvider time, ILogger<ClientCertificateRevocation> logger, IRevocationSource? online = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _online = online;
        _time = time;
        _logger = logger;
    }

    /// <summary>Checks <paramref name="certificate"/>, issued by <paramref name="issuer"/>; <paramref name="online"/>: ask OCSP and the distribution points first.</summary>
    public RevocationCheckResult Check(X509Certificate2 certificate, X509Certificate2 issuer, bool online = false)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        var now = _time.GetUtcNow();
        string? problem = null;
        if (online && _online is not null)
        {
            var lookup = _online.Find(certificate, issuer, now);
            foreach (var answer in lookup.Answers)
            {
                if (Usable(answer, now, "the OCSP response for the certificate", out var why)) return Verdict(answer);
                problem ??= why;
            }

            problem ??= lookup.Problems.Count > 0 ? "no OCSP or CRL answer (" + string.Join("; ", lookup.Problems) + ")" : null;
        }

        ReloadIfDue();
        RevocationAnswer? best = null;
        string? fileProblem = null;
        foreach (var (_, der) in _crls)
        {
            var (answer, refused) = Crl.Check(der, certificate, issuer);
            if (answer is null)
            {
                if (refused != "the CRL is not the issuer's") fileProblem = Describe(refused);
                continue;
            }

            if (!Usable(answer, now, "the CRL for the issuing CA", out var why))
            {
                fileProblem = why;
                continue;
            }

            if (best is null || answer.ThisUpdate > best.ThisUpdate) best = answer;
        }

        if (best is not null) return Verdict(best);
        return new(RevocationStatus.Unknown, fileProblem ?? problem ?? "no CRL is configured for the issuing CA");
    }

    private bool Usable(RevocationAnswer answer, DateTimeOffset now, string what, out string why)
    {
        why = "";
        if (answer.Status == CertificateStatus.Unknown)
        {
            why = "the OCSP responder does not know the certificate";
            return false;
        }

        if (answer.ThisUpdate > now + _options.AllowedClockSkew)
        {
            why = what + " is not yet valid";
            return false;
        }

        var until = answer.NextUpdate ?? answer.ThisUpdate + _options.FreshnessWithoutNextUpdate;
        if (until <= now)
        {
            why = what + " is out of date";
            return false;
        }

        return true;
    }

    private static RevocationCheckResult Verdict(RevocationAnswer answer) => answer.Status == CertificateStatus.Revoked
        ? new(RevocationStatus.Revoked, "the certificate is " + answer.Describe())
        : new(RevocationStatus.Good, "not revoked");

    private static string Describe(string? problem) => problem switch
    {
        "the CRL's signature does not verify with the issuer's key" => "the CRL for the issuing CA has an invalid signature",
        "the issuer may not sign CRLs" => "the issuing CA may not sign CRLs",
        "the CRL cannot be decoded" => "the CRL for the issuing CA cannot be read",
        { } p when p.Contains("critical extensions", StringComparison.Ordinal) => "the CRL for the issuing CA has unsupported critical extensions",
        { } p => p,
        null => "the CRL for the issuing CA cannot be used",
    };

    /// <summary>Reads CRL files whose time or size changed; at most once per reload interval.</summary>
    private void ReloadIfDue()
    {
        var nowTicks = _time.GetTimestamp();
        if (nowTicks < Interlocked.Read(ref _nextReloadTicks)) return;
        lock (_reloadLock)
        {
            if (nowTicks < _nextReloadTicks) return;
            var changed = false;
            var byPath = _crls.GroupBy(c => c.Path).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var next = new List<(string, byte[])>();
            foreach (var path in _options.Files)
            {
                var info = new FileInfo(path);
                var state = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
                if (_fileStates.TryGetValue(path, out var seen) && seen == state)
                {
                    if (byPath.TryGetValue(path, out var kept)) next.AddRange(kept);
                    continue; // unchanged (a missing or unreadable file was logged already)
                }

                _fileStates[path] = state;
                changed = true;
                next.AddRange(Load(path, info.Exists));
            }

            if (changed) _crls = next;
            var interval = _time.TimestampFrequency * _options.ReloadCheckInterval.Ticks / TimeSpan.TicksPerSecond;
            Interlocked.Exchange(ref _nextReloadTicks, nowTicks + Math.Max(interval, 0));
        }
    }

    /// <summary>Every CRL in the file (DER or PEM, one or several) as DER.</summary>
    private List<(string, byte[])> Load(string path, bool exists)
    {
        if (!exists)
        {
            _logger.LogWarning("CRL file {CrlPath} does not exist; certificates of its CA will count as revocation unknown", path);
            return [];
        }

        try
        {
            var crls = new BcX509CrlParser().ReadCrls(File.ReadAllBytes(path)).Select(c => (path, c.GetEncoded())).ToList();
            if (crls.Count == 0) throw new IOException("no CRL in the file");
            _logger.LogInformation("Loaded {Count} CRL(s) from {CrlPath}", crls.Count, path);
            return crls;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Org.BouncyCastle.Security.Certificates.CrlException
                                   or ArgumentException or InvalidCastException or FormatException)
        {
            _logger.LogWarning("CRL file {CrlPath} could not be read ({Reason}); certificates of its CA will count as revocation unknown", path, e.Message);
            return [];
        }
    }
}
