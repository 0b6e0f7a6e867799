using System.Data.Common;
using Signing.Core;
using Signing.Core.CounterForms;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>
/// Counter forms on either engine, written the way <see cref="SqlDocumentStore"/> writes documents:
/// the PDF durable in the blob store first, then one write transaction under the audit-chain lock
/// with the row, the idempotency check and one audit record.
/// </summary>
internal sealed class SqlCounterFormStore : ICounterFormRegistry
{
    private const string Columns = "id, kind, dossier_code, number, applicant_name, due_at_us, pdf_sha256, actor, created_at_us, request_json";

    private readonly SqlDatabase _db;
    private readonly IBlobStore _blobs;
    private readonly TimeProvider _time;

    public SqlCounterFormStore(SqlDatabase db, IBlobStore blobs, TimeProvider time)
    {
        _db = db;
        _blobs = blobs;
        _time = time;
    }

    public async Task<(CounterFormRecord Form, bool Created)> IssueAsync(NewCounterForm form, string idempotencyKey, string requestHash, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!CounterFormKinds.All.Contains(form.Kind)) throw new SigningException($"unknown counter form kind {(int)form.Kind}");
        var dossier = SqlDocumentStore.Text(form.DossierCode, "dossier code", 100);
        var number = SqlDocumentStore.Text(form.Number, "form number", 60);
        var applicant = SqlDocumentStore.Text(form.ApplicantName, "applicant name", 200);
        var key = SqlDocumentStore.Text(idempotencyKey, "idempotency key", 200);
        var hash = SqlDocumentStore.Text(requestHash, "request hash", 128, singleToken: true);
        actor = SqlDocumentStore.Text(actor, "actor", 200);
        if (form.Pdf is not { Length: > 0 }) throw new SigningException("the form's PDF is empty");
        if (string.IsNullOrWhiteSpace(form.RequestJson)) throw new SigningException("the form's request is empty");
        var pdfKey = await _blobs.PutAsync(form.Pdf, cancellationToken).ConfigureAwait(false);

        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await SqlAuditLog.ReadHeadAsync(connection, tx, _db.SelectHeadForUpdateSql, cancellationToken).ConfigureAwait(false);
        var previous = await Sql.QueryAsync(connection, tx, $"SELECT request_hash, {Columns} FROM counter_forms WHERE idempotency_key = @k",
            r => (Hash: r.GetString(0), Form: Map(r, 1)), cancellationToken, ("k", key)).ConfigureAwait(false);
        if (previous.Count == 1)
        {
            if (!string.Equals(previous[0].Hash, hash, StringComparison.Ordinal))
                throw new IdempotencyConflictException($"idempotency key '{key}' was already used with a different form");
            return (previous[0].Form, false);
        }

        if (!await _blobs.ExistsAsync(pdfKey, cancellationToken).ConfigureAwait(false)) await _blobs.PutAsync(form.Pdf, cancellationToken).ConfigureAwait(false);
        var now = AuditChain.ToStoredPrecision(_time.GetUtcNow());
        var record = new CounterFormRecord
        {
            Id = Guid.NewGuid(),
            Kind = form.Kind,
            DossierCode = dossier,
            Number = number,
            ApplicantName = applicant,
            DueUtc = form.DueUtc is { } due ? AuditChain.ToStoredPrecision(due) : null,
            PdfSha256 = pdfKey,
            Actor = actor,
            CreatedUtc = now,
            RequestJson = form.RequestJson,
        };
        await Sql.ExecuteAsync(connection, tx,
            $"INSERT INTO counter_forms ({Columns}, idempotency_key, request_hash) VALUES (@id, @kind, @dossier, @number, @applicant, @due, @pdf, @actor, @now, @json, @k, @h)",
            cancellationToken, ("id", record.Id.ToString("D")), ("kind", (long)record.Kind), ("dossier", dossier), ("number", number), ("applicant", applicant),
            ("due", record.DueUtc is { } d ? AuditChain.ToUnixMicroseconds(d) : null), ("pdf", pdfKey), ("actor", actor),
            ("now", AuditChain.ToUnixMicroseconds(now)), ("json", form.RequestJson), ("k", key), ("h", hash)).ConfigureAwait(false);
        // Ids, codes and hashes only: the applicant's name stays out of the audit log (Decree 13/2023).
        var details = SqlDocumentStore.Details(w =>
        {
            w.WriteString("form_id", record.Id.ToString("D"));
            w.WriteString("form", "mau-" + record.Kind.Number());
            w.WriteString("dossier_code", dossier);
            w.WriteString("number", number);
            if (record.DueUtc is { } due) w.WriteString("due", due.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("pdf_sha256", pdfKey);
        }, null);
        await SqlDocumentStore.AppendAuditAsync(connection, tx, head, now, actor, "issue_counter_form", null, details, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (record, true);
    }

    public async Task<CounterFormRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, null, $"SELECT {Columns} FROM counter_forms WHERE id = @id", r => Map(r, 0), cancellationToken,
            ("id", id.ToString("D"))).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<CounterFormRecord>> ListByDossierAsync(string dossierCode, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(dossierCode)) return [];
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, null, $"SELECT {Columns} FROM counter_forms WHERE dossier_code = @d ORDER BY created_at_us, id LIMIT 500",
            r => Map(r, 0), cancellationToken, ("d", dossierCode.Trim())).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<LateDossier>> ListLateAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 500) throw new SigningException($"page size must be between 1 and 500, not {limit}");
        // The latest receipt, refusal or apology of each dossier decides: a refusal ends the promise,
        // an apology replaces it with the new date.
        var sql = $"""
            WITH latest AS (
                SELECT {Columns}, ROW_NUMBER() OVER (PARTITION BY dossier_code ORDER BY created_at_us DESC, id DESC) AS rn
                FROM counter_forms WHERE kind IN (1, 3, 4))
            SELECT {Columns} FROM latest
            WHERE rn = 1 AND kind IN (1, 4) AND due_at_us < @now
              AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.dossier_code = latest.dossier_code AND d.status IN ('issued', 'revoked', 'superseded'))
            ORDER BY due_at_us, dossier_code LIMIT @limit
            """;
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var forms = await Sql.QueryAsync(connection, null, sql, r => Map(r, 0), cancellationToken,
            ("now", AuditChain.ToUnixMicroseconds(now)), ("limit", (long)limit)).ConfigureAwait(false);
        return forms.Select(f => new LateDossier(f.DossierCode, f.ApplicantName, f.DueUtc!.Value, f)).ToList();
    }

    private static CounterFormRecord Map(DbDataReader r, int o) => new()
    {
        Id = Guid.Parse(r.GetString(o)),
        Kind = (CounterFormKind)SqlDocumentStore.Long(r, o + 1),
        DossierCode = r.GetString(o + 2),
        Number = r.GetString(o + 3),
        ApplicantName = r.GetString(o + 4),
        DueUtc = r.IsDBNull(o + 5) ? null : SqlDocumentStore.Time(SqlDocumentStore.Long(r, o + 5)),
        PdfSha256 = r.GetString(o + 6),
        Actor = r.GetString(o + 7),
        CreatedUtc = SqlDocumentStore.Time(SqlDocumentStore.Long(r, o + 8)),
        RequestJson = r.GetString(o + 9),
    };
}
