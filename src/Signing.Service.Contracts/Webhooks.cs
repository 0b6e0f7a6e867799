namespace Signing.Service.Contracts;

/// <summary>POST /api/webhooks/subscriptions: where to send events, and which (all types when left out).</summary>
public sealed record WebhookSubscriptionRequest(string Url, IReadOnlyList<string>? Events = null);

/// <summary>A subscription as the API shows it; <paramref name="Secret"/> only in the answer to its creation.</summary>
public sealed record WebhookSubscriptionView(Guid Id, Uri Url, IReadOnlyList<string> Events, DateTimeOffset CreatedUtc, string? Secret = null);

/// <summary>GET /api/webhooks/subscriptions: the caller's own subscriptions.</summary>
public sealed record WebhookSubscriptionList(IReadOnlyList<WebhookSubscriptionView> Items);

/// <summary>One event for one subscription, as the API shows it; status is pending, delivered, dead (every attempt failed) or cancelled.</summary>
public sealed record WebhookDeliveryView(
    Guid EventId, Guid SubscriptionId, string Type, Guid DocumentId, long Sequence, string Status, int Attempts, DateTimeOffset NextAttemptUtc,
    int? LastHttpStatus, string? LastError, DateTimeOffset? DeliveredUtc, DateTimeOffset CreatedUtc);

/// <summary>GET /api/webhooks/deliveries: one page of the deliveries to the caller's subscriptions.</summary>
public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDeliveryView> Items, int Offset, int Limit);

/// <summary>POST /api/webhooks/events/{id}/redeliver: the deliveries of that event queued again.</summary>
public sealed record WebhookRedelivery(Guid EventId, IReadOnlyList<WebhookDeliveryView> Deliveries);
