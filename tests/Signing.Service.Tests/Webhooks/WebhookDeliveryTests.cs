using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Signing.Core.Webhooks;
using Signing.Service.Authorization;

namespace Signing.Service.Tests.Webhooks;

/// <summary>The issuance fixture with webhooks on a short retry schedule and http allowed for the loopback receiver.</summary>
public class WebhookFixture : IssuanceFixture
{
    /// <summary>
    /// Attempts 0.2, 0.4, 0.8, 1.6 s, then 2 s apart: a delivery dies about 21 s after its first
    /// attempt, longer than issuing a document takes on a loaded machine while the receiver is down.
    /// </summary>
    internal const int MaxAttempts = 14;

    internal static void AddWebhookSettings(Dictionary<string, string?> settings)
    {
        settings["Signing:Webhooks:AllowLoopbackHttp"] = "true";
        settings["Signing:Webhooks:PollInterval"] = "00:00:00.100";
        settings["Signing:Webhooks:Timeout"] = "00:00:05";
        settings["Signing:Webhooks:FirstRetryDelay"] = "00:00:00.200";
        settings["Signing:Webhooks:MaxRetryDelay"] = "00:00:02";
        settings["Signing:Webhooks:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    protected override void AddSettings(Dictionary<string, string?> settings) => AddWebhookSettings(settings);
}

/// <summary>The same, with the registry on PostgreSQL.</summary>
public sealed class PostgresWebhookFixture : PostgresIssuanceFixture
{
    protected override void AddSettings(Dictionary<string, string?> settings) => WebhookFixture.AddWebhookSettings(settings);
}

public sealed class WebhookDeliveryOnSqliteTests(WebhookFixture f) : WebhookDeliveryTests(f), IClassFixture<WebhookFixture>;

public sealed class WebhookDeliveryOnPostgresTests(PostgresWebhookFixture f) : WebhookDeliveryTests(f), IClassFixture<PostgresWebhookFixture>;

/// <summary>
/// Webhooks end to end through the real service: subscriptions over mutual TLS, documents through
/// the issuance flow, events to a real receiver on loopback that goes down and comes back, checks
/// each signature with its secret, and deduplicates by webhook-id.
/// </summary>
public abstract class WebhookDeliveryTests(IssuanceFixture f)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_event_arrives_once_deduplicated_in_document_order_after_the_receiver_was_down()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var (subscription, secret) = await SubscribeAsync(receiver, "/outage");

        await receiver.StopAsync();
        var first = await f.IssueAsync("quyet-dinh");
        var second = await f.SubmitAndSignAsync("giay-phep");
        using (var admin = f.Client(Roles.Admin))
        {
            using var revoked = await admin.PostAsJsonAsync(f.Service.Staff($"/api/documents/{first.Id}/revoke"), new { reason = "issued to the wrong applicant" });
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        // Down long enough for attempts to fail and back off, not long enough to exhaust them.
        await WaitUntilAsync(async () => (await DeliveriesAsync()).Any(d => d.GetProperty("subscriptionId").GetGuid() == subscription && d.GetProperty("attempts").GetInt32() >= 2 && d.GetProperty("lastError").GetString() != null));
        await receiver.StartAsync();

        var expected = new Dictionary<Guid, List<string>>
        {
            [first.Id] = await ExpectedEventsAsync(first.Id),
            [second.Id] = await ExpectedEventsAsync(second.Id),
        };
        Assert.Equal([WebhookEventTypes.Submitted, WebhookEventTypes.SignatureRequested, WebhookEventTypes.Signed, WebhookEventTypes.Issued, WebhookEventTypes.Revoked],
            expected[first.Id]);
        await WaitUntilAsync(() => Task.FromResult(Unique(receiver, "/outage").Count == expected.Values.Sum(e => e.Count)));

        var events = Unique(receiver, "/outage");
        Assert.All(receiver.Received.Where(r => r.Path == "/outage"), r => Assert.True(r.SignatureValid, $"bad signature on {r.Id}"));
        foreach (var (document, types) in expected)
        {
            var mine = events.Where(e => e.Data.GetProperty("documentId").GetGuid() == document).ToList();
            Assert.Equal(types, mine.Select(e => e.Type));
            var sequences = mine.Select(e => e.Data.GetProperty("sequence").GetInt64()).ToList();
            Assert.Equal(sequences.Order(), sequences);
            Assert.Equal(sequences.Count, sequences.Distinct().Count());
        }

        Assert.Equal("revoked", events.Last(e => e.Data.GetProperty("documentId").GetGuid() == first.Id).Data.GetProperty("status").GetString());
        Assert.Equal(secret, receiver.Secrets["/outage"]);
        await UnsubscribeAsync(subscription);
    }

    [Fact]
    public async Task A_dead_event_arrives_after_redelivery_and_a_repeat_redelivery_changes_nothing()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        receiver.Failing["/broken"] = true;
        var (subscription, _) = await SubscribeAsync(receiver, "/broken", [WebhookEventTypes.Submitted]);

        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("mau-01-tiep-nhan"), Guid.NewGuid().ToString());
        var document = (await IssuanceFixture.Json(submitted, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        JsonElement dead = default;
        await WaitUntilAsync(async () =>
        {
            var found = (await DeliveriesAsync("?status=dead"))
                .Where(d => d.GetProperty("documentId").GetGuid() == document && d.GetProperty("subscriptionId").GetGuid() == subscription).ToList();
            if (found.Count == 1) dead = found[0];
            return found.Count == 1;
        });
        Assert.Equal(WebhookFixture.MaxAttempts, dead.GetProperty("attempts").GetInt32());
        Assert.Equal(500, dead.GetProperty("lastHttpStatus").GetInt32());
        var eventId = dead.GetProperty("eventId").GetGuid();
        Assert.DoesNotContain(receiver.Received, r => r.Id == eventId.ToString());

        receiver.Failing.TryRemove("/broken", out _);
        using var staff = f.Client(Roles.CounterStaff);
        using var redelivered = await staff.PostAsync(f.Service.Staff($"/api/webhooks/events/{eventId}/redeliver"), null);
        var answer = await IssuanceFixture.Json(redelivered, HttpStatusCode.Accepted);
        Assert.Equal("pending", Assert.Single(answer.GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("subscriptionId").GetGuid() == subscription).GetProperty("status").GetString());

        await WaitUntilAsync(() => Task.FromResult(receiver.Received.Any(r => r.Path == "/broken" && r.Id == eventId.ToString())));
        var arrived = receiver.Received.Single(r => r.Path == "/broken" && r.Id == eventId.ToString());
        Assert.True(arrived.SignatureValid);
        Assert.Equal(document, JsonDocument.Parse(arrived.Body).RootElement.GetProperty("data").GetProperty("documentId").GetGuid());

        await WaitUntilAsync(async () => (await DeliveriesAsync("?status=delivered")).Any(d => d.GetProperty("eventId").GetGuid() == eventId && d.GetProperty("subscriptionId").GetGuid() == subscription));
        using var again = await staff.PostAsync(f.Service.Staff($"/api/webhooks/events/{eventId}/redeliver"), null);
        Assert.Equal("delivered", Assert.Single((await IssuanceFixture.Json(again, HttpStatusCode.Accepted)).GetProperty("deliveries").EnumerateArray(),
            d => d.GetProperty("subscriptionId").GetGuid() == subscription).GetProperty("status").GetString());
        await IssuanceFixture.AssertProblem(await staff.PostAsync(f.Service.Staff($"/api/webhooks/events/{Guid.NewGuid()}/redeliver"), null), 404);
        await UnsubscribeAsync(subscription);
    }

    [Fact]
    public async Task Subscriptions_are_idempotent_show_their_secret_once_and_refuse_bad_input_naming_the_field()
    {
        using var staff = f.Client(Roles.CounterStaff);
        var key = Guid.NewGuid().ToString();
        using var created = await PostSubscriptionAsync(staff, key, new { url = "https://one-stop.example/hooks", events = new[] { "document.issued" } });
        var first = await IssuanceFixture.Json(created, HttpStatusCode.Created);
        var secret = first.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        using var repeat = await PostSubscriptionAsync(staff, key, new { url = "https://one-stop.example/hooks", events = new[] { "document.issued" } });
        var second = await IssuanceFixture.Json(repeat, HttpStatusCode.OK);
        Assert.Equal((first.GetProperty("id").GetGuid(), secret), (second.GetProperty("id").GetGuid(), second.GetProperty("secret").GetString()));
        await IssuanceFixture.AssertProblem(await PostSubscriptionAsync(staff, key, new { url = "https://elsewhere.example/hooks" }), 409);

        var id = first.GetProperty("id").GetGuid();
        var listed = await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff("/api/webhooks/subscriptions")), HttpStatusCode.OK);
        var mine = Assert.Single(listed.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("secret").ValueKind);
        var one = await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff($"/api/webhooks/subscriptions/{id}")), HttpStatusCode.OK);
        Assert.Equal(["document.issued"], one.GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        await IssuanceFixture.AssertProblem(await PostSubscriptionAsync(staff, null, new { url = "https://one-stop.example/hooks" }), 400, "Idempotency-Key");
        foreach (var url in new[] { "file:///etc/passwd", "https://user:password@one-stop.example/hooks", "http://one-stop.example/hooks", "/relative", "https://one-stop.example/#x" })
            await IssuanceFixture.AssertProblem(await PostSubscriptionAsync(staff, Guid.NewGuid().ToString(), new { url }), 400, "url");
        await IssuanceFixture.AssertProblem(await PostSubscriptionAsync(staff, Guid.NewGuid().ToString(), new { events = new[] { "document.issued" } }), 400, "url");
        await IssuanceFixture.AssertProblem(await PostSubscriptionAsync(staff, Guid.NewGuid().ToString(),
            new { url = "https://one-stop.example/hooks", events = new[] { "document.issued", "document.sealed" } }), 400, "events[1]");
        await IssuanceFixture.AssertProblem(await PostSubscriptionAsync(staff, Guid.NewGuid().ToString(), new { url = "https://one-stop.example/hooks", events = Array.Empty<string>() }), 400, "events");
        await IssuanceFixture.AssertProblem(await staff.GetAsync(f.Service.Staff("/api/webhooks/deliveries?status=lost")), 400, "status");
        await IssuanceFixture.AssertProblem(await staff.GetAsync(f.Service.Staff("/api/webhooks/deliveries?limit=0")), 400, "limit");

        // Another role may not manage webhooks; another counter certificate would not see this one (owner = thumbprint).
        using var head = f.Client(Roles.DepartmentHead);
        await IssuanceFixture.AssertProblem(await head.GetAsync(f.Service.Staff("/api/webhooks/subscriptions")), 403);

        using var deleted = await staff.DeleteAsync(f.Service.Staff($"/api/webhooks/subscriptions/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var deletedAgain = await staff.DeleteAsync(f.Service.Staff($"/api/webhooks/subscriptions/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, deletedAgain.StatusCode);
        await IssuanceFixture.AssertProblem(await staff.GetAsync(f.Service.Staff($"/api/webhooks/subscriptions/{id}")), 404);
        await IssuanceFixture.AssertProblem(await staff.DeleteAsync(f.Service.Staff($"/api/webhooks/subscriptions/{Guid.NewGuid()}")), 404);
    }

    // ------------------------------------------------------------ helpers

    private async Task<(Guid Id, string Secret)> SubscribeAsync(WebhookReceiver receiver, string path, string[]? events = null)
    {
        using var staff = f.Client(Roles.CounterStaff);
        using var response = await PostSubscriptionAsync(staff, Guid.NewGuid().ToString(), new { url = receiver.Url(path).AbsoluteUri, events });
        var created = await IssuanceFixture.Json(response, HttpStatusCode.Created);
        var secret = created.GetProperty("secret").GetString()!;
        receiver.Secrets[path] = secret;
        return (created.GetProperty("id").GetGuid(), secret);
    }

    private async Task UnsubscribeAsync(Guid id)
    {
        using var staff = f.Client(Roles.CounterStaff);
        using var deleted = await staff.DeleteAsync(f.Service.Staff($"/api/webhooks/subscriptions/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    private async Task<HttpResponseMessage> PostSubscriptionAsync(HttpClient client, string? key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, f.Service.Staff("/api/webhooks/subscriptions")) { Content = JsonContent.Create(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (key != null) request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private async Task<List<JsonElement>> DeliveriesAsync(string query = "")
    {
        using var staff = f.Client(Roles.CounterStaff);
        var page = await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff("/api/webhooks/deliveries" + (query.Length == 0 ? "?limit=500" : query + "&limit=500"))), HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    /// <summary>The events the document's audit trail says were committed, in order.</summary>
    private async Task<List<string>> ExpectedEventsAsync(Guid id)
    {
        using var staff = f.Client(Roles.CounterStaff);
        var history = await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff($"/api/documents/{id}/history")), HttpStatusCode.OK);
        return [.. history.EnumerateArray().Select(r => WebhookEventTypes.ForAction(r.GetProperty("action").GetString()!)).OfType<string>()];
    }

    /// <summary>What the receiver got on <paramref name="path"/>, first copy of each webhook-id, in arrival order.</summary>
    private static List<(string Id, string Type, JsonElement Data)> Unique(WebhookReceiver receiver, string path) =>
        [.. receiver.Received.Where(r => r.Path == path).DistinctBy(r => r.Id).Select(r =>
        {
            var root = JsonDocument.Parse(r.Body).RootElement.Clone();
            return (r.Id, root.GetProperty("type").GetString()!, root.GetProperty("data"));
        })];

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not reached within {Patience.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
