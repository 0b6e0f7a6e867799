using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Globalization;
using System.Security.Cryptography;
using Signing.Core;
using Signing.Core.Documents;
using Signing.Pades.LongTerm;
using Signing.Revocation;
using Signing.Timestamping;

namespace Signing.Issuance;

/// <summary>Where one renewal stands; a test's <see cref="ArchiveStepHook"/> may throw at each to act out a crash.</summary>
public enum ArchiveStep
{
    /// <summary>The claim is taken; nothing is made yet.</summary>
    Claimed,

    /// <summary>The renewed PDF is made (fresh /DSS, new document timestamp); it is not committed.</summary>
    Made,
}

/// <summary>Test only: called at each <see cref="ArchiveStep"/> of a renewal (register one in DI to inject a failure).</summary>
public sealed class ArchiveStepHook(Func<ArchiveStep, Guid, Task> onStep)
{
    public Task OnStepAsync(ArchiveStep step, Guid documentId) => onStep(step, documentId);
}

/// <summary>What one run did.</summary>
public sealed record ArchiveRunResult(int Indexed, int Renewed, int Skipped, int Failed);

/// <summary>
/// Keeps issued results verifiable: once at startup and every <see cref="ArchiveOptions.Interval"/>
/// it indexes results it has not seen (the facts of their last document timestamp), then renews
/// every result whose proof runs out within <see cref="ArchiveOptions.Margin"/> — the last document
/// timestamp's TSA certificate expires, or its digest or key reaches its sunset in the validation
/// policy's crypto constraints. A renewal adds fresh validation data and a new document timestamp
/// with its own data (the B-LTA extension again) and commits it as a new PDF version: one registry
/// transaction and one audit record (<c>archive_renew</c>). A registry claim with a lease makes
/// several instances renew each result once; a crash leaves the claim to expire, and the next run
/// takes it over. A result renewed in its current window is renewed again only when the TSA's
/// certificate now reaches further than the result's proof (else a second renewal would add nothing).
/// </summary>
public sealed partial class ArchiveUpkeep(
    IssuanceRuntime runtime,
    IssuanceService issuance,
    ArchiveOptions options,
    TimeProvider time,
    ILogger<ArchiveUpkeep> logger,
    ArchiveStepHook? hook = null) : BackgroundService
{
    /// <summary>The audit actor of a renewal.</summary>
    public const string Actor = "archive-upkeep";

    private const int MaxIndexBatchesPerRun = 50;

    /// <summary>This instance's claim name: host, process and a random part, so a restarted process never mistakes an old claim for its own.</summary>
    public string Owner { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}").Replace(' ', '_');

    private IArchiveRegistry Archive => runtime.Storage.Archive;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval, time);
        try
        {
            do
            {
                using var run = IssuanceTelemetry.StartJobRun(logger, "archive-upkeep");
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRunFailed(logger, e.Message.ReplaceLineEndings(" "), options.Interval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the host is stopping
        }
    }

    /// <summary>One run: index, then renew what is due. Safe to run in several instances at once.</summary>
    public async Task<ArchiveRunResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var indexed = await IndexAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var due = now + options.Margin;
        var crypto = runtime.VerificationPolicy.Crypto;
        var sunsetting = (await Archive.ListAlgorithmsAsync(cancellationToken).ConfigureAwait(false))
            .Where(a => a != ArchiveFacts.NoTimestamp && ArchiveProof.SunsetOf(a, crypto) is { } sunset && sunset <= due)
            .ToList();
        var candidates = await Archive.ListCandidatesAsync(due, sunsetting, now, options.BatchSize, cancellationToken).ConfigureAwait(false);
        int renewed = 0, skipped = 0, failed = 0;
        DateTimeOffset? reach = null;
        foreach (var entry in candidates)
        {
            if (ArchiveProof.ProtectedUntil(entry.Facts, crypto) is not { } until || until > due) continue;
            // How far a timestamp made now would reach: asked once per run, only when something is due.
            reach ??= await FreshTimestampReachAsync(cancellationToken).ConfigureAwait(false);
            if (entry.RenewedUtc >= until - options.Margin && reach <= until)
            {
                skipped++;
                LogCannotExtend(logger, entry.VerificationCode, until, reach.Value);
                continue;
            }

            var reason = entry.Facts.TsaNotAfter <= until ? "tsa-certificate-expiry" : "algorithm-sunset";
            switch (await RenewAsync(entry, reason, until, cancellationToken).ConfigureAwait(false))
            {
                case true:
                    renewed++;
                    break;
                case false:
                    skipped++;
                    break;
                default:
                    failed++;
                    break;
            }
        }

        if (indexed + renewed + failed > 0) LogRun(logger, indexed, renewed, skipped, failed);
        return new ArchiveRunResult(indexed, renewed, skipped, failed);
    }

    /// <summary>True renewed, false someone else holds or did it, null failed (logged; the claim is given back).</summary>
    private async Task<bool?> RenewAsync(ArchiveEntry entry, string reason, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!await Archive.TryClaimAsync(entry.DocumentId, entry.PdfSha256, Owner, now + options.Lease, cancellationToken).ConfigureAwait(false)) return false;
        try
        {
            await Step(ArchiveStep.Claimed, entry.DocumentId).ConfigureAwait(false);
            var pdf = await runtime.Storage.Blobs.GetAsync(entry.PdfSha256, cancellationToken).ConfigureAwait(false);
            // The responders first (fresh data); what the file already carries when one no longer answers for an old certificate.
            var source = new FirstAnswerSource(issuance.Revocation, ArchiveProof.EmbeddedRevocation(pdf));
            var renewed = await LongTermUpdate.ExtendAsync(pdf, PadesLevel.BLTA, source, runtime.Timestamps, time, cancellationToken).ConfigureAwait(false);
            var facts = ArchiveProof.Read(renewed);
            var newSha = Convert.ToHexStringLower(SHA256.HashData(renewed));
            issuance.Previews.Reuse(entry.PdfSha256, newSha);
            await Step(ArchiveStep.Made, entry.DocumentId).ConfigureAwait(false);
            var document = await Archive.RenewAsync(entry.DocumentId, entry.PdfSha256, Owner, renewed, facts, Actor, new Dictionary<string, string>
            {
                ["reason"] = reason,
                ["protected_until"] = until.ToString("O", CultureInfo.InvariantCulture),
                ["instance"] = Owner,
            }, cancellationToken).ConfigureAwait(false);
            LogRenewed(logger, entry.VerificationCode, reason, until, facts.TsaNotAfter, document.Version);
            return true;
        }
        catch (ConcurrencyConflictException e)
        {
            LogLost(logger, entry.VerificationCode, e.Message);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRenewalFailed(logger, entry.VerificationCode, e.Message.ReplaceLineEndings(" "));
            try
            {
                await Archive.ReleaseAsync(entry.DocumentId, Owner, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception release) when (release is not OperationCanceledException)
            {
                // The lease runs out on its own.
                LogRenewalFailed(logger, entry.VerificationCode, "releasing the claim: " + release.Message.ReplaceLineEndings(" "));
            }

            return null;
        }
    }

    private Task Step(ArchiveStep step, Guid id) => hook?.OnStepAsync(step, id) ?? Task.CompletedTask;

    /// <summary>Indexes results that have no index row for their current PDF (issued since the last run, or before this job existed).</summary>
    private async Task<int> IndexAsync(CancellationToken cancellationToken)
    {
        var indexed = 0;
        for (var batch = 0; batch < MaxIndexBatchesPerRun; batch++)
        {
            var documents = await Archive.ListUnindexedAsync(options.BatchSize, cancellationToken).ConfigureAwait(false);
            foreach (var document in documents)
            {
                var pdf = await runtime.Storage.Blobs.GetAsync(document.PdfSha256!, cancellationToken).ConfigureAwait(false);
                ArchiveFacts facts;
                try
                {
                    facts = ArchiveProof.Read(pdf);
                }
                catch (Exception e) when (e is SigningException or CryptographicException)
                {
                    // Our own file, so this does not happen unless it was damaged; say so and keep going.
                    LogUnreadable(logger, document.VerificationCode, e.Message.ReplaceLineEndings(" "));
                    facts = new ArchiveFacts(null, null, ArchiveFacts.NoTimestamp);
                }

                if (await Archive.IndexAsync(document.Id, document.PdfSha256!, facts, cancellationToken).ConfigureAwait(false)) indexed++;
            }

            if (documents.Count < options.BatchSize) break;
        }

        return indexed;
    }

    /// <summary>How long a document timestamp made now would prove: the TSA certificate's expiry or its algorithms' sunset.</summary>
    private async Task<DateTimeOffset> FreshTimestampReachAsync(CancellationToken cancellationToken)
    {
        var token = TimestampToken.Read(await runtime.Timestamps.GetTokenAsync(RandomNumberGenerator.GetBytes(32), HashAlgorithmName.SHA256, cancellationToken).ConfigureAwait(false));
        var tsa = token.FindSignerCertificate() ?? throw new SigningException("The TSA's token does not carry its certificate.");
        var facts = new ArchiveFacts(token.Info.GenTime, new DateTimeOffset(tsa.NotAfter.ToUniversalTime(), TimeSpan.Zero), ArchiveProof.Algorithms("SHA256", tsa));
        return ArchiveProof.ProtectedUntil(facts, runtime.VerificationPolicy.Crypto)!.Value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "archive upkeep: indexed {Indexed}, renewed {Renewed}, skipped {Skipped}, failed {Failed}")]
    private static partial void LogRun(ILogger logger, int indexed, int renewed, int skipped, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "archive upkeep renewed {Code} ({Reason}; its proof ran until {Until:O}; the new document timestamp's TSA certificate expires {TsaNotAfter:O}); version {Version}")]
    private static partial void LogRenewed(ILogger logger, string code, string reason, DateTimeOffset until, DateTimeOffset? tsaNotAfter, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "archive upkeep cannot extend {Code}: its proof runs until {Until:O} and a timestamp made now reaches only {Reach:O}; configure a TSA with a newer certificate or stronger algorithms")]
    private static partial void LogCannotExtend(ILogger logger, string code, DateTimeOffset until, DateTimeOffset reach);

    [LoggerMessage(Level = LogLevel.Information, Message = "archive upkeep left {Code} to another instance: {Reason}")]
    private static partial void LogLost(ILogger logger, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "archive upkeep could not renew {Code} ({Problem}); the next run tries again")]
    private static partial void LogRenewalFailed(ILogger logger, string code, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "archive upkeep cannot read the long-term proof of {Code} ({Problem}); it is indexed without one")]
    private static partial void LogUnreadable(ILogger logger, string code, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "archive upkeep run failed ({Problem}); next run in {Interval}")]
    private static partial void LogRunFailed(ILogger logger, string problem, TimeSpan interval);
}
