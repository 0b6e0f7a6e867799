using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Signing.Core;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>
/// The registry and audit log on either engine. Every mutation follows one pattern:
/// make the PDF durable in the blob store, then in ONE write transaction: take the write lock
/// (the audit chain head), re-check the blob, check version and lifecycle, write rows, append
/// audit record(s), write the webhook outbox rows they report, commit. A crash before commit leaves at most an orphan blob, never a row
/// that points to a missing blob.
/// </summary>
internal sealed partial class SqlDocumentStore : IDocumentRegistry, IArchiveRegistry, IHeadRegistry, IPreparedRequestRegistry, IServiceStateImporter, IDocumentLocks
{
    private const string Columns =
        "id, verification_code, dossier_code, template, status, signer_id, failure_reason, failure_retryable, failed_from, " +
        "pdf_sha256, created_at_us, updated_at_us, end_reason, replaced_by, replaces, version";

    private readonly SqlDatabase _db;
    private readonly IBlobStore _blobs;
    private readonly TimeProvider _time;

    public SqlDocumentStore(SqlDatabase db, IBlobStore blobs, TimeProvider time)
    {
        _db = db;
        _blobs = blobs;
        _time = time;
    }

    // ---------------------------------------------------------------- create

    public async Task<CreateResult> CreateAsync(NewDocument document, string idempotencyKey, string requestHash, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var code = Text(document.VerificationCode, "verification code", 64, singleToken: true);
        var dossier = Text(document.DossierCode, "dossier code", 100);
        var template = Text(document.Template, "template", 100);
        var key = Text(idempotencyKey, "idempotency key", 200);
        var hash = Text(requestHash, "request hash", 128, singleToken: true);
        actor = Text(actor, "actor", 200);

        var pdfKey = document.Pdf is { } pdf ? await _blobs.PutAsync(NonEmpty(pdf), cancellationToken).ConfigureAwait(false) : null;

        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);

        var previous = await Sql.QueryAsync(connection, tx, "SELECT request_hash, document_id FROM idempotency_keys WHERE key = @k",
            r => (Hash: r.GetString(0), DocumentId: r.GetString(1)), cancellationToken, ("k", key)).ConfigureAwait(false);
        if (previous.Count == 1)
        {
            if (!string.Equals(previous[0].Hash, hash, StringComparison.Ordinal))
                throw new IdempotencyConflictException($"idempotency key '{key}' was already used with a different request");
            var existing = await ReadAsync(connection, tx, Guid.Parse(previous[0].DocumentId), cancellationToken).ConfigureAwait(false)
                ?? throw new StorageException($"idempotency key '{key}' points to a missing document");
            return new CreateResult(existing, Created: false);
        }

        var taken = await Sql.ScalarAsync(connection, tx, "SELECT 1 FROM documents WHERE verification_code = @c", cancellationToken, ("c", code)).ConfigureAwait(false);
        if (taken != null) throw new DuplicateVerificationCodeException($"verification code {code} is already used by another document");

        if (pdfKey != null) await EnsureBlobAsync(pdfKey, document.Pdf!, cancellationToken).ConfigureAwait(false);
        var now = Now();
        var record = new DocumentRecord
        {
            Id = Guid.NewGuid(),
            VerificationCode = code,
            DossierCode = dossier,
            Template = template,
            Status = DocumentStatus.Draft,
            PdfSha256 = pdfKey,
            CreatedUtc = now,
            UpdatedUtc = now,
            Version = 1,
        };

        try
        {
            await Sql.ExecuteAsync(connection, tx,
                $"INSERT INTO documents ({Columns}) VALUES (@id, @code, @dossier, @template, @status, NULL, NULL, NULL, NULL, @pdf, @now, @now, NULL, NULL, NULL, 1)",
                cancellationToken, ("id", Id(record.Id)), ("code", code), ("dossier", dossier), ("template", template),
                ("status", record.Status.ToName()), ("pdf", pdfKey), ("now", Micros(now))).ConfigureAwait(false);
        }
        catch (DbException ex) when (_db.IsUniqueViolation(ex))
        {
            throw new DuplicateVerificationCodeException($"verification code {code} is already used by another document", ex);
        }

        await Sql.ExecuteAsync(connection, tx, "INSERT INTO idempotency_keys (key, request_hash, document_id, created_at_us) VALUES (@k, @h, @id, @now)",
            cancellationToken, ("k", key), ("h", hash), ("id", Id(record.Id)), ("now", Micros(now))).ConfigureAwait(false);
        if (pdfKey != null) await InsertPdfVersionAsync(connection, tx, record, cancellationToken).ConfigureAwait(false);
        if (document.FactsJson is { } facts) await InsertFactsAsync(connection, tx, record.Id, facts, cancellationToken).ConfigureAwait(false);

        var details = Details(w =>
        {
            w.WriteString("verification_code", code);
            w.WriteString("dossier_code", dossier);
            w.WriteString("template", template);
            w.WriteString("status", record.Status.ToName());
            w.WriteNumber("version", record.Version);
            if (pdfKey != null) w.WriteString("pdf_sha256", pdfKey);
        }, null);
        var created = await AppendAuditAsync(connection, tx, head, now, actor, "create", record.Id, details, cancellationToken).ConfigureAwait(false);
        await SqlWebhookStore.AppendEventAsync(connection, tx, created.Seq, "create", record, now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CreateResult(record, Created: true);
    }

    // ---------------------------------------------------------------- reads

    public async Task<DocumentRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetFactsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (string?)await Sql.ScalarAsync(connection, null, "SELECT facts FROM document_facts WHERE document_id = @id", cancellationToken, ("id", Id(id))).ConfigureAwait(false);
    }

    public async Task<DocumentRecord?> GetByCodeAsync(string verificationCode, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(verificationCode)) return null;
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, null, $"SELECT {Columns} FROM documents WHERE verification_code = @c", Map, cancellationToken,
            ("c", verificationCode.Trim())).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<DocumentPage> ListAsync(DocumentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit < 1 || query.Limit > DocumentQuery.MaxLimit)
            throw new SigningException($"page size must be between 1 and {DocumentQuery.MaxLimit}, not {query.Limit}");
        if (query.Offset < 0) throw new SigningException($"page offset must not be negative, not {query.Offset}");

        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Status is { } status)
        {
            where.Add("status = @status");
            parameters.Add(("status", status.ToName()));
        }

        if (query.SignerId is { Length: > 0 } signer)
        {
            where.Add("signer_id = @signer");
            parameters.Add(("signer", signer));
        }

        if (query.DossierCode is { Length: > 0 } dossier)
        {
            where.Add("dossier_code = @dossier");
            parameters.Add(("dossier", dossier));
        }

        if (query.Template is { Length: > 0 } template)
        {
            where.Add("template = @template");
            parameters.Add(("template", template));
        }

        if (query.CreatedFrom is { } from)
        {
            where.Add("created_at_us >= @from");
            parameters.Add(("from", Micros(from)));
        }

        if (query.CreatedBefore is { } before)
        {
            where.Add("created_at_us < @before");
            parameters.Add(("before", Micros(before)));
        }

        var filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for count and page (a read transaction on both engines).
        await using var tx = await _db.BeginSnapshotReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var countSql = query.CountLimit is { } cap
            ? $"SELECT COUNT(*) FROM (SELECT 1 FROM documents{filter} LIMIT {Math.Max(1, cap).ToString(CultureInfo.InvariantCulture)}) AS capped"
            : "SELECT COUNT(*) FROM documents" + filter;
        var total = Convert.ToInt64(await Sql.ScalarAsync(connection, tx, countSql, cancellationToken, [.. parameters]).ConfigureAwait(false),
            CultureInfo.InvariantCulture);
        parameters.Add(("limit", (long)query.Limit));
        parameters.Add(("offset", (long)query.Offset));
        var items = await Sql.QueryAsync(connection, tx,
            $"SELECT {Columns} FROM documents{filter} ORDER BY created_at_us DESC, id DESC LIMIT @limit OFFSET @offset",
            Map, cancellationToken, [.. parameters]).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new DocumentPage(items, total, query.Offset, query.Limit) { TotalIsLowerBound = query.CountLimit is { } limit && total >= limit };
    }

    public async Task<IReadOnlyList<AuditRecord>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, null,
            "SELECT seq, time_us, actor, action, document_id, details, prev_hash, hash FROM audit_log WHERE document_id = @id ORDER BY seq",
            SqlAuditLog.MapAudit, cancellationToken, ("id", Id(id))).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DocumentPdfVersion>> GetPdfVersionsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, null,
            "SELECT document_id, version, pdf_sha256, status, created_at_us FROM document_pdfs WHERE document_id = @id ORDER BY version",
            r => new DocumentPdfVersion(Guid.Parse(r.GetString(0)), Long(r, 1), r.GetString(2), DocumentStatusNames.Parse(r.GetString(3)), Time(Long(r, 4))),
            cancellationToken, ("id", Id(id))).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- transitions

    public Task<DocumentRecord> TransitionAsync(Guid id, long expectedVersion, DocumentTransition transition, string actor,
        IReadOnlyDictionary<string, string>? details = null, byte[]? newPdf = null, CancellationToken cancellationToken = default) =>
        TransitionWithAsync(id, expectedVersion, transition, actor, details, newPdf, null, cancellationToken);

    /// <summary>
    /// One transition in one write transaction; <paramref name="alsoInTransaction"/> writes its own
    /// rows before the audit record (a completed prepared request), so both commit or neither does.
    /// </summary>
    private async Task<DocumentRecord> TransitionWithAsync(Guid id, long expectedVersion, DocumentTransition transition, string actor,
        IReadOnlyDictionary<string, string>? details, byte[]? newPdf, Func<DbConnection, DbTransaction, DateTimeOffset, Task>? alsoInTransaction,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transition);
        actor = Text(actor, "actor", 200);
        if (transition.Target == DocumentStatus.Superseded)
            throw new IllegalTransitionException("a document is superseded only together with its replacement: use the supersede operation");

        var pdfKey = newPdf is { } pdf ? await _blobs.PutAsync(NonEmpty(pdf), cancellationToken).ConfigureAwait(false) : null;

        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(connection, tx, id, cancellationToken).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException($"no document with id {id}");
        CheckVersion(current, expectedVersion);
        var now = Now();
        var next = Lifecycle.Apply(current, transition, now);
        if (pdfKey != null)
        {
            await EnsureBlobAsync(pdfKey, newPdf!, cancellationToken).ConfigureAwait(false);
            next = next with { PdfSha256 = pdfKey };
        }

        await UpdateAsync(connection, tx, next, current.Version, cancellationToken).ConfigureAwait(false);
        if (pdfKey != null) await InsertPdfVersionAsync(connection, tx, next, cancellationToken).ConfigureAwait(false);
        if (alsoInTransaction != null) await alsoInTransaction(connection, tx, now).ConfigureAwait(false);
        var json = Details(w =>
        {
            w.WriteString("from", current.Status.ToName());
            w.WriteString("to", next.Status.ToName());
            w.WriteNumber("version", next.Version);
            if (transition.SignerId != null) w.WriteString("signer", transition.SignerId);
            if (transition.Reason != null) w.WriteString("reason", transition.Reason);
            if (transition.Target == DocumentStatus.Failed) w.WriteBoolean("retryable", transition.Retryable);
            if (pdfKey != null) w.WriteString("pdf_sha256", pdfKey);
        }, details);
        var appended = await AppendAuditAsync(connection, tx, head, now, actor, transition.Action, id, json, cancellationToken).ConfigureAwait(false);
        await SqlWebhookStore.AppendEventAsync(connection, tx, appended.Seq, transition.Action, next, now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return next;
    }

    public async Task<SupersedeResult> SupersedeAsync(Guid oldId, long oldExpectedVersion, Guid replacementId, string reason, string actor, CancellationToken cancellationToken = default)
    {
        actor = Text(actor, "actor", 200);
        var transition = DocumentTransition.Supersede(reason);
        if (oldId == replacementId) throw new IllegalTransitionException("a document cannot supersede itself");

        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var old = await ReadAsync(connection, tx, oldId, cancellationToken).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException($"no document with id {oldId}");
        var replacement = await ReadAsync(connection, tx, replacementId, cancellationToken).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException($"no replacement document with id {replacementId}");
        CheckVersion(old, oldExpectedVersion);
        if (replacement.Status != DocumentStatus.Issued)
            throw new IllegalTransitionException($"the replacement {replacement.VerificationCode} is {replacement.Status.ToName()}; only an issued result can replace another");
        if (replacement.Replaces is { } already)
            throw new IllegalTransitionException($"the replacement {replacement.VerificationCode} already replaces document {already}");

        var now = Now();
        var superseded = Lifecycle.Apply(old, transition, now) with { ReplacedBy = replacementId };
        var linked = replacement with { Replaces = oldId, Version = replacement.Version + 1, UpdatedUtc = now };
        await UpdateAsync(connection, tx, superseded, old.Version, cancellationToken).ConfigureAwait(false);
        await UpdateAsync(connection, tx, linked, replacement.Version, cancellationToken).ConfigureAwait(false);

        head = await AppendAuditAsync(connection, tx, head, now, actor, "supersede", oldId, Details(w =>
        {
            w.WriteString("from", old.Status.ToName());
            w.WriteString("to", superseded.Status.ToName());
            w.WriteNumber("version", superseded.Version);
            w.WriteString("reason", transition.Reason);
            w.WriteString("replaced_by", Id(replacementId));
        }, null), cancellationToken).ConfigureAwait(false);
        await SqlWebhookStore.AppendEventAsync(connection, tx, head.Seq, "supersede", superseded, now, cancellationToken).ConfigureAwait(false);
        await AppendAuditAsync(connection, tx, head, now, actor, "link_replaces", replacementId, Details(w =>
        {
            w.WriteNumber("version", linked.Version);
            w.WriteString("replaces", Id(oldId));
        }, null), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SupersedeResult(superseded, linked);
    }

    // ---------------------------------------------------------------- blobs

    public async Task<int> CleanupOrphanBlobsAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        if (olderThan < TimeSpan.Zero) throw new SigningException("the orphan age must not be negative");
        var cutoff = _time.GetUtcNow() - olderThan;
        if (_blobs is FileBlobStore files) files.DeleteStaleTempFiles(cutoff);

        var candidates = new List<string>();
        await foreach (var key in _blobs.ListAsync(cutoff, cancellationToken).ConfigureAwait(false)) candidates.Add(key);
        if (candidates.Count == 0) return 0;

        // Under the write lock: a writer either committed its row before (we see the reference)
        // or re-checks its blob after us (EnsureBlobAsync) and writes it again.
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var referenced = (await Sql.QueryAsync(connection, tx,
            "SELECT pdf_sha256 FROM documents WHERE pdf_sha256 IS NOT NULL UNION SELECT pdf_sha256 FROM document_pdfs UNION SELECT pdf_sha256 FROM counter_forms",
            r => r.GetString(0), cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var deleted = 0;
        foreach (var key in candidates.Where(k => !referenced.Contains(k)))
        {
            if (await _blobs.DeleteAsync(key, cancellationToken).ConfigureAwait(false)) deleted++;
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Inside the write lock: the blob put before the transaction must still be there.</summary>
    private async Task EnsureBlobAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (!await _blobs.ExistsAsync(key, cancellationToken).ConfigureAwait(false))
            await _blobs.PutAsync(content, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- audit log (appends; reads are in SqlAuditLog)

    private async Task<AuditHead> LockHeadAsync(DbConnection connection, DbTransaction tx, CancellationToken cancellationToken) =>
        await SqlAuditLog.ReadHeadAsync(connection, tx, _db.SelectHeadForUpdateSql, cancellationToken).ConfigureAwait(false);

    internal static async Task<AuditHead> AppendAuditAsync(DbConnection connection, DbTransaction tx, AuditHead head, DateTimeOffset time, string actor,
        string action, Guid? documentId, string detailsJson, CancellationToken cancellationToken)
    {
        var seq = head.Seq + 1;
        var hash = AuditChain.ComputeHash(seq, time, actor, action, documentId, detailsJson, head.Hash);
        await Sql.ExecuteAsync(connection, tx,
            "INSERT INTO audit_log (seq, time_us, actor, action, document_id, details, prev_hash, hash) VALUES (@seq, @t, @actor, @action, @doc, @details, @prev, @hash)",
            cancellationToken, ("seq", seq), ("t", Micros(time)), ("actor", actor), ("action", action),
            ("doc", documentId is { } d ? Id(d) : null), ("details", detailsJson), ("prev", head.Hash), ("hash", hash)).ConfigureAwait(false);
        var moved = await Sql.ExecuteAsync(connection, tx, "UPDATE audit_head SET seq = @seq, hash = @hash WHERE id = 1 AND seq = @prev",
            cancellationToken, ("seq", seq), ("hash", hash), ("prev", head.Seq)).ConfigureAwait(false);
        if (moved != 1) throw new StorageException("the audit chain head moved during a locked append: the database was altered outside the service");
        return new AuditHead(seq, hash);
    }

    // ---------------------------------------------------------------- rows

    private static async Task<DocumentRecord?> ReadAsync(DbConnection connection, DbTransaction? tx, Guid id, CancellationToken cancellationToken)
    {
        var rows = await Sql.QueryAsync(connection, tx, $"SELECT {Columns} FROM documents WHERE id = @id", Map, cancellationToken, ("id", Id(id))).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task UpdateAsync(DbConnection connection, DbTransaction tx, DocumentRecord next, long previousVersion, CancellationToken cancellationToken)
    {
        var changed = await Sql.ExecuteAsync(connection, tx,
            "UPDATE documents SET status = @status, signer_id = @signer, failure_reason = @fr, failure_retryable = @frt, failed_from = @ff, " +
            "pdf_sha256 = @pdf, updated_at_us = @updated, end_reason = @end, replaced_by = @rb, replaces = @rp, version = @version " +
            "WHERE id = @id AND version = @previous",
            cancellationToken,
            ("status", next.Status.ToName()), ("signer", next.SignerId), ("fr", next.Failure?.Reason),
            ("frt", next.Failure is { } f ? (f.Retryable ? 1L : 0L) : null), ("ff", next.Failure?.FailedFrom.ToName()),
            ("pdf", next.PdfSha256), ("updated", Micros(next.UpdatedUtc)), ("end", next.EndReason),
            ("rb", next.ReplacedBy is { } rb ? Id(rb) : null), ("rp", next.Replaces is { } rp ? Id(rp) : null),
            ("version", next.Version), ("id", Id(next.Id)), ("previous", previousVersion)).ConfigureAwait(false);
        if (changed != 1)
            throw new ConcurrencyConflictException($"document {next.VerificationCode} was changed by someone else (expected version {previousVersion}); reload and retry");
    }

    private static Task InsertPdfVersionAsync(DbConnection connection, DbTransaction tx, DocumentRecord record, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, tx, "INSERT INTO document_pdfs (document_id, version, pdf_sha256, status, created_at_us) VALUES (@id, @v, @sha, @status, @t)",
            cancellationToken, ("id", Id(record.Id)), ("v", record.Version), ("sha", record.PdfSha256), ("status", record.Status.ToName()), ("t", Micros(record.UpdatedUtc)));

    private static void CheckVersion(DocumentRecord current, long expectedVersion)
    {
        if (current.Version != expectedVersion)
            throw new ConcurrencyConflictException(
                $"document {current.VerificationCode} is at version {current.Version}, not {expectedVersion}: it was changed by someone else; reload and retry");
    }

    private static DocumentRecord Map(DbDataReader r)
    {
        var status = DocumentStatusNames.Parse(r.GetString(4));
        DocumentFailure? failure = null;
        if (!r.IsDBNull(6))
            failure = new DocumentFailure(r.GetString(6), Long(r, 7) == 1, DocumentStatusNames.Parse(r.GetString(8)));
        return new DocumentRecord
        {
            Id = Guid.Parse(r.GetString(0)),
            VerificationCode = r.GetString(1),
            DossierCode = r.GetString(2),
            Template = r.GetString(3),
            Status = status,
            SignerId = Nullable(r, 5),
            Failure = failure,
            PdfSha256 = Nullable(r, 9),
            CreatedUtc = Time(Long(r, 10)),
            UpdatedUtc = Time(Long(r, 11)),
            EndReason = Nullable(r, 12),
            ReplacedBy = Nullable(r, 13) is { } rb ? Guid.Parse(rb) : null,
            Replaces = Nullable(r, 14) is { } rp ? Guid.Parse(rp) : null,
            Version = Long(r, 15),
        };
    }

    // ---------------------------------------------------------------- helpers

    private DateTimeOffset Now() => AuditChain.ToStoredPrecision(_time.GetUtcNow());

    private static long Micros(DateTimeOffset time) => AuditChain.ToUnixMicroseconds(time);

    internal static DateTimeOffset Time(long micros) => AuditChain.FromUnixMicroseconds(micros);

    private static string Id(Guid id) => id.ToString("D");

    internal static long Long(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

    internal static string? Nullable(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>Audit details: the store's own fields, then the caller's under "details", keys sorted.</summary>
    internal static string Details(Action<Utf8JsonWriter> write, IReadOnlyDictionary<string, string>? extra)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            if (extra is { Count: > 0 })
            {
                writer.WriteStartObject("details");
                foreach (var (key, value) in extra.OrderBy(p => p.Key, StringComparer.Ordinal)) writer.WriteString(key, value);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static byte[] NonEmpty(byte[] pdf) =>
        pdf.Length == 0 ? throw new SigningException("the PDF is empty") : pdf;

    internal static string Text(string? value, string what, int maxLength, bool singleToken = false)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new SigningException($"{what} is required");
        var trimmed = value.Trim();
        if (trimmed.Length > maxLength) throw new SigningException($"{what} is longer than {maxLength} characters");
        if (trimmed.Any(char.IsControl)) throw new SigningException($"{what} contains control characters");
        if (singleToken && trimmed.Any(char.IsWhiteSpace)) throw new SigningException($"{what} must not contain spaces");
        return trimmed;
    }
}
