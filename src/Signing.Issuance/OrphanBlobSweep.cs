using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Signing.Core;

namespace Signing.Issuance;

/// <summary>
/// When the orphan-blob sweep runs (<c>Signing:BlobSweep:Interval</c>, default 1 h) and how old an
/// unreferenced blob must be before it is removed (<c>Signing:BlobSweep:MinimumAge</c>, default 1 h):
/// a blob written moments ago may belong to a submit, completion or seal whose row is not committed yet.
/// </summary>
public sealed record BlobSweepOptions
{
    public const string Section = "Signing:BlobSweep";

    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan MinimumAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Reads the section; a value that is not a positive hh:mm:ss duration stops startup with one line.</summary>
    public static BlobSweepOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var defaults = new BlobSweepOptions();
        var s = configuration.GetSection(Section);
        return new BlobSweepOptions
        {
            Interval = SettingValues.Duration(s, "Interval", defaults.Interval),
            MinimumAge = SettingValues.Duration(s, "MinimumAge", defaults.MinimumAge),
        };
    }
}

/// <summary>
/// Removes blobs no document row references (a replayed submit renders again; a crash between a
/// blob write and its row commit leaves the blob) once at startup and then every
/// <see cref="BlobSweepOptions.Interval"/>, through <see cref="Signing.Core.Documents.IDocumentRegistry.CleanupOrphanBlobsAsync"/>,
/// which works under the registry's write lock and skips blobs younger than the minimum age.
/// The same tick removes prepared head signatures settled longer than the minimum age ago.
/// A failed sweep is logged and retried at the next tick; it never stops the service.
/// </summary>
public sealed partial class OrphanBlobSweep(IssuanceRuntime runtime, IssuanceService issuance, BlobSweepOptions options, TimeProvider time, ILogger<OrphanBlobSweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval, time);
        try
        {
            do
            {
                using var run = IssuanceTelemetry.StartJobRun(logger, "orphan-sweep");
                await SweepOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the host is stopping
        }
    }

    /// <summary>One sweep; returns how many blobs were removed (0 after a logged failure).</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var removed = await runtime.Registry.CleanupOrphanBlobsAsync(options.MinimumAge, cancellationToken).ConfigureAwait(false);
            LogSwept(logger, removed, options.MinimumAge);
            await SweepStateAsync(cancellationToken).ConfigureAwait(false);
            return removed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSweepFailed(logger, e.Message.ReplaceLineEndings(" "), options.Interval);
            return 0;
        }
    }

    // Prepared requests completed or expired longer than the minimum age ago: neither can be
    // completed again. (Facts commit with their document, so no facts are ever orphaned.)
    private async Task SweepStateAsync(CancellationToken cancellationToken)
    {
        var requests = await issuance.PreparedRequests.RemoveSettledBeforeAsync(time.GetUtcNow() - options.MinimumAge, cancellationToken).ConfigureAwait(false);
        LogStateSwept(logger, requests, options.MinimumAge);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "state sweep removed {Requests} prepared request(s) settled more than {MinimumAge} ago")]
    private static partial void LogStateSwept(ILogger logger, int requests, TimeSpan minimumAge);

    [LoggerMessage(Level = LogLevel.Information, Message = "orphan blob sweep removed {Removed} unreferenced blob(s) older than {MinimumAge}")]
    private static partial void LogSwept(ILogger logger, int removed, TimeSpan minimumAge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "orphan blob sweep failed ({Problem}); next try in {Interval}")]
    private static partial void LogSweepFailed(ILogger logger, string problem, TimeSpan interval);
}
