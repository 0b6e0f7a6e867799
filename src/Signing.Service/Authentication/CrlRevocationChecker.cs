using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Security;
using BcX509Crl = Org.BouncyCastle.X509.X509Crl;
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

    /// <summary>Tolerance for a CRL whose thisUpdate is slightly in the future (clock skew). Default 5 min.</summary>
    public TimeSpan AllowedClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Outcome of a revocation check.</summary>
public enum RevocationStatus
{
    /// <summary>A current CRL signed by the issuer does not list the certificate.</summary>
    Good,

    /// <summary>A current CRL signed by the issuer lists the certificate.</summary>
    Revoked,

    /// <summary>No usable CRL: missing, unreadable, wrongly signed, stale or with unknown critical extensions.</summary>
    Unknown,
}

/// <summary>A revocation verdict with a short reason fit for logs and error responses.</summary>
public readonly record struct RevocationCheckResult(RevocationStatus Status, string Reason);

/// <summary>
/// Answers "is this certificate revoked?" from CRL files the client CAs publish. Each CRL is
/// used only after its signature verified with the issuer certificate from the validated chain
/// and while thisUpdate &lt;= now &lt; nextUpdate; a changed file (time or size) is reparsed on the
/// next check after <see cref="CrlRevocationOptions.ReloadCheckInterval"/>. Thread-safe.
/// </summary>
public sealed class CrlRevocationChecker
{
    private readonly CrlRevocationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CrlRevocationChecker> _logger;
    private readonly Lock _reloadLock = new();
    private volatile IReadOnlyList<LoadedCrl> _crls = [];
    private readonly Dictionary<string, (DateTime WriteTime, long Length)> _fileStates = new(StringComparer.Ordinal);
    private long _nextReloadTicks = long.MinValue;
    // Signature checks are the costly part; a CRL object is immutable, so a verdict per
    // (CRL object, issuer thumbprint) stays true until the file is reparsed.
    private readonly ConditionalWeakTable<BcX509Crl, ConcurrentDictionary<string, bool>> _signatureVerdicts = [];

    public CrlRevocationChecker(IOptions<CrlRevocationOptions> options, TimeProvider time, ILogger<CrlRevocationChecker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>True when at least one CRL file is configured.</summary>
    public bool HasSources => _options.Files.Count > 0;

    /// <summary>Checks <paramref name="certificate"/> against the CRLs issued by <paramref name="issuer"/>.</summary>
    public RevocationCheckResult Check(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        ReloadIfDue();

        if (issuer.Extensions[Oids.KeyUsage] is X509KeyUsageExtension usage
            && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign))
            return new(RevocationStatus.Unknown, "the issuing CA may not sign CRLs");

        var bcIssuer = DotNetUtilities.FromX509Certificate(issuer);
        var issuerName = bcIssuer.SubjectDN;
        var issuerThumbprint = issuer.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var now = _time.GetUtcNow().UtcDateTime;

        BcX509Crl? current = null;
        string problem = "no CRL is configured for the issuing CA";
        foreach (var loaded in _crls)
        {
            var crl = loaded.Crl;
            if (!crl.IssuerDN.Equivalent(issuerName)) continue;
            if (!SignatureVerifies(crl, issuerThumbprint, bcIssuer))
            {
                problem = "the CRL for the issuing CA has an invalid signature";
                continue;
            }
            var critical = crl.GetCriticalExtensionOids();
            if (critical != null && critical.Count > 0)
            {
                // Delta CRLs and scoped CRLs (issuingDistributionPoint) are critical; we do not
                // interpret them, and RFC 5280 5.2 forbids using a CRL with unknown critical extensions.
                problem = "the CRL for the issuing CA has unsupported critical extensions";
                continue;
            }
            if (crl.NextUpdate is not DateTime nextUpdate || AsUtc(nextUpdate) <= now)
            {
                problem = "the CRL for the issuing CA is out of date";
                continue;
            }
            if (AsUtc(crl.ThisUpdate) > now + _options.AllowedClockSkew)
            {
                problem = "the CRL for the issuing CA is not yet valid";
                continue;
            }
            if (current == null || crl.ThisUpdate > current.ThisUpdate) current = crl;
        }

        if (current == null) return new(RevocationStatus.Unknown, problem);

        var serial = DotNetUtilities.FromX509Certificate(certificate).SerialNumber;
        return current.GetRevokedCertificate(serial) != null
            ? new(RevocationStatus.Revoked, "the certificate is revoked")
            : new(RevocationStatus.Good, "not revoked");
    }

    // The issuer's public key is taken out only when a verdict is missing: BouncyCastle validates
    // an RSA modulus on every GetPublicKey(), which cost more than the rest of a request's check.
    private bool SignatureVerifies(BcX509Crl crl, string issuerThumbprint, Org.BouncyCastle.X509.X509Certificate issuer)
    {
        var verdicts = _signatureVerdicts.GetValue(crl, _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));
        return verdicts.GetOrAdd(issuerThumbprint, _ =>
        {
            try
            {
                crl.Verify(issuer.GetPublicKey());
                return true;
            }
            catch (Exception e) when (e is InvalidKeyException or SignatureException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException)
            {
                return false;
            }
        });
    }

    /// <summary>Reparses CRL files whose time or size changed; at most once per reload interval.</summary>
    private void ReloadIfDue()
    {
        var nowTicks = _time.GetTimestamp();
        if (nowTicks < Interlocked.Read(ref _nextReloadTicks)) return;
        lock (_reloadLock)
        {
            if (nowTicks < _nextReloadTicks) return;
            var changed = false;
            var byPath = _crls.GroupBy(c => c.Path).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var next = new List<LoadedCrl>();
            foreach (var path in _options.Files)
            {
                var info = new FileInfo(path);
                var state = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
                if (_fileStates.TryGetValue(path, out var seen) && seen == state && byPath.TryGetValue(path, out var kept))
                {
                    next.AddRange(kept);
                    continue;
                }
                if (_fileStates.TryGetValue(path, out seen) && seen == state)
                    continue; // still missing or unreadable, already logged
                _fileStates[path] = state;
                changed = true;
                next.AddRange(Load(path, info.Exists));
            }
            if (changed) _crls = next;
            var interval = _time.TimestampFrequency * _options.ReloadCheckInterval.Ticks / TimeSpan.TicksPerSecond;
            Interlocked.Exchange(ref _nextReloadTicks, nowTicks + Math.Max(interval, 0));
        }
    }

    private List<LoadedCrl> Load(string path, bool exists)
    {
        if (!exists)
        {
            _logger.LogWarning("CRL file {CrlPath} does not exist; certificates of its CA will count as revocation unknown", path);
            return [];
        }
        try
        {
            var bytes = File.ReadAllBytes(path);
            var crls = new BcX509CrlParser().ReadCrls(bytes).Cast<BcX509Crl>()
                .Select(crl => new LoadedCrl(path, crl)).ToList();
            if (crls.Count == 0) throw new IOException("no CRL in the file");
            foreach (var c in crls)
                _logger.LogInformation("Loaded CRL {CrlPath} of {Issuer}, next update {NextUpdate:o}", path, c.Crl.IssuerDN, c.Crl.NextUpdate);
            return crls;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Org.BouncyCastle.Security.Certificates.CrlException
                                   or ArgumentException or InvalidCastException or FormatException)
        {
            _logger.LogWarning("CRL file {CrlPath} could not be read ({Reason}); certificates of its CA will count as revocation unknown", path, e.Message);
            return [];
        }
    }

    // BouncyCastle hands out UTC times; guard against an Unspecified kind being read as local time.
    private static DateTime AsUtc(DateTime time)
        => time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);

    private sealed record LoadedCrl(string Path, BcX509Crl Crl);

    private static class Oids
    {
        public const string KeyUsage = "2.5.29.15";
    }
}
