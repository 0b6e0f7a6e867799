using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>The idempotent_responses table: one row per (caller, key), a reservation until the answer is stored.</summary>
internal sealed class SqlIdempotentResponseStore(SqlDatabase db, TimeProvider time) : IIdempotentResponseStore
{
    public async Task<IdempotencyClaim> ClaimAsync(string caller, string key, string requestHash, TimeSpan abandonAfter, CancellationToken cancellationToken = default)
    {
        caller = SqlDocumentStore.Text(caller, "caller", 200);
        key = SqlDocumentStore.Text(key, "idempotency key", 200);
        requestHash = SqlDocumentStore.Text(requestHash, "request hash", 128, singleToken: true);
        var now = AuditChain.ToUnixMicroseconds(time.GetUtcNow());
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, tx, "SELECT request_hash, status, content_type, body, created_at_us FROM idempotent_responses WHERE caller = @c AND key = @k",
            r => (Hash: r.GetString(0), Status: r.IsDBNull(1) ? (int?)null : Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
                ContentType: r.IsDBNull(2) ? null : r.GetString(2), Body: r.IsDBNull(3) ? null : (byte[])r.GetValue(3), Created: r.GetInt64(4)),
            cancellationToken, ("c", caller), ("k", key)).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            await Sql.ExecuteAsync(connection, tx, "INSERT INTO idempotent_responses (caller, key, request_hash, created_at_us) VALUES (@c, @k, @h, @now)",
                cancellationToken, ("c", caller), ("k", key), ("h", requestHash), ("now", now)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new IdempotencyClaim(IdempotencyOutcome.Claimed);
        }

        var row = rows[0];
        if (!string.Equals(row.Hash, requestHash, StringComparison.Ordinal))
            throw new IdempotencyConflictException($"idempotency key '{key}' was already used with a different request");
        if (row.Status is { } status) return new IdempotencyClaim(IdempotencyOutcome.Replay, new StoredResponse(status, row.ContentType ?? "application/json", row.Body ?? []));
        if (now - row.Created < (long)abandonAfter.TotalMicroseconds) return new IdempotencyClaim(IdempotencyOutcome.InProgress);
        // The first call never stored an answer (its process died): this one runs instead.
        await Sql.ExecuteAsync(connection, tx, "UPDATE idempotent_responses SET created_at_us = @now WHERE caller = @c AND key = @k",
            cancellationToken, ("c", caller), ("k", key), ("now", now)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new IdempotencyClaim(IdempotencyOutcome.Claimed);
    }

    public async Task CompleteAsync(string caller, string key, StoredResponse response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, tx, "UPDATE idempotent_responses SET status = @s, content_type = @t, body = @b WHERE caller = @c AND key = @k",
            cancellationToken, ("c", caller), ("k", key), ("s", (long)response.Status), ("t", response.ContentType), ("b", response.Body)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ReleaseAsync(string caller, string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, tx, "DELETE FROM idempotent_responses WHERE caller = @c AND key = @k AND status IS NULL",
            cancellationToken, ("c", caller), ("k", key)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
