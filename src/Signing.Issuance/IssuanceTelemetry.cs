using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Signing.Core.Keys;
using Signing.Core.Timestamps;

namespace Signing.Issuance;

/// <summary>The steps <see cref="IssuanceTelemetry"/> times: the values of its <c>signing.step</c> attribute.</summary>
public static class IssuanceStep
{
    /// <summary>Rendering a decision into the PDF/A draft (with its printed seal).</summary>
    public const string Render = "render";

    /// <summary>Embedding the head's signature value, with its timestamp.</summary>
    public const string HeadSignature = "head_signature";

    /// <summary>The agency seal on the HSM key, with its signature timestamp.</summary>
    public const string Seal = "seal";

    /// <summary>The B-LT validation data and the B-LTA document timestamp after the seal.</summary>
    public const string LongTerm = "long_term";

    /// <summary>One request to the TSA, whoever asks (signatures, seals, document timestamps, archive renewals, health).</summary>
    public const string Timestamp = "timestamp";

    /// <summary>One registry write: a create or a status transition.</summary>
    public const string RegistryCommit = "registry_commit";
}

/// <summary>
/// The issuance's own metrics and spans, both named <see cref="Name"/>: results submitted, issued,
/// failed and revoked; how long each step (<see cref="IssuanceStep"/>) and each key operation takes.
/// Attributes are fixed words (step, key role, exception type), never a code, an id or a name, so
/// neither a scrape nor a trace carries document data; log lines link a trace to its document.
/// Only System.Diagnostics: the host decides what listens.
/// </summary>
public static class IssuanceTelemetry
{
    /// <summary>The Meter's and the ActivitySource's name.</summary>
    public const string Name = "Signing.Issuance";

    /// <summary>The log property every line carries; a background run's lines get a new one per run.</summary>
    public const string CorrelationIdProperty = "CorrelationId";

    /// <summary>The span tag that carries the correlation id, so a trace finds its log lines.</summary>
    public const string CorrelationIdTag = "signing.correlation_id";

    private static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    // Seconds, from a fast token signature to a B-LTA seal on a slow responder.
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    private static readonly Counter<long> Submitted = Meter.CreateCounter<long>("signing.results.submitted", "{result}",
        "Results created by a submit (an idempotent replay is not counted).");
    private static readonly Counter<long> Issued = Meter.CreateCounter<long>("signing.results.issued", "{result}", "Results sealed and issued.");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("signing.results.failed", "{failure}",
        "Issuance steps that failed, by signing.step and error.type; the document keeps its last committed status.");
    private static readonly Counter<long> Revoked = Meter.CreateCounter<long>("signing.results.revoked", "{result}", "Results revoked (a retried revoke is not counted).");
    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram("signing.issuance.step.duration", "s",
        "How long one issuance step took, by signing.step (and error.type when it failed).", advice: SecondsBuckets);
    private static readonly Histogram<double> KeyDuration = Meter.CreateHistogram("signing.token.operation.duration", "s",
        "How long one signature on a key took, by signing.key (seal, tsa, printed_seal) and signing.token.operation.", advice: SecondsBuckets);

    public static void ResultSubmitted() => Submitted.Add(1);

    public static void ResultIssued() => Issued.Add(1);

    public static void ResultRevoked() => Revoked.Add(1);

    /// <summary>Runs <paramref name="work"/> as one <paramref name="step"/>: a span, a duration, and a failure count if it throws.</summary>
    public static async Task<T> StepAsync<T>(string step, Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var activity = Source.StartActivity("signing." + step);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await work().ConfigureAwait(false);
            StepDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("signing.step", step));
            return result;
        }
        catch (Exception e)
        {
            StepFailed(step, started, activity, e);
            throw;
        }
    }

    /// <summary>The synchronous <see cref="StepAsync{T}"/>.</summary>
    public static T Step<T>(string step, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var activity = Source.StartActivity("signing." + step);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = work();
            StepDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("signing.step", step));
            return result;
        }
        catch (Exception e)
        {
            StepFailed(step, started, activity, e);
            throw;
        }
    }

    private static void StepFailed(string step, long started, Activity? activity, Exception e)
    {
        var type = e.GetType().FullName;
        var tags = new TagList { { "signing.step", step }, { "error.type", type } };
        StepDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        Failed.Add(1, tags);
        // The type only: messages can name a code or a person.
        activity?.SetStatus(ActivityStatusCode.Error, type);
        activity?.SetTag("error.type", type);
    }

    /// <summary>
    /// One run of a background job (archive upkeep, sweeps): a root span and a log scope with a
    /// new correlation id, so the run's lines carry an id and a trace id like a request's do.
    /// </summary>
    public static IDisposable StartJobRun(Microsoft.Extensions.Logging.ILogger logger, string job)
    {
        ArgumentNullException.ThrowIfNull(logger);
        // A run is its own trace, never a child of whatever started the host.
        Activity.Current = null;
        var correlationId = Guid.NewGuid().ToString("N");
        var activity = Source.StartActivity(job + " run", ActivityKind.Internal);
        activity?.SetTag("signing.job", job);
        activity?.SetTag(CorrelationIdTag, correlationId);
        var scope = logger.BeginScope(new Dictionary<string, object?> { [CorrelationIdProperty] = correlationId });
        return new JobRun(activity, scope);
    }

    /// <summary>The TSA with each request timed as <see cref="IssuanceStep.Timestamp"/>.</summary>
    public static ITimestampClient Timed(ITimestampClient inner) => new TimedTimestampClient(inner ?? throw new ArgumentNullException(nameof(inner)));

    /// <summary>A key whose signatures are timed, as <paramref name="role"/> ("seal", "tsa", "printed_seal": never the key's URI or label).</summary>
    public static ISignatureKey Timed(ISignatureKey inner, string role) => new TimedSignatureKey(inner ?? throw new ArgumentNullException(nameof(inner)), role);

    private sealed class JobRun(Activity? activity, IDisposable? scope) : IDisposable
    {
        public void Dispose()
        {
            scope?.Dispose();
            activity?.Dispose();
        }
    }

    private sealed class TimedTimestampClient(ITimestampClient inner) : ITimestampClient
    {
        public Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default) =>
            StepAsync(IssuanceStep.Timestamp, () => inner.GetTokenAsync(hash, hashAlgorithm, cancellationToken));
    }

    private sealed class TimedSignatureKey(ISignatureKey inner, string role) : ISignatureKey
    {
        public string Locator => inner.Locator;

        public KeyAlgorithm Algorithm => inner.Algorithm;

        public int KeySizeBits => inner.KeySizeBits;

        public byte[] ExportSubjectPublicKeyInfo() => inner.ExportSubjectPublicKeyInfo();

        public byte[] SignHash(ReadOnlySpan<byte> hash, HashAlgorithmName hashAlgorithm, RsaPaddingMode padding = RsaPaddingMode.Pkcs1)
        {
            using var activity = Source.StartActivity("signing.token.sign");
            activity?.SetTag("signing.key", role);
            var tags = new TagList { { "signing.key", role }, { "signing.token.operation", "sign" } };
            var started = Stopwatch.GetTimestamp();
            try
            {
                return inner.SignHash(hash, hashAlgorithm, padding);
            }
            catch (Exception e)
            {
                tags.Add("error.type", e.GetType().FullName);
                activity?.SetStatus(ActivityStatusCode.Error, e.GetType().FullName);
                throw;
            }
            finally
            {
                KeyDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            }
        }
    }
}
