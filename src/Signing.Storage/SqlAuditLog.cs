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

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the head and every record: concurrent appends are either wholly seen or not at all.
        await using var tx = await _db.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await ReadHeadAsync(connection, tx, "SELECT seq, hash FROM audit_head WHERE id = 1", cancellationToken).ConfigureAwait(false);
        var result = await AuditChainVerifier.VerifyAsync(ReadAll(connection, tx, cancellationToken), head, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

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
