using Signing.Core.Documents;

namespace Signing.Core.Webhooks;

/// <summary>
/// The webhook event types and the document transition (audit action) each one reports. A
/// transition without an event here (seal, retry, the replacement's link) sends nothing.
/// </summary>
public static class WebhookEventTypes
{
    public const string Submitted = "document.submitted";
    public const string SignatureRequested = "signature.requested";
    public const string Signed = "document.signed";
    public const string Issued = "document.issued";
    public const string Revoked = "document.revoked";
    public const string Superseded = "document.superseded";
    public const string Failed = "document.failed";

    private static readonly Dictionary<string, string> ByAction = new(StringComparer.Ordinal)
    {
        ["create"] = Submitted,
        ["send_for_signature"] = SignatureRequested,
        ["sign"] = Signed,
        ["issue"] = Issued,
        ["revoke"] = Revoked,
        ["supersede"] = Superseded,
        ["fail"] = Failed,
    };

    /// <summary>Every event type, in lifecycle order.</summary>
    public static IReadOnlyList<string> All { get; } = [Submitted, SignatureRequested, Signed, Issued, Revoked, Superseded, Failed];

    /// <summary>The event a transition's audit action reports, or null when it reports none.</summary>
    public static string? ForAction(string action) => ByAction.GetValueOrDefault(action);
}

/// <summary>A receiver of events; <see cref="Owner"/> is the SHA-256 thumbprint of the client certificate that made it.</summary>
public sealed record WebhookSubscription(Guid Id, string Owner, Uri Url, IReadOnlyList<string> Events, DateTimeOffset CreatedUtc, DateTimeOffset? DeletedUtc);

/// <summary>What a new subscription asks for; <see cref="Secret"/> is the shared HMAC secret ("whsec_" + base64).</summary>
public sealed record NewWebhookSubscription(string Owner, Uri Url, IReadOnlyList<string> Events, string Secret);

/// <summary>The subscription, its secret, and whether this call created it (false: an idempotent repeat).</summary>
public sealed record WebhookSubscriptionResult(WebhookSubscription Subscription, string Secret, bool Created);

/// <summary>Where one event stands for one subscription.</summary>
public enum WebhookDeliveryStatus
{
    /// <summary>Waiting for its first or next attempt.</summary>
    Pending,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>Every attempt failed: only a redelivery sends it again.</summary>
    Dead,

    /// <summary>The subscription was deleted before the event was delivered.</summary>
    Cancelled,
}

/// <summary>The stored and API names of <see cref="WebhookDeliveryStatus"/>.</summary>
public static class WebhookDeliveryStatusNames
{
    public static string ToName(this WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Pending => "pending",
        WebhookDeliveryStatus.Delivered => "delivered",
        WebhookDeliveryStatus.Dead => "dead",
        WebhookDeliveryStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>Throws <see cref="SigningException"/> naming the allowed values.</summary>
    public static WebhookDeliveryStatus Parse(string name) => name switch
    {
        "pending" => WebhookDeliveryStatus.Pending,
        "delivered" => WebhookDeliveryStatus.Delivered,
        "dead" => WebhookDeliveryStatus.Dead,
        "cancelled" => WebhookDeliveryStatus.Cancelled,
        _ => throw new SigningException($"'{name}' is not a delivery status (pending, delivered, dead, cancelled)"),
    };
}

/// <summary>One event for one subscription, as the deliveries list shows it.</summary>
public sealed record WebhookDelivery(
    Guid EventId, Guid SubscriptionId, string Type, Guid DocumentId, long Sequence, WebhookDeliveryStatus Status, int Attempts,
    DateTimeOffset NextAttemptUtc, int? LastHttpStatus, string? LastError, DateTimeOffset? DeliveredUtc, DateTimeOffset CreatedUtc);

/// <summary>A claimed delivery: everything one attempt needs. <see cref="Payload"/> is the exact body, frozen at commit.</summary>
public sealed record WebhookDispatch(Guid EventId, Guid SubscriptionId, Uri Url, string Secret, string Payload, int Attempts);

/// <summary>
/// The webhook subscriptions and the transactional outbox. The registry writes each event, and one
/// delivery row per matching live subscription, in the transaction of the document transition it
/// reports; this port manages subscriptions and moves deliveries along.
/// </summary>
public interface IWebhookRegistry
{
    /// <summary>
    /// Creates a subscription (one transaction + audit record "webhook_subscribe"). The same
    /// owner, key and request hash again returns the first result; the same key with another hash
    /// throws <see cref="IdempotencyConflictException"/>.
    /// </summary>
    Task<WebhookSubscriptionResult> CreateSubscriptionAsync(NewWebhookSubscription subscription, string idempotencyKey, string requestHash, string actor,
        CancellationToken cancellationToken = default);

    /// <summary>The owner's live subscriptions, oldest first.</summary>
    Task<IReadOnlyList<WebhookSubscription>> ListSubscriptionsAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the owner's subscription and cancels its pending deliveries (one transaction + audit
    /// record "webhook_unsubscribe"). False when the owner has no such subscription; deleting it
    /// again is true and changes nothing.
    /// </summary>
    Task<bool> DeleteSubscriptionAsync(Guid id, string owner, string actor, CancellationToken cancellationToken = default);

    /// <summary>The deliveries to the owner's subscriptions, newest event first, optionally of one status.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string owner, WebhookDeliveryStatus? status, int limit, int offset,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts the event's dead deliveries to the owner's subscriptions back in the queue with a fresh
    /// attempt budget (one transaction + audit record "webhook_redeliver" when any changed) and
    /// returns all of the event's deliveries to them; empty when there are none.
    /// </summary>
    Task<IReadOnlyList<WebhookDelivery>> RedeliverAsync(Guid eventId, string owner, string actor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries to <paramref name="leaseOwner"/> until
    /// <paramref name="leaseUntil"/>. Only the oldest pending event of each document and subscription
    /// is due, so a document's events go out in order; several instances never claim the same row.
    /// </summary>
    Task<IReadOnlyList<WebhookDispatch>> ClaimDueAsync(string leaseOwner, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken = default);

    /// <summary>Records a 2xx answer. False when the lease was lost (another instance owns the row now).</summary>
    Task<bool> RecordDeliveredAsync(WebhookDispatch dispatch, string leaseOwner, int httpStatus, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a failed attempt: the next attempt at <paramref name="nextAttempt"/>, or dead when it
    /// is null. False when the lease was lost.
    /// </summary>
    Task<bool> RecordFailedAsync(WebhookDispatch dispatch, string leaseOwner, int? httpStatus, string error, DateTimeOffset? nextAttempt,
        CancellationToken cancellationToken = default);
}
