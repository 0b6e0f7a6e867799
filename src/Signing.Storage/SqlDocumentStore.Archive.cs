using System.Data.Common;
using System.Globalization;
using Signing.Core;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>
/// The archive index (<see cref="IArchiveRegistry"/>). Claims and renewals run in the same write
/// transaction as every other mutation (the audit head's lock), so on both engines two instances
/// see each other's claim: the second claim of one result finds a live owner and is refused.
/// </summary>
internal sealed partial class SqlDocumentStore
{
    private const string ArchiveColumns =
        "a.document_id, d.verification_code, a.pdf_sha256, a.timestamp_at_us, a.tsa_not_after_us, a.algorithms, a.renewals, a.renewed_at_us, a.claim_owner, a.claim_until_us";

    // The statuses whose PDF anyone with the code may see and verify: the archive keeps them valid.
    private const string PublicStatuses = "('issued','revoked','superseded')";

    public async Task<IReadOnlyList<DocumentRecord>> ListUnindexedAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var columns = string.Join(", ", Columns.Split(", ").Select(c => "d." + c));
        return await Sql.QueryAsync(connection, null,
            $"SELECT {columns} FROM documents d LEFT JOIN archive_index a ON a.document_id = d.id " +
            $"WHERE d.status IN {PublicStatuses} AND d.pdf_sha256 IS NOT NULL AND (a.document_id IS NULL OR a.pdf_sha256 <> d.pdf_sha256) " +
            "ORDER BY d.updated_at_us, d.id LIMIT @limit",
            Map, cancellationToken, ("limit", (long)limit)).ConfigureAwait(false);
    }

    public async Task<bool> IndexAsync(Guid documentId, string pdfSha256, ArchiveFacts facts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(facts);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(connection, tx, documentId, cancellationToken).ConfigureAwait(false);
        if (current?.PdfSha256 != pdfSha256) return false;
        var existing = await Sql.ScalarAsync(connection, tx, "SELECT 1 FROM archive_index WHERE document_id = @id", cancellationToken, ("id", Id(documentId))).ConfigureAwait(false);
        // An index row describes facts of a file, not a change of the document: no audit record.
        await Sql.ExecuteAsync(connection, tx, existing == null
                ? "INSERT INTO archive_index (document_id, pdf_sha256, timestamp_at_us, tsa_not_after_us, algorithms, renewals, indexed_at_us) VALUES (@id, @sha, @ts, @tsa, @alg, 0, @now)"
                : "UPDATE archive_index SET pdf_sha256 = @sha, timestamp_at_us = @ts, tsa_not_after_us = @tsa, algorithms = @alg, claim_owner = NULL, claim_until_us = NULL, indexed_at_us = @now WHERE document_id = @id",
            cancellationToken, ("id", Id(documentId)), ("sha", pdfSha256), ("ts", OptionalMicros(facts.TimestampTime)), ("tsa", OptionalMicros(facts.TsaNotAfter)),
            ("alg", facts.Algorithms), ("now", Micros(Now()))).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<IReadOnlyList<string>> ListAlgorithmsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, null, "SELECT DISTINCT algorithms FROM archive_index ORDER BY algorithms", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ArchiveEntry>> ListCandidatesAsync(DateTimeOffset tsaExpiresBefore, IReadOnlyCollection<string> algorithms, DateTimeOffset now, int limit,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(algorithms);
        var parameters = new List<(string, object?)> { ("due", Micros(tsaExpiresBefore)), ("now", Micros(now)), ("limit", (long)limit) };
        var names = algorithms.Select((a, i) =>
        {
            parameters.Add(("a" + i.ToString(CultureInfo.InvariantCulture), a));
            return "@a" + i.ToString(CultureInfo.InvariantCulture);
        }).ToList();
        var byAlgorithm = names.Count == 0 ? "" : $" OR a.algorithms IN ({string.Join(", ", names)})";
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, null,
            $"SELECT {ArchiveColumns} FROM archive_index a JOIN documents d ON d.id = a.document_id " +
            $"WHERE d.status IN {PublicStatuses} AND d.pdf_sha256 = a.pdf_sha256 AND (a.tsa_not_after_us <= @due{byAlgorithm}) " +
            "AND (a.claim_owner IS NULL OR a.claim_until_us <= @now) ORDER BY a.tsa_not_after_us, a.document_id LIMIT @limit",
            MapArchive, cancellationToken, [.. parameters]).ConfigureAwait(false);
    }

    public async Task<ArchiveEntry?> GetEntryAsync(Guid documentId, CancellationToken cancellationToken = default) =>
        await ReadArchiveAsync(await _db.OpenAsync(cancellationToken).ConfigureAwait(false), null, documentId, dispose: true, cancellationToken).ConfigureAwait(false);

    public async Task<bool> TryClaimAsync(Guid documentId, string pdfSha256, string owner, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        owner = Text(owner, "claim owner", 200, singleToken: true);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var claimed = await Sql.ExecuteAsync(connection, tx,
            "UPDATE archive_index SET claim_owner = @owner, claim_until_us = @until WHERE document_id = @id AND pdf_sha256 = @sha " +
            "AND (claim_owner IS NULL OR claim_owner = @owner OR claim_until_us <= @now)",
            cancellationToken, ("owner", owner), ("until", Micros(until)), ("id", Id(documentId)), ("sha", pdfSha256), ("now", Micros(Now()))).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claimed == 1;
    }

    public async Task ReleaseAsync(Guid documentId, string owner, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, tx, "UPDATE archive_index SET claim_owner = NULL, claim_until_us = NULL WHERE document_id = @id AND claim_owner = @owner",
            cancellationToken, ("id", Id(documentId)), ("owner", owner)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<DocumentRecord> RenewAsync(Guid documentId, string expectedPdfSha256, string owner, byte[] newPdf, ArchiveFacts facts, string actor,
        IReadOnlyDictionary<string, string>? details = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newPdf);
        ArgumentNullException.ThrowIfNull(facts);
        actor = Text(actor, "actor", 200);
        var pdfKey = await _blobs.PutAsync(NonEmpty(newPdf), cancellationToken).ConfigureAwait(false);

        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(connection, tx, documentId, cancellationToken).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException($"no document with id {documentId}");
        if (current.Status is not (DocumentStatus.Issued or DocumentStatus.Revoked or DocumentStatus.Superseded))
            throw new IllegalTransitionException($"document {current.VerificationCode} is {current.Status.ToName()}; only issued results are kept in the archive");
        if (current.PdfSha256 != expectedPdfSha256)
            throw new ConcurrencyConflictException($"document {current.VerificationCode} has another PDF than the one renewed ({current.PdfSha256}); it was renewed or changed meanwhile");
        var entry = await ReadArchiveAsync(connection, tx, documentId, dispose: false, cancellationToken).ConfigureAwait(false);
        if (entry?.ClaimOwner != owner)
            throw new ConcurrencyConflictException($"the archive claim on {current.VerificationCode} is held by {entry?.ClaimOwner ?? "nobody"}, not {owner}");

        await EnsureBlobAsync(pdfKey, newPdf, cancellationToken).ConfigureAwait(false);
        var now = Now();
        var next = current with { PdfSha256 = pdfKey, Version = current.Version + 1, UpdatedUtc = now };
        await UpdateAsync(connection, tx, next, current.Version, cancellationToken).ConfigureAwait(false);
        await InsertPdfVersionAsync(connection, tx, next, cancellationToken).ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, tx,
            "UPDATE archive_index SET pdf_sha256 = @sha, timestamp_at_us = @ts, tsa_not_after_us = @tsa, algorithms = @alg, renewals = renewals + 1, " +
            "renewed_at_us = @now, claim_owner = NULL, claim_until_us = NULL, indexed_at_us = @now WHERE document_id = @id",
            cancellationToken, ("sha", pdfKey), ("ts", OptionalMicros(facts.TimestampTime)), ("tsa", OptionalMicros(facts.TsaNotAfter)), ("alg", facts.Algorithms),
            ("now", Micros(now)), ("id", Id(documentId))).ConfigureAwait(false);
        var json = Details(w =>
        {
            w.WriteString("status", next.Status.ToName());
            w.WriteNumber("version", next.Version);
            w.WriteString("previous_pdf_sha256", expectedPdfSha256);
            w.WriteString("pdf_sha256", pdfKey);
            w.WriteNumber("renewal", entry.Renewals + 1);
            if (facts.TimestampTime is { } ts) w.WriteString("timestamp_time", ts.ToString("O", CultureInfo.InvariantCulture));
            if (facts.TsaNotAfter is { } tsa) w.WriteString("tsa_not_after", tsa.ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("algorithms", facts.Algorithms);
        }, details);
        await AppendAuditAsync(connection, tx, head, now, actor, "archive_renew", documentId, json, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return next;
    }

    private static async Task<ArchiveEntry?> ReadArchiveAsync(DbConnection connection, DbTransaction? tx, Guid documentId, bool dispose, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await Sql.QueryAsync(connection, tx, $"SELECT {ArchiveColumns} FROM archive_index a JOIN documents d ON d.id = a.document_id WHERE a.document_id = @id",
                MapArchive, cancellationToken, ("id", Id(documentId))).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows[0];
        }
        finally
        {
            if (dispose) await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ArchiveEntry MapArchive(DbDataReader r) => new(
        Guid.Parse(r.GetString(0)),
        r.GetString(1),
        r.GetString(2),
        new ArchiveFacts(OptionalTime(r, 3), OptionalTime(r, 4), r.GetString(5)),
        (int)Long(r, 6),
        OptionalTime(r, 7),
        Nullable(r, 8),
        OptionalTime(r, 9));

    private static DateTimeOffset? OptionalTime(DbDataReader r, int i) => r.IsDBNull(i) ? null : Time(Long(r, i));

    private static object? OptionalMicros(DateTimeOffset? time) => time is { } t ? Micros(AuditChain.ToStoredPrecision(t)) : null;
}
