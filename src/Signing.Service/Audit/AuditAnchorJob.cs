using System.Globalization;
using System.Security.Cryptography;
using Signing.Core;
using Signing.Core.Documents;
using Signing.Core.Timestamps;

namespace Signing.Service.Audit;

/// <summary>
/// When the audit chain's head is timestamped: once <c>Signing:AuditAnchor:EveryRecords</c> records
/// (default 1000) are unanchored, or the oldest unanchored record is <c>Signing:AuditAnchor:EveryMinutes</c>
/// old (default 60). The job looks once a minute, so no record stays unanchored much longer than that.
/// </summary>
public sealed record AuditAnchorOptions
{
    public const string Section = "Signing:AuditAnchor";

    public int EveryRecords { get; init; } = 1000;

    public int EveryMinutes { get; init; } = 60;

    /// <summary>Reads the section; a value out of range stops startup with one line.</summary>
    public static AuditAnchorOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var d = new AuditAnchorOptions();
        return new AuditAnchorOptions
        {
            EveryRecords = Number(configuration, "EveryRecords", d.EveryRecords, 1_000_000),
            EveryMinutes = Number(configuration, "EveryMinutes", d.EveryMinutes, 7 * 24 * 60),
        };
    }

    private static int Number(IConfiguration configuration, string key, int fallback, int max)
    {
        var text = configuration[$"{Section}:{key}"]?.Trim();
        if (string.IsNullOrEmpty(text)) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max
            ? value
            : throw new SigningException($"{Section}:{key} '{text}' is not a number between 1 and {max}.");
    }
}

/// <summary>What one round of <see cref="AuditAnchorJob"/> did.</summary>
public enum AuditAnchorRound
{
    /// <summary>The head is anchored already (or the log is empty).</summary>
    NothingNew,

    /// <summary>Unanchored records exist, but neither threshold is reached.</summary>
    NotDue,

    /// <summary>This round stored an anchor for the head.</summary>
    Anchored,

    /// <summary>Another instance stored the anchor for that seq first (harmless).</summary>
    AnchoredElsewhere,

    /// <summary>The TSA or the registry failed; logged, and the next round tries again.</summary>
    Failed,
}

/// <summary>
/// The audit checkpoint job: timestamps the chain head (seq, hash) with the service's TSA and keeps
/// the token in audit_anchors, so `signing audit verify` can tell a chain rewritten by someone with
/// database access. It never holds the registry's write lock and runs beside issuance; a TSA outage
/// is a warning and a retry next minute. Instances sharing one PostgreSQL may race: an anchor per seq
/// is unique, so the loser's insert is a no-op. It writes no audit record (see <see cref="IAuditLog.AddAnchorAsync"/>).
/// </summary>
public sealed partial class AuditAnchorJob(IAuditLog log, ITimestampClient tsa, AuditAnchorOptions options, TimeProvider time, ILogger<AuditAnchorJob> logger)
    : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        try
        {
            do
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the host is stopping
        }
    }

    /// <summary>One round: anchors the head when a threshold is reached.</summary>
    public async Task<AuditAnchorRound> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var head = await log.GetHeadAsync(cancellationToken).ConfigureAwait(false);
            var anchoredSeq = (await log.GetLastAnchorAsync(cancellationToken).ConfigureAwait(false))?.Seq ?? 0;
            if (head.Seq <= anchoredSeq) return AuditAnchorRound.NothingNew;
            if (head.Seq - anchoredSeq < options.EveryRecords)
            {
                var oldest = (await log.ReadAsync(anchoredSeq + 1, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
                if (oldest is not null && time.GetUtcNow() - oldest.TimeUtc < TimeSpan.FromMinutes(options.EveryMinutes)) return AuditAnchorRound.NotDue;
            }

            var token = await tsa.GetTokenAsync(AuditAnchors.Imprint(head.Seq, head.Hash), HashAlgorithmName.SHA256, cancellationToken).ConfigureAwait(false);
            var added = await log.AddAnchorAsync(new AuditAnchor(head.Seq, head.Hash, token, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            if (added) LogAnchored(logger, head.Seq, head.Seq - anchoredSeq);
            else LogAnchoredElsewhere(logger, head.Seq);
            return added ? AuditAnchorRound.Anchored : AuditAnchorRound.AnchoredElsewhere;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e.Message.ReplaceLineEndings(" "), CheckInterval);
            return AuditAnchorRound.Failed;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "audit chain anchored at seq {Seq} by the TSA ({Covered} new record(s))")]
    private static partial void LogAnchored(ILogger logger, long seq, long covered);

    [LoggerMessage(Level = LogLevel.Information, Message = "audit chain seq {Seq} was anchored by another instance first")]
    private static partial void LogAnchoredElsewhere(ILogger logger, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "audit anchoring failed ({Problem}); next try in {Interval}")]
    private static partial void LogFailed(ILogger logger, string problem, TimeSpan interval);
}
