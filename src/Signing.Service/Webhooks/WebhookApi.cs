using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Signing.Core;
using Signing.Core.Webhooks;
using Signing.Service.Api;
using Signing.Service.Authorization;

namespace Signing.Service.Webhooks;

/// <summary>A subscription as the API shows it; <see cref="Secret"/> only in the answer to its creation.</summary>
public sealed record WebhookSubscriptionView(Guid Id, Uri Url, IReadOnlyList<string> Events, DateTimeOffset CreatedUtc, string? Secret = null)
{
    public static WebhookSubscriptionView From(WebhookSubscription s, string? secret = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Id, s.Url, s.Events, s.CreatedUtc, secret);
    }
}

/// <summary>One event for one subscription, as the API shows it.</summary>
public sealed record WebhookDeliveryView(
    Guid EventId, Guid SubscriptionId, string Type, Guid DocumentId, long Sequence, string Status, int Attempts, DateTimeOffset NextAttemptUtc,
    int? LastHttpStatus, string? LastError, DateTimeOffset? DeliveredUtc, DateTimeOffset CreatedUtc)
{
    public static WebhookDeliveryView From(WebhookDelivery d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.EventId, d.SubscriptionId, d.Type, d.DocumentId, d.Sequence, d.Status.ToName(), d.Attempts, d.NextAttemptUtc, d.LastHttpStatus,
            d.LastError, d.DeliveredUtc, d.CreatedUtc);
    }
}

/// <summary>
/// Webhook management on the staff port. Each client certificate manages its own subscriptions and
/// sees only their deliveries (the owner is the certificate's SHA-256 thumbprint); another
/// certificate's subscription answers 404, as if it did not exist.
/// </summary>
public static class WebhookApi
{
    public const int MaxListLimit = 500;

    public static void Map(IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/api/webhooks");
        webhooks.MapPost("/subscriptions", Create).StaffEndpoint(Policies.ManageWebhooks);
        webhooks.MapGet("/subscriptions", async (IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            Results.Ok(new { items = (await registry.ListSubscriptionsAsync(StaffApi.HeadId(user), ct)).Select(s => WebhookSubscriptionView.From(s)) }))
            .StaffEndpoint(Policies.ManageWebhooks);
        webhooks.MapGet("/subscriptions/{id:guid}", async (Guid id, IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            (await registry.ListSubscriptionsAsync(StaffApi.HeadId(user), ct)).FirstOrDefault(s => s.Id == id) is { } s
                ? Results.Ok(WebhookSubscriptionView.From(s))
                : throw NoSubscription(id)).StaffEndpoint(Policies.ManageWebhooks);
        webhooks.MapDelete("/subscriptions/{id:guid}", async (Guid id, IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            await registry.DeleteSubscriptionAsync(id, StaffApi.HeadId(user), StaffApi.Actor(user), ct) ? Results.NoContent() : throw NoSubscription(id))
            .StaffEndpoint(Policies.ManageWebhooks);
        webhooks.MapGet("/deliveries", Deliveries).StaffEndpoint(Policies.ManageWebhooks);
        webhooks.MapPost("/events/{id:guid}/redeliver", async (Guid id, IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var deliveries = await registry.RedeliverAsync(id, StaffApi.HeadId(user), StaffApi.Actor(user), ct);
            if (deliveries.Count == 0) throw ApiProblemException.NotFound($"no event {id} was sent to your subscriptions");
            return Results.Accepted(null, new { eventId = id, deliveries = deliveries.Select(WebhookDeliveryView.From) });
        }).StaffEndpoint(Policies.ManageWebhooks);
    }

    private static async Task<IResult> Create(HttpRequest request, IWebhookRegistry registry, WebhookOptions options, ClaimsPrincipal user, CancellationToken ct)
    {
        var key = HttpInput.RequiredIdempotencyKey(request);
        var body = await HttpInput.ReadJsonObjectAsync(request, ct);
        var (url, error) = WebhookUrl.Check(HttpInput.RequiredString(body, "url"), options.AllowLoopbackHttp);
        if (url == null) throw ApiProblemException.BadRequest($"'url': {error}", "url");
        var events = Events(body);
        // The request as the registry compares it on a repeat: the normalised URL and the sorted types.
        var requestHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri + "\n" + string.Join(' ', events.Order(StringComparer.Ordinal)))));
        var result = await registry.CreateSubscriptionAsync(new NewWebhookSubscription(StaffApi.HeadId(user), url, events, WebhookSignature.NewSecret()),
            key, requestHash, StaffApi.Actor(user), ct);
        // A repeat answers the secret again: a lost answer must not mean a lost secret. Only the same certificate with the same key gets it.
        var view = WebhookSubscriptionView.From(result.Subscription, result.Secret);
        return result.Created ? Results.Created($"/api/webhooks/subscriptions/{view.Id}", view) : Results.Ok(view);
    }

    private static List<string> Events(JsonElement body)
    {
        if (!body.TryGetProperty("events", out var json) || json.ValueKind == JsonValueKind.Null) return [.. WebhookEventTypes.All];
        if (json.ValueKind != JsonValueKind.Array) throw ApiProblemException.BadRequest("'events' must be an array of event types", "events");
        var events = new List<string>();
        var i = 0;
        foreach (var item in json.EnumerateArray())
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"events[{i++}]");
            if (item.ValueKind != JsonValueKind.String || !WebhookEventTypes.All.Contains(item.GetString(), StringComparer.Ordinal))
                throw ApiProblemException.BadRequest($"'{field}' must be one of: {string.Join(", ", WebhookEventTypes.All)}", field);
            if (!events.Contains(item.GetString()!, StringComparer.Ordinal)) events.Add(item.GetString()!);
        }

        return events.Count > 0 ? events : throw ApiProblemException.BadRequest("'events' must name at least one event type (leave it out for all)", "events");
    }

    private static async Task<IResult> Deliveries(HttpRequest request, IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct)
    {
        var q = request.Query;
        WebhookDeliveryStatus? status = null;
        if (q["status"].ToString() is { Length: > 0 } s)
        {
            try { status = WebhookDeliveryStatusNames.Parse(s); }
            catch (SigningException e) { throw ApiProblemException.BadRequest(e.Message, "status"); }
        }

        var limit = HttpInput.QueryInt(q["limit"].ToString(), "limit", 50, 1, MaxListLimit);
        var offset = HttpInput.QueryInt(q["offset"].ToString(), "offset", 0, 0, int.MaxValue);
        var items = await registry.ListDeliveriesAsync(StaffApi.HeadId(user), status, limit, offset, ct);
        return Results.Ok(new { items = items.Select(WebhookDeliveryView.From), offset, limit });
    }

    private static ApiProblemException NoSubscription(Guid id) => ApiProblemException.NotFound($"you have no webhook subscription {id}");
}

/// <summary>Wires webhooks into the host: options, the registry port, the API's policy, and the delivery worker.</summary>
public static class WebhookSetup
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        var options = WebhookOptions.Read(configuration);
        services.AddSingleton(options);
        services.AddSingleton(sp => sp.GetRequiredService<Signing.Issuance.IssuanceRuntime>().Storage.Webhooks);
        services.AddSingleton<WebhookDispatcher>();
        if (options.Enabled) services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return services;
    }
}
