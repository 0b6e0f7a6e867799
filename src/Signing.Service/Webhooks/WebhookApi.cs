using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Signing.Core;
using Signing.Core.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Service.Contracts;
using static Signing.Service.Webhooks.WebhookViews;

namespace Signing.Service.Webhooks;

/// <summary>The webhook registry's records as the API's contract records (Signing.Service.Contracts).</summary>
internal static class WebhookViews
{
    public static WebhookSubscriptionView View(WebhookSubscription s, string? secret = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Id, s.Url, s.Events, s.CreatedUtc, secret);
    }

    public static WebhookDeliveryView View(WebhookDelivery d)
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
        webhooks.MapPost("/subscriptions", Create).WithName("CreateWebhookSubscription").StaffEndpoint(Policies.ManageWebhooks)
            .Body<WebhookSubscriptionRequest>("application/json").IdempotentByRecord().StaffProblems(413, 415);
        webhooks.MapGet("/subscriptions", async Task<Ok<WebhookSubscriptionList>> (IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            TypedResults.Ok(new WebhookSubscriptionList((await registry.ListSubscriptionsAsync(StaffApi.HeadId(user), ct)).Select(s => View(s)).ToList())))
            .WithName("ListWebhookSubscriptions").StaffEndpoint(Policies.ManageWebhooks).StaffProblems();
        webhooks.MapGet("/subscriptions/{id:guid}", async Task<Ok<WebhookSubscriptionView>> (Guid id, IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            (await registry.ListSubscriptionsAsync(StaffApi.HeadId(user), ct)).FirstOrDefault(s => s.Id == id) is { } s
                ? TypedResults.Ok(View(s))
                : throw NoSubscription(id)).WithName("GetWebhookSubscription").StaffEndpoint(Policies.ManageWebhooks).StaffProblems(404);
        // Deleting and redelivering change state, so they take the optional Idempotency-Key like every other such call.
        webhooks.MapDelete("/subscriptions/{id:guid}", async Task<NoContent> (Guid id, IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            await registry.DeleteSubscriptionAsync(id, StaffApi.HeadId(user), StaffApi.Actor(user), ct) ? TypedResults.NoContent() : throw NoSubscription(id))
            .WithName("DeleteWebhookSubscription").StaffEndpoint(Policies.ManageWebhooks).Idempotent().StaffProblems(404);
        webhooks.MapGet("/deliveries", Deliveries).WithName("ListWebhookDeliveries").StaffEndpoint(Policies.ManageWebhooks).StaffProblems(400);
        webhooks.MapPost("/events/{id:guid}/redeliver", async Task<Accepted<WebhookRedelivery>> (Guid id, IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var deliveries = await registry.RedeliverAsync(id, StaffApi.HeadId(user), StaffApi.Actor(user), ct);
            if (deliveries.Count == 0) throw ApiProblemException.NotFound($"no event {id} was sent to your subscriptions");
            return TypedResults.Accepted((string?)null, new WebhookRedelivery(id, deliveries.Select(View).ToList()));
        }).WithName("RedeliverWebhookEvent").StaffEndpoint(Policies.ManageWebhooks).Idempotent().StaffProblems(404);
    }

    /// <summary>201 with the new subscription; 200 with the same one when the key was used before with this request.</summary>
    private static async Task<Results<Created<WebhookSubscriptionView>, Ok<WebhookSubscriptionView>>> Create(HttpRequest request, IWebhookRegistry registry, WebhookOptions options, ClaimsPrincipal user, CancellationToken ct)
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
        var view = View(result.Subscription, result.Secret);
        return result.Created ? TypedResults.Created($"/api/webhooks/subscriptions/{view.Id}", view) : TypedResults.Ok(view);
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

    // The query values are bound as text so that a bad one is refused with this API's own message and field.
    private static async Task<Ok<WebhookDeliveryPage>> Deliveries(string? status, string? limit, string? offset, IWebhookRegistry registry, ClaimsPrincipal user, CancellationToken ct)
    {
        WebhookDeliveryStatus? parsed = null;
        if (status is { Length: > 0 })
        {
            try { parsed = WebhookDeliveryStatusNames.Parse(status); }
            catch (SigningException e) { throw ApiProblemException.BadRequest(e.Message, "status"); }
        }

        var take = HttpInput.QueryInt(limit ?? "", "limit", 50, 1, MaxListLimit);
        var skip = HttpInput.QueryInt(offset ?? "", "offset", 0, 0, int.MaxValue);
        var items = await registry.ListDeliveriesAsync(StaffApi.HeadId(user), parsed, take, skip, ct);
        return TypedResults.Ok(new WebhookDeliveryPage(items.Select(View).ToList(), skip, take));
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
