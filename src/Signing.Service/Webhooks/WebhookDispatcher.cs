using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Signing.Core.Webhooks;

namespace Signing.Service.Webhooks;

/// <summary>
/// Sends the outbox: claims due deliveries with a lease, POSTs each with its Standard Webhooks
/// headers, and records the answer. A 2xx is delivered; anything else (an error status, a refused
/// connection, a timeout, a redirect — never followed, it could lead anywhere) is retried on the
/// back-off schedule of <see cref="WebhookOptions"/>, and dead after the last attempt. The schedule
/// lives in the registry rather than in an in-process retry policy, so it survives restarts and is
/// shared by every instance. A crash mid-attempt leaves the lease to expire and the attempt to be made
/// again: delivery is at least once, and receivers deduplicate by <c>webhook-id</c>.
/// </summary>
public sealed partial class WebhookDispatcher : BackgroundService
{
    // Longer than one attempt can take, so a live lease is never taken over by another instance.
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    private readonly IWebhookRegistry _registry;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly HttpClient _http;

    public WebhookDispatcher(IWebhookRegistry registry, WebhookOptions options, TimeProvider time, ILogger<WebhookDispatcher> logger)
    {
        _registry = registry;
        _options = options;
        _time = time;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>This instance's lease name: host, process and a random part.</summary>
    public string Owner { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}").Replace(' ', '_');

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var sent = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                if (sent == 0) await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the host is stopping
        }
    }

    /// <summary>Claims one batch and attempts each delivery in it; returns how many were attempted (0 after a logged registry failure).</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<WebhookDispatch> batch;
        try
        {
            batch = await _registry.ClaimDueAsync(Owner, _time.GetUtcNow() + _options.Timeout + LeaseMargin, _options.BatchSize, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogClaimFailed(_logger, e);
            return 0;
        }

        // Each claimed row is the oldest pending event of its document for its subscription, so they may go in parallel.
        await Task.WhenAll(batch.Select(d => AttemptAsync(d, cancellationToken))).ConfigureAwait(false);
        return batch.Count;
    }

    private async Task AttemptAsync(WebhookDispatch dispatch, CancellationToken cancellationToken)
    {
        int? status = null;
        string? error = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            using var request = Request(dispatch);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            if (status is < 200 or > 299) error = $"the receiver answered {status}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"no answer within {_options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        }
        catch (HttpRequestException e)
        {
            error = e.HttpRequestError + ": " + e.Message;
        }

        try
        {
            if (error == null)
            {
                await _registry.RecordDeliveredAsync(dispatch, Owner, status!.Value, cancellationToken).ConfigureAwait(false);
                return;
            }

            var attempts = dispatch.Attempts + 1;
            DateTimeOffset? next = attempts >= _options.MaxAttempts ? null : _time.GetUtcNow() + _options.RetryDelay(attempts);
            await _registry.RecordFailedAsync(dispatch, Owner, status, error, next, cancellationToken).ConfigureAwait(false);
            if (next == null) LogDead(_logger, dispatch.EventId, dispatch.SubscriptionId, attempts, error);
            else LogRetry(_logger, dispatch.EventId, dispatch.SubscriptionId, attempts, error, next.Value);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The lease runs out and the attempt is made again: at least once.
            LogRecordFailed(_logger, dispatch.EventId, dispatch.SubscriptionId, e);
        }
    }

    private HttpRequestMessage Request(WebhookDispatch dispatch)
    {
        var id = dispatch.EventId.ToString("D");
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, dispatch.Url)
        {
            Content = new StringContent(dispatch.Payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add(WebhookSignature.IdHeader, id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(dispatch.Secret, id, timestamp, dispatch.Payload));
        return request;
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "webhooks: cannot claim deliveries; next poll retries")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "webhooks: event {EventId} to subscription {SubscriptionId}: attempt {Attempts} failed ({Error}); next at {Next}")]
    private static partial void LogRetry(ILogger logger, Guid eventId, Guid subscriptionId, int attempts, string error, DateTimeOffset next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "webhooks: event {EventId} to subscription {SubscriptionId} is dead after {Attempts} attempts ({Error})")]
    private static partial void LogDead(ILogger logger, Guid eventId, Guid subscriptionId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "webhooks: cannot record the attempt of event {EventId} to subscription {SubscriptionId}; it will be made again")]
    private static partial void LogRecordFailed(ILogger logger, Guid eventId, Guid subscriptionId, Exception exception);
}
