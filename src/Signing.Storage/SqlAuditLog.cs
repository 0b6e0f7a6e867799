using System.Data.Common;
using System.Runtime.CompilerServices;
using Signing.Core;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>Reads and verifies the hash-chained audit log (appends happen in <see cref="SqlDocumentStore"/>'s transactions).</summary>
internal sealed class SqlAuditLog : IAuditLog
{
    private const int VerifyBatch = 1000;

    private readonly SqlDatabase _db;

    public SqlAuditLog(SqlDatabase db) => _db = db;

    public async Task<IReadOnlyList<AuditRecord>> ReadAsync(long fromSeq, int limit, CancellationToken cancellationToken = default)
    {
        if (limit < 1 || limit > 10_000) throw new SigningException($"audit page size must be between 1 and 10000, not {limit}");
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAuditAsync(connection, null, fromSeq, limit, cancellationToken).ConfigureAwait(false);
    }

    public async Task<AuditHead> GetHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadHeadAsync(connection, null, "SELECT seq, hash FROM audit_head WHERE id = 1", cancellationToken).ConfigureAwait(false);
    }

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) => VerifyCoreAsync(null, cancellationToken);

    public Task<AuditVerification> VerifyAsync(IAuditAnchorTokenCheck tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return VerifyCoreAsync(tokens, cancellationToken);
    }

    private async Task<AuditVerification> VerifyCoreAsync(IAuditAnchorTokenCheck? tokens, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the head, every record and every anchor: concurrent appends are either wholly seen or not at all.
        await using var tx = await _db.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await ReadHeadAsync(connection, tx, "SELECT seq, hash FROM audit_head WHERE id = 1", cancellationToken).ConfigureAwait(false);
        var chain = new AuditChainVerifier();
        var anchors = tokens is null ? null : new AuditAnchorVerifier(tokens);
        // Pages of both tables are read whole before they are walked, so the two walks can share the connection.
        await using var pending = anchors is null ? null : ReadAllAnchors(connection, tx, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var next = pending is not null && await pending.MoveNextAsync().ConfigureAwait(false) ? pending.Current : null;
        var walkedToEnd = true;
        await foreach (var record in ReadAll(connection, tx, cancellationToken).ConfigureAwait(false))
        {
            while (next is not null && next.Seq <= record.Seq)
            {
                anchors!.Check(next, next.Seq == record.Seq ? record : null);
                next = await pending!.MoveNextAsync().ConfigureAwait(false) ? pending.Current : null;
            }

            if (!chain.Add(record))
            {
                walkedToEnd = false;
                break;
            }
        }

        // An anchor beyond the last record: the records it covered were deleted (the first one says so).
        if (walkedToEnd && next is not null) anchors!.Check(next, null);
        var result = chain.Finish(head);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (anchors is null) return result;
        var problem = (result.Problem, anchors.Problem) switch
        {
            ({ } c, { } a) => c.Seq <= a.Seq ? c : a,
            (var c, var a) => c ?? a,
        };
        return result with { Problem = problem, Anchoring = anchors.Finish(head.Seq) };
    }

    public async Task<AuditAnchor?> GetLastAnchorAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, null, $"SELECT {AnchorColumns} FROM audit_anchors ORDER BY seq DESC LIMIT 1", MapAnchor, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<AuditAnchor>> ReadAnchorsAsync(long fromSeq, int limit, CancellationToken cancellationToken = default)
    {
        if (limit < 1 || limit > 10_000) throw new SigningException($"anchor page size must be between 1 and 10000, not {limit}");
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAnchorPageAsync(connection, null, fromSeq, limit, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> AddAnchorAsync(AuditAnchor anchor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        if (anchor.Seq < 1) throw new SigningException($"an audit anchor needs a record seq of 1 or more, not {anchor.Seq}");
        _ = AuditAnchors.Imprint(anchor.Seq, anchor.Hash); // refuses a hash that is not 64 hex digits
        if (anchor.Token is not { Length: > 0 }) throw new SigningException("an audit anchor needs its timestamp token");

        // No write lock: the anchored record is already committed and never changes, so issuance is not held up.
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var stored = await Sql.ScalarAsync(connection, null, "SELECT hash FROM audit_log WHERE seq = @seq", cancellationToken, ("seq", anchor.Seq)).ConfigureAwait(false) as string
            ?? throw new StorageException($"there is no audit record at seq {anchor.Seq} to anchor");
        if (!string.Equals(stored, anchor.Hash, StringComparison.Ordinal))
            throw new StorageException($"audit record seq {anchor.Seq} has the hash {stored}, not the anchored {anchor.Hash}");
        var inserted = await Sql.ExecuteAsync(connection, null,
            "INSERT INTO audit_anchors (seq, hash, token, anchored_at_us) VALUES (@seq, @hash, @token, @at) ON CONFLICT (seq) DO NOTHING",
            cancellationToken, ("seq", anchor.Seq), ("hash", anchor.Hash), ("token", anchor.Token), ("at", AuditChain.ToUnixMicroseconds(anchor.AnchoredUtc))).ConfigureAwait(false);
        return inserted == 1;
    }

    private const string AnchorColumns = "seq, hash, token, anchored_at_us";

    private static async IAsyncEnumerable<AuditAnchor> ReadAllAnchors(DbConnection connection, DbTransaction tx, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = long.MinValue;
        while (true)
        {
            var page = await ReadAnchorPageAsync(connection, tx, from, VerifyBatch, cancellationToken).ConfigureAwait(false);
            foreach (var anchor in page) yield return anchor;
            if (page.Count < VerifyBatch) yield break;
            from = page[^1].Seq + 1;
        }
    }

    private static Task<List<AuditAnchor>> ReadAnchorPageAsync(DbConnection connection, DbTransaction? tx, long fromSeq, int limit, CancellationToken cancellationToken) =>
        Sql.QueryAsync(connection, tx, $"SELECT {AnchorColumns} FROM audit_anchors WHERE seq >= @from ORDER BY seq LIMIT @limit",
            MapAnchor, cancellationToken, ("from", fromSeq), ("limit", (long)limit));

    private static AuditAnchor MapAnchor(DbDataReader r) =>
        new(SqlDocumentStore.Long(r, 0), r.GetString(1), (byte[])r.GetValue(2), SqlDocumentStore.Time(SqlDocumentStore.Long(r, 3)));

    /// <summary>Every record in seq order, paged so memory stays flat on a large log.</summary>
    private static async IAsyncEnumerable<AuditRecord> ReadAll(DbConnection connection, DbTransaction tx, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = long.MinValue;
        while (true)
        {
            var page = await ReadAuditAsync(connection, tx, from, VerifyBatch, cancellationToken).ConfigureAwait(false);
            foreach (var record in page) yield return record;
            if (page.Count < VerifyBatch) yield break;
            from = page[^1].Seq + 1;
        }
    }

    private static Task<List<AuditRecord>> ReadAuditAsync(DbConnection connection, DbTransaction? tx, long fromSeq, int limit, CancellationToken cancellationToken) =>
        Sql.QueryAsync(connection, tx,
            "SELECT seq, time_us, actor, action, document_id, details, prev_hash, hash FROM audit_log WHERE seq >= @from ORDER BY seq LIMIT @limit",
            MapAudit, cancellationToken, ("from", fromSeq), ("limit", (long)limit));

    internal static async Task<AuditHead> ReadHeadAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        var rows = await Sql.QueryAsync(connection, tx, sql, r => new AuditHead(SqlDocumentStore.Long(r, 0), r.GetString(1)), cancellationToken).ConfigureAwait(false);
        return rows.Count == 1 ? rows[0] : throw new StorageException("the audit chain head row is missing: the database was altered outside the service");
    }

    internal static AuditRecord MapAudit(DbDataReader r) => new()
    {
        Seq = SqlDocumentStore.Long(r, 0),
        TimeUtc = SqlDocumentStore.Time(SqlDocumentStore.Long(r, 1)),
        Actor = r.GetString(2),
        Action = r.GetString(3),
        DocumentId = SqlDocumentStore.Nullable(r, 4) is { } d && Guid.TryParse(d, out var id) ? id : null,
        DetailsJson = r.GetString(5),
        PrevHash = r.GetString(6),
        Hash = r.GetString(7),
    };

}
