using System.Text.Json;
using Signing.Core;
using Signing.Core.Documents;
using Signing.Core.Webhooks;

namespace Signing.Storage.Tests;

/// <summary>The webhook subscriptions and outbox part of the storage contract, on both engines (see <see cref="RegistryContractTests"/>).</summary>
public abstract partial class RegistryContractTests
{
    private const string Owner = "A1B2C3";

    private IWebhookRegistry Webhooks => Storage.Webhooks;

    private async Task<WebhookSubscription> SubscribeAsync(string owner = Owner, IReadOnlyList<string>? events = null, string? key = null)
    {
        var result = await Webhooks.CreateSubscriptionAsync(
            new NewWebhookSubscription(owner, new Uri("https://one-stop.example/hooks"), events ?? WebhookEventTypes.All, "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"),
            key ?? Guid.NewGuid().ToString(), "hash", "cert:" + owner);
        return result.Subscription;
    }

    private async Task<List<WebhookDelivery>> DeliveriesOfAsync(Guid documentId, WebhookDeliveryStatus? status = null, string owner = Owner) =>
        (await Webhooks.ListDeliveriesAsync(owner, status, 500, 0)).Where(d => d.DocumentId == documentId).OrderBy(d => d.Sequence).ToList();

    [Fact]
    public async Task Each_transition_commits_its_event_with_the_audit_record_it_reports()
    {
        var subscription = await SubscribeAsync();
        var d = await IssueAsync();
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Revoke("wrong applicant"), "admin:chi");

        var deliveries = await DeliveriesOfAsync(d.Id);
        // Sealing is an internal step: no event.
        Assert.Equal([WebhookEventTypes.Submitted, WebhookEventTypes.SignatureRequested, WebhookEventTypes.Signed, WebhookEventTypes.Issued, WebhookEventTypes.Revoked],
            deliveries.Select(x => x.Type));
        var history = await Registry.GetHistoryAsync(d.Id);
        Assert.Equal(history.Where(h => h.Action != "seal").Select(h => h.Seq), deliveries.Select(x => x.Sequence));
        Assert.All(deliveries, x => Assert.Equal((subscription.Id, WebhookDeliveryStatus.Pending, 0), (x.SubscriptionId, x.Status, x.Attempts)));

        var claimed = await Webhooks.ClaimDueAsync("worker-1", Start.AddMinutes(1), 10);
        var payload = JsonDocument.Parse(Assert.Single(claimed).Payload).RootElement;
        Assert.Equal(WebhookEventTypes.Submitted, payload.GetProperty("type").GetString());
        Assert.Equal(d.Id, payload.GetProperty("data").GetProperty("documentId").GetGuid());
        Assert.Equal("draft", payload.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(deliveries[0].Sequence, payload.GetProperty("data").GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task A_supersede_reports_the_old_document_and_a_failure_its_reason()
    {
        await SubscribeAsync(events: [WebhookEventTypes.Superseded, WebhookEventTypes.Failed]);
        var old = await IssueAsync();
        var replacement = await IssueAsync();
        await Registry.SupersedeAsync(old.Id, old.Version, replacement.Id, "typo in the name", "admin:chi");
        var failing = await CreateAsync();
        await Registry.TransitionAsync(failing.Id, failing.Version, DocumentTransition.Fail("renderer crashed", retryable: true), "system");

        Assert.Equal(WebhookEventTypes.Superseded, Assert.Single(await DeliveriesOfAsync(old.Id)).Type);
        Assert.Empty(await DeliveriesOfAsync(replacement.Id)); // issued, but this subscription asked only for supersede and fail
        Assert.Equal(WebhookEventTypes.Failed, Assert.Single(await DeliveriesOfAsync(failing.Id)).Type);
        var payloads = (await Webhooks.ClaimDueAsync("worker-1", Start.AddMinutes(1), 10)).Select(c => JsonDocument.Parse(c.Payload).RootElement.GetProperty("data")).ToList();
        Assert.Equal(2, payloads.Count);
        Assert.Equal(replacement.Id, payloads[0].GetProperty("replacedBy").GetGuid());
        Assert.Equal("typo in the name", payloads[0].GetProperty("reason").GetString());
        Assert.Equal("renderer crashed", payloads[1].GetProperty("reason").GetString());
        Assert.True(payloads[1].GetProperty("retryable").GetBoolean());
    }

    [Fact]
    public async Task A_failed_outbox_write_rolls_the_transition_back_and_a_refused_transition_writes_no_event()
    {
        await SubscribeAsync();
        var d = await CreateAsync();
        var head = await Storage.Audit.GetHeadAsync();
        await ExecuteRawAsync(Storage.Engine == "postgres"
            ? "CREATE FUNCTION refuse_delivery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'delivery refused'; END $$; " +
              "CREATE TRIGGER refuse_delivery BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_delivery();"
            : "CREATE TRIGGER refuse_delivery BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'delivery refused'); END;");

        await Assert.ThrowsAnyAsync<Exception>(() => Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an"));
        Assert.Equal(d, await Registry.GetAsync(d.Id));
        Assert.Equal(head, await Storage.Audit.GetHeadAsync());
        Assert.Equal(1, await CountRawAsync($"SELECT COUNT(*) FROM webhook_events WHERE document_id = '{d.Id:D}'"));

        await ExecuteRawAsync("DROP TRIGGER refuse_delivery" + (Storage.Engine == "postgres" ? " ON webhook_deliveries" : ""));
        await Assert.ThrowsAsync<IllegalTransitionException>(() => Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Issue(), "seal:hsm"));
        Assert.Single(await DeliveriesOfAsync(d.Id));
        await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an");
        Assert.Equal(2, (await DeliveriesOfAsync(d.Id)).Count);
        Assert.True((await Storage.Audit.VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task Only_the_oldest_pending_event_of_a_document_is_due_and_a_lease_keeps_it_from_other_workers()
    {
        var subscription = await SubscribeAsync();
        var a = await CreateAsync();
        a = await Registry.TransitionAsync(a.Id, a.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an");
        var b = await CreateAsync();

        var first = await Webhooks.ClaimDueAsync("worker-1", Start.AddMinutes(1), 10);
        Assert.Equal([(a.Id, WebhookEventTypes.Submitted), (b.Id, WebhookEventTypes.Submitted)],
            first.Select(c => (JsonDocument.Parse(c.Payload).RootElement.GetProperty("data").GetProperty("documentId").GetGuid(), JsonDocument.Parse(c.Payload).RootElement.GetProperty("type").GetString())));
        Assert.Empty(await Webhooks.ClaimDueAsync("worker-2", Start.AddMinutes(1), 10));

        // A failed attempt waits for its retry, and holds back the document's later event.
        Assert.True(await Webhooks.RecordFailedAsync(first[0], "worker-1", 503, "the receiver answered 503", Start.AddSeconds(30)));
        Assert.True(await Webhooks.RecordDeliveredAsync(first[1], "worker-1", 204));
        Assert.False(await Webhooks.RecordDeliveredAsync(first[1], "worker-1", 204));
        Assert.Empty(await Webhooks.ClaimDueAsync("worker-2", Start.AddMinutes(1), 10));
        Clock.Advance(TimeSpan.FromSeconds(30));
        var retry = Assert.Single(await Webhooks.ClaimDueAsync("worker-2", Clock.GetUtcNow().AddMinutes(1), 10));
        Assert.Equal((first[0].EventId, 1), (retry.EventId, retry.Attempts));
        Assert.False(await Webhooks.RecordDeliveredAsync(retry, "worker-1", 200)); // worker-1's lease is gone

        // A lease that ran out (a crashed worker) is taken over; a dead delivery lets the next event go.
        Clock.Advance(TimeSpan.FromMinutes(2));
        var takenOver = Assert.Single(await Webhooks.ClaimDueAsync("worker-3", Clock.GetUtcNow().AddMinutes(1), 10));
        Assert.True(await Webhooks.RecordFailedAsync(takenOver, "worker-3", null, "connection refused", nextAttempt: null));
        var next = Assert.Single(await Webhooks.ClaimDueAsync("worker-3", Clock.GetUtcNow().AddMinutes(1), 10));
        Assert.Equal(WebhookEventTypes.SignatureRequested, JsonDocument.Parse(next.Payload).RootElement.GetProperty("type").GetString());

        var dead = Assert.Single(await Webhooks.ListDeliveriesAsync(Owner, WebhookDeliveryStatus.Dead, 10, 0));
        Assert.Equal((takenOver.EventId, 2, "connection refused", (int?)null), (dead.EventId, dead.Attempts, dead.LastError, dead.LastHttpStatus));
        Assert.Equal(WebhookDeliveryStatus.Delivered, Assert.Single(await DeliveriesOfAsync(b.Id)).Status);
        Assert.Equal(subscription.Id, dead.SubscriptionId);
    }

    [Fact]
    public async Task Redelivery_revives_a_dead_delivery_once_with_one_audit_record()
    {
        await SubscribeAsync();
        var d = await CreateAsync();
        var claimed = Assert.Single(await Webhooks.ClaimDueAsync("worker-1", Start.AddMinutes(1), 10));
        await Webhooks.RecordFailedAsync(claimed, "worker-1", 500, "the receiver answered 500", nextAttempt: null);
        var head = (await Storage.Audit.GetHeadAsync()).Seq;

        Assert.Empty(await Webhooks.RedeliverAsync(claimed.EventId, "SOMEONE-ELSE", "cert:SOMEONE-ELSE"));
        var revived = Assert.Single(await Webhooks.RedeliverAsync(claimed.EventId, Owner, "cert:" + Owner));
        Assert.Equal((WebhookDeliveryStatus.Pending, 0), (revived.Status, revived.Attempts));
        var again = Assert.Single(await Webhooks.RedeliverAsync(claimed.EventId, Owner, "cert:" + Owner));
        Assert.Equal(WebhookDeliveryStatus.Pending, again.Status);
        var audit = Assert.Single(await Storage.Audit.ReadAsync(head + 1, 10));
        Assert.Equal(("webhook_redeliver", "cert:" + Owner), (audit.Action, audit.Actor));
        Assert.Equal(claimed.EventId, Assert.Single(await Webhooks.ClaimDueAsync("worker-1", Start.AddMinutes(1), 10)).EventId);
        Assert.Empty(await Webhooks.RedeliverAsync(Guid.NewGuid(), Owner, "cert:" + Owner));
        Assert.Single(await DeliveriesOfAsync(d.Id));
    }

    [Fact]
    public async Task Subscriptions_are_idempotent_per_owner_audited_without_their_secret_and_deleting_cancels_pending_deliveries()
    {
        var before = (await Storage.Audit.GetHeadAsync()).Seq;
        var request = new NewWebhookSubscription(Owner, new Uri("https://one-stop.example/hooks"), [WebhookEventTypes.Issued], "whsec_Zmlyc3RzZWNyZXRmaXJzdHNlY3JldGZpcnN0");
        var first = await Webhooks.CreateSubscriptionAsync(request, "k-1", "h-1", "cert:" + Owner);
        var repeat = await Webhooks.CreateSubscriptionAsync(request with { Secret = "whsec_b3RoZXI=" }, "k-1", "h-1", "cert:" + Owner);
        Assert.True(first.Created);
        Assert.False(repeat.Created);
        Assert.Equal((first.Subscription.Id, first.Subscription.CreatedUtc, request.Secret), (repeat.Subscription.Id, repeat.Subscription.CreatedUtc, repeat.Secret));
        Assert.Equal([WebhookEventTypes.Issued], repeat.Subscription.Events);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => Webhooks.CreateSubscriptionAsync(request, "k-1", "h-2", "cert:" + Owner));
        var others = await Webhooks.CreateSubscriptionAsync(request with { Owner = "D4E5F6" }, "k-1", "h-1", "cert:D4E5F6");
        Assert.True(others.Created);
        await Assert.ThrowsAsync<SigningException>(() => Webhooks.CreateSubscriptionAsync(request with { Events = [] }, "k-2", "h-3", "cert:" + Owner));

        var listed = Assert.Single(await Webhooks.ListSubscriptionsAsync(Owner));
        Assert.Equal((first.Subscription.Id, request.Url, first.Subscription.CreatedUtc), (listed.Id, listed.Url, listed.CreatedUtc));
        var created = await Storage.Audit.ReadAsync(before + 1, 10);
        Assert.Equal(["webhook_subscribe", "webhook_subscribe"], created.Select(r => r.Action));
        Assert.All(created, r => Assert.DoesNotContain("whsec_", r.DetailsJson, StringComparison.Ordinal));

        var d = await IssueAsync();
        Assert.Equal(WebhookDeliveryStatus.Pending, Assert.Single(await DeliveriesOfAsync(d.Id)).Status);
        Assert.False(await Webhooks.DeleteSubscriptionAsync(first.Subscription.Id, "D4E5F6", "cert:D4E5F6"));
        Assert.True(await Webhooks.DeleteSubscriptionAsync(first.Subscription.Id, Owner, "cert:" + Owner));
        var head = (await Storage.Audit.GetHeadAsync()).Seq;
        Assert.True(await Webhooks.DeleteSubscriptionAsync(first.Subscription.Id, Owner, "cert:" + Owner));
        Assert.Equal(head, (await Storage.Audit.GetHeadAsync()).Seq);
        Assert.Equal("webhook_unsubscribe", Assert.Single(await Storage.Audit.ReadAsync(head, 1)).Action);
        Assert.Empty(await Webhooks.ListSubscriptionsAsync(Owner));
        Assert.Equal(WebhookDeliveryStatus.Cancelled, Assert.Single(await DeliveriesOfAsync(d.Id)).Status);

        // The other owner's subscription still receives; the deleted one gets nothing new.
        await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Revoke("withdrawn"), "admin:chi");
        Assert.Single(await DeliveriesOfAsync(d.Id));
        Assert.Single(await DeliveriesOfAsync(d.Id, owner: "D4E5F6"));
    }

    [Fact]
    public async Task Workers_claiming_at_once_never_get_the_same_delivery()
    {
        await SubscribeAsync(events: [WebhookEventTypes.Submitted]);
        for (var i = 0; i < 40; i++) await CreateAsync();

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var mine = new List<Guid>();
            while (true)
            {
                var batch = await Webhooks.ClaimDueAsync("worker-" + w, Start.AddMinutes(5), 3);
                if (batch.Count == 0) return mine;
                mine.AddRange(batch.Select(b => b.EventId));
            }
        })));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Distinct().Count());
    }
}
