using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Signing.Core.Documents;
using Signing.Core.Webhooks;

namespace Signing.Storage;

/// <summary>
/// Webhook subscriptions and the transactional outbox on either engine. Subscription changes and
/// redeliveries take the audit head's lock like every other audited mutation, so a transition's
/// fan-out and a subscription change never interleave. Delivery bookkeeping (claims, attempt
/// results) is operational state, not a change of a document: it takes no audit lock and writes no
/// audit record, so a slow receiver never holds up issuance. On PostgreSQL claims skip rows another
/// instance has locked (FOR UPDATE SKIP LOCKED); on SQLite the write lock serialises them.
/// </summary>
internal sealed class SqlWebhookStore(SqlDatabase db, TimeProvider time) : IWebhookRegistry
{
    private const string DeliveryColumns =
        "d.event_id, d.subscription_id, e.type, d.document_id, d.audit_seq, d.status, d.attempts, d.next_attempt_us, d.last_http_status, d.last_error, d.delivered_at_us, d.created_at_us";

    private const int MaxErrorLength = 500;

    // ---------------------------------------------------------------- outbox (inside a transition's transaction)

    /// <summary>
    /// Called by the document store right after it appended the audit record of a transition, in the
    /// same transaction: writes the event and one pending delivery per live subscription that wants
    /// it. An event nobody subscribed to is not stored.
    /// </summary>
    internal static async Task AppendEventAsync(DbConnection connection, DbTransaction tx, long auditSeq, string action, DocumentRecord document,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (WebhookEventTypes.ForAction(action) is not { } type) return;
        var subscriptions = await Sql.QueryAsync(connection, tx, "SELECT id, events FROM webhook_subscriptions WHERE deleted_at_us IS NULL ORDER BY created_at_us, id",
            r => (Id: r.GetString(0), Events: r.GetString(1)), cancellationToken).ConfigureAwait(false);
        var receivers = subscriptions.Where(s => s.Events.Split(' ').Contains(type, StringComparer.Ordinal)).ToList();
        if (receivers.Count == 0) return;

        var eventId = Guid.NewGuid().ToString("D");
        var micros = Micros(now);
        await Sql.ExecuteAsync(connection, tx,
            "INSERT INTO webhook_events (id, audit_seq, type, document_id, created_at_us, payload) VALUES (@id, @seq, @type, @doc, @now, @payload)",
            cancellationToken, ("id", eventId), ("seq", auditSeq), ("type", type), ("doc", Id(document.Id)), ("now", micros),
            ("payload", Payload(type, auditSeq, document, now))).ConfigureAwait(false);
        foreach (var receiver in receivers)
        {
            await Sql.ExecuteAsync(connection, tx,
                "INSERT INTO webhook_deliveries (event_id, subscription_id, document_id, audit_seq, status, attempts, next_attempt_us, created_at_us) " +
                "VALUES (@e, @s, @doc, @seq, 'pending', 0, @now, @now)",
                cancellationToken, ("e", eventId), ("s", receiver.Id), ("doc", Id(document.Id)), ("seq", auditSeq), ("now", micros)).ConfigureAwait(false);
        }
    }

    /// <summary>The body every attempt sends (Standard Webhooks shape: type, timestamp, data).</summary>
    private static string Payload(string type, long auditSeq, DocumentRecord d, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("timestamp", Iso(now));
            w.WriteStartObject("data");
            w.WriteString("documentId", Id(d.Id));
            w.WriteString("verificationCode", d.VerificationCode);
            w.WriteString("dossierCode", d.DossierCode);
            w.WriteString("template", d.Template);
            w.WriteString("status", d.Status.ToName());
            w.WriteNumber("version", d.Version);
            w.WriteNumber("sequence", auditSeq);
            if (d.SignerId != null) w.WriteString("signerId", d.SignerId);
            if (d.PdfSha256 != null) w.WriteString("pdfSha256", d.PdfSha256);
            if (d.Failure is { } f)
            {
                w.WriteString("reason", f.Reason);
                w.WriteBoolean("retryable", f.Retryable);
                w.WriteString("failedFrom", f.FailedFrom.ToName());
            }
            else if (d.EndReason != null)
            {
                w.WriteString("reason", d.EndReason);
            }

            if (d.ReplacedBy is { } replacedBy) w.WriteString("replacedBy", Id(replacedBy));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    // ---------------------------------------------------------------- subscriptions

    public async Task<WebhookSubscriptionResult> CreateSubscriptionAsync(NewWebhookSubscription subscription, string idempotencyKey, string requestHash, string actor,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var owner = SqlDocumentStore.Text(subscription.Owner, "owner", 200, singleToken: true);
        var key = SqlDocumentStore.Text(idempotencyKey, "idempotency key", 200);
        var hash = SqlDocumentStore.Text(requestHash, "request hash", 128, singleToken: true);
        actor = SqlDocumentStore.Text(actor, "actor", 200);
        if (subscription.Events.Count == 0) throw new Signing.Core.SigningException("a subscription needs at least one event type");

        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await SqlAuditLog.ReadHeadAsync(connection, tx, db.SelectHeadForUpdateSql, cancellationToken).ConfigureAwait(false);
        var previous = await Sql.QueryAsync(connection, tx,
            "SELECT id, owner, url, events, created_at_us, deleted_at_us, secret, request_hash FROM webhook_subscriptions WHERE owner = @o AND idempotency_key = @k",
            r => (Subscription: MapSubscription(r), Secret: r.GetString(6), Hash: r.GetString(7)), cancellationToken, ("o", owner), ("k", key)).ConfigureAwait(false);
        if (previous.Count == 1)
        {
            if (!string.Equals(previous[0].Hash, hash, StringComparison.Ordinal))
                throw new IdempotencyConflictException($"idempotency key '{key}' was already used with a different request");
            return new WebhookSubscriptionResult(previous[0].Subscription, previous[0].Secret, Created: false);
        }

        var now = AuditChain.ToStoredPrecision(time.GetUtcNow());
        var created = new WebhookSubscription(Guid.NewGuid(), owner, subscription.Url, subscription.Events, now, null);
        var events = string.Join(' ', subscription.Events);
        await Sql.ExecuteAsync(connection, tx,
            "INSERT INTO webhook_subscriptions (id, owner, url, events, secret, created_at_us, deleted_at_us, idempotency_key, request_hash) " +
            "VALUES (@id, @o, @url, @events, @secret, @now, NULL, @k, @h)",
            cancellationToken, ("id", Id(created.Id)), ("o", owner), ("url", created.Url.AbsoluteUri), ("events", events), ("secret", subscription.Secret),
            ("now", Micros(now)), ("k", key), ("h", hash)).ConfigureAwait(false);
        // The secret never goes into the audit text: the audit log is readable by auditors.
        await SqlDocumentStore.AppendAuditAsync(connection, tx, head, now, actor, "webhook_subscribe", null, SqlDocumentStore.Details(w =>
        {
            w.WriteString("subscription", Id(created.Id));
            w.WriteString("owner", owner);
            w.WriteString("url", created.Url.AbsoluteUri);
            w.WriteString("events", events);
        }, null), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new WebhookSubscriptionResult(created, subscription.Secret, Created: true);
    }

    public async Task<IReadOnlyList<WebhookSubscription>> ListSubscriptionsAsync(string owner, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, null,
            "SELECT id, owner, url, events, created_at_us, deleted_at_us FROM webhook_subscriptions WHERE owner = @o AND deleted_at_us IS NULL ORDER BY created_at_us, id",
            MapSubscription, cancellationToken, ("o", owner)).ConfigureAwait(false);
    }

    public async Task<bool> DeleteSubscriptionAsync(Guid id, string owner, string actor, CancellationToken cancellationToken = default)
    {
        actor = SqlDocumentStore.Text(actor, "actor", 200);
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await SqlAuditLog.ReadHeadAsync(connection, tx, db.SelectHeadForUpdateSql, cancellationToken).ConfigureAwait(false);
        var deletedAt = await Sql.QueryAsync(connection, tx, "SELECT deleted_at_us FROM webhook_subscriptions WHERE id = @id AND owner = @o",
            r => r.IsDBNull(0) ? (long?)null : SqlDocumentStore.Long(r, 0), cancellationToken, ("id", Id(id)), ("o", owner)).ConfigureAwait(false);
        if (deletedAt.Count == 0) return false;
        if (deletedAt[0] != null) return true;

        var now = AuditChain.ToStoredPrecision(time.GetUtcNow());
        await Sql.ExecuteAsync(connection, tx, "UPDATE webhook_subscriptions SET deleted_at_us = @now WHERE id = @id", cancellationToken,
            ("now", Micros(now)), ("id", Id(id))).ConfigureAwait(false);
        var cancelled = await Sql.ExecuteAsync(connection, tx,
            "UPDATE webhook_deliveries SET status = 'cancelled', lease_owner = NULL, lease_until_us = NULL WHERE subscription_id = @id AND status IN ('pending','dead')",
            cancellationToken, ("id", Id(id))).ConfigureAwait(false);
        await SqlDocumentStore.AppendAuditAsync(connection, tx, head, now, actor, "webhook_unsubscribe", null, SqlDocumentStore.Details(w =>
        {
            w.WriteString("subscription", Id(id));
            w.WriteNumber("cancelled_deliveries", cancelled);
        }, null), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    // ---------------------------------------------------------------- deliveries (staff view)

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(string owner, WebhookDeliveryStatus? status, int limit, int offset,
        CancellationToken cancellationToken = default)
    {
        var parameters = new List<(string, object?)> { ("o", owner), ("limit", (long)limit), ("offset", (long)offset) };
        var filter = "";
        if (status is { } s)
        {
            filter = " AND d.status = @status";
            parameters.Add(("status", s.ToName()));
        }

        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, null,
            $"SELECT {DeliveryColumns} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id JOIN webhook_subscriptions s ON s.id = d.subscription_id " +
            $"WHERE s.owner = @o{filter} ORDER BY d.audit_seq DESC, d.subscription_id LIMIT @limit OFFSET @offset",
            MapDelivery, cancellationToken, [.. parameters]).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> RedeliverAsync(Guid eventId, string owner, string actor, CancellationToken cancellationToken = default)
    {
        actor = SqlDocumentStore.Text(actor, "actor", 200);
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await SqlAuditLog.ReadHeadAsync(connection, tx, db.SelectHeadForUpdateSql, cancellationToken).ConfigureAwait(false);
        var now = AuditChain.ToStoredPrecision(time.GetUtcNow());
        const string Owned = "event_id = @e AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE owner = @o AND deleted_at_us IS NULL)";
        var revived = await Sql.QueryAsync(connection, tx, $"SELECT subscription_id FROM webhook_deliveries WHERE {Owned} AND status = 'dead' ORDER BY subscription_id",
            r => r.GetString(0), cancellationToken, ("e", Id(eventId)), ("o", owner)).ConfigureAwait(false);
        if (revived.Count > 0)
        {
            await Sql.ExecuteAsync(connection, tx,
                $"UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_us = @now, lease_owner = NULL, lease_until_us = NULL WHERE {Owned} AND status = 'dead'",
                cancellationToken, ("now", Micros(now)), ("e", Id(eventId)), ("o", owner)).ConfigureAwait(false);
            await SqlDocumentStore.AppendAuditAsync(connection, tx, head, now, actor, "webhook_redeliver", null, SqlDocumentStore.Details(w =>
            {
                w.WriteString("event", Id(eventId));
                w.WriteString("subscriptions", string.Join(' ', revived));
            }, null), cancellationToken).ConfigureAwait(false);
        }

        var deliveries = await Sql.QueryAsync(connection, tx,
            $"SELECT {DeliveryColumns} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id " +
            "WHERE d.event_id = @e AND d.subscription_id IN (SELECT id FROM webhook_subscriptions WHERE owner = @o AND deleted_at_us IS NULL) ORDER BY d.subscription_id",
            MapDelivery, cancellationToken, ("e", Id(eventId)), ("o", owner)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deliveries;
    }

    // ---------------------------------------------------------------- the delivery worker's side

    public async Task<IReadOnlyList<WebhookDispatch>> ClaimDueAsync(string leaseOwner, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(leaseOwner);
        var now = Micros(time.GetUtcNow());
        // A row is due when it is pending, its time has come, nobody holds a live lease on it, and no
        // earlier event of the same document is still pending for the same subscription.
        var skipLocked = db.Engine == "postgres" ? " FOR UPDATE OF d SKIP LOCKED" : "";
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        // An idle poll is one read, not a write transaction (on SQLite that would take the write lock).
        if (await Sql.ScalarAsync(connection, null, "SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_us <= @now LIMIT 1",
                cancellationToken, ("now", now)).ConfigureAwait(false) == null)
            return [];
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var due = await Sql.QueryAsync(connection, tx,
            "SELECT d.event_id, d.subscription_id, s.url, s.secret, e.payload, d.attempts FROM webhook_deliveries d " +
            "JOIN webhook_subscriptions s ON s.id = d.subscription_id JOIN webhook_events e ON e.id = d.event_id " +
            "WHERE d.status = 'pending' AND d.next_attempt_us <= @now AND (d.lease_until_us IS NULL OR d.lease_until_us <= @now) " +
            "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.subscription_id = d.subscription_id AND p.document_id = d.document_id " +
            "AND p.audit_seq < d.audit_seq AND p.status = 'pending') " +
            $"ORDER BY d.audit_seq, d.subscription_id LIMIT @limit{skipLocked}",
            r => new WebhookDispatch(Guid.Parse(r.GetString(0)), Guid.Parse(r.GetString(1)), new Uri(r.GetString(2)), r.GetString(3), r.GetString(4),
                Convert.ToInt32(r.GetValue(5), CultureInfo.InvariantCulture)),
            cancellationToken, ("now", now), ("limit", (long)limit)).ConfigureAwait(false);
        foreach (var d in due)
        {
            await Sql.ExecuteAsync(connection, tx, "UPDATE webhook_deliveries SET lease_owner = @owner, lease_until_us = @until WHERE event_id = @e AND subscription_id = @s",
                cancellationToken, ("owner", leaseOwner), ("until", Micros(leaseUntil)), ("e", Id(d.EventId)), ("s", Id(d.SubscriptionId))).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return due;
    }

    public async Task<bool> RecordDeliveredAsync(WebhookDispatch dispatch, string leaseOwner, int httpStatus, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        var now = Micros(time.GetUtcNow());
        return await FinishAsync(dispatch, leaseOwner,
            "status = 'delivered', attempts = attempts + 1, last_http_status = @http, last_error = NULL, delivered_at_us = @now",
            cancellationToken, ("http", (long)httpStatus), ("now", now)).ConfigureAwait(false);
    }

    public async Task<bool> RecordFailedAsync(WebhookDispatch dispatch, string leaseOwner, int? httpStatus, string error, DateTimeOffset? nextAttempt,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        ArgumentNullException.ThrowIfNull(error);
        var message = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        return await FinishAsync(dispatch, leaseOwner,
            (nextAttempt == null ? "status = 'dead', " : "next_attempt_us = @next, ") + "attempts = attempts + 1, last_http_status = @http, last_error = @error",
            cancellationToken, ("http", httpStatus is { } h ? (long)h : null), ("error", message),
            ("next", nextAttempt is { } n ? Micros(n) : null)).ConfigureAwait(false);
    }

    private async Task<bool> FinishAsync(WebhookDispatch dispatch, string leaseOwner, string set, CancellationToken cancellationToken, params (string, object?)[] values)
    {
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var changed = await Sql.ExecuteAsync(connection, tx,
            $"UPDATE webhook_deliveries SET {set}, lease_owner = NULL, lease_until_us = NULL " +
            "WHERE event_id = @e AND subscription_id = @s AND lease_owner = @owner AND status = 'pending'",
            cancellationToken, [("e", Id(dispatch.EventId)), ("s", Id(dispatch.SubscriptionId)), ("owner", leaseOwner), .. values]).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    // ---------------------------------------------------------------- rows

    private static WebhookSubscription MapSubscription(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), r.GetString(1), new Uri(r.GetString(2)), r.GetString(3).Split(' '), SqlDocumentStore.Time(SqlDocumentStore.Long(r, 4)),
        r.IsDBNull(5) ? null : SqlDocumentStore.Time(SqlDocumentStore.Long(r, 5)));

    private static WebhookDelivery MapDelivery(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)), Guid.Parse(r.GetString(1)), r.GetString(2), Guid.Parse(r.GetString(3)), SqlDocumentStore.Long(r, 4), WebhookDeliveryStatusNames.Parse(r.GetString(5)),
        Convert.ToInt32(r.GetValue(6), CultureInfo.InvariantCulture), SqlDocumentStore.Time(SqlDocumentStore.Long(r, 7)),
        r.IsDBNull(8) ? null : Convert.ToInt32(r.GetValue(8), CultureInfo.InvariantCulture), SqlDocumentStore.Nullable(r, 9),
        r.IsDBNull(10) ? null : SqlDocumentStore.Time(SqlDocumentStore.Long(r, 10)), SqlDocumentStore.Time(SqlDocumentStore.Long(r, 11)));

    private static long Micros(DateTimeOffset t) => AuditChain.ToUnixMicroseconds(t);

    private static string Id(Guid id) => id.ToString("D");

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
