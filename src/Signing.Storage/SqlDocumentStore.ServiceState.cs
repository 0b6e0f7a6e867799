using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Signing.Core;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>
/// The service's own state (head enrolments, prepared head signatures, the import of the old
/// files) and the document locks, written like documents: one write transaction under the
/// audit-chain lock, with the audit record.
/// </summary>
internal sealed partial class SqlDocumentStore
{
    private const string HeadColumns = "head_id, name, certificate, chain, certificate_sha256, enrolled_at_us";
    private const string RequestColumns = "request_id, document_id, document_version, head_id, certificate_sha256, expires_at_us, completed_at_us, payload";

    // ---------------------------------------------------------------- facts

    private static Task InsertFactsAsync(DbConnection connection, DbTransaction tx, Guid documentId, string facts, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, tx, "INSERT INTO document_facts (document_id, facts) VALUES (@id, @facts)", cancellationToken,
            ("id", Id(documentId)), ("facts", Payload(facts, "document facts")));

    // ---------------------------------------------------------------- heads

    async Task<HeadEnrollment?> IHeadRegistry.GetAsync(string headId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(headId)) return null;
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, null, $"SELECT {HeadColumns} FROM head_enrollments WHERE head_id = @h", MapHead, cancellationToken,
            ("h", headId.Trim())).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    async Task<IReadOnlyList<HeadEnrollment>> IHeadRegistry.ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, null, $"SELECT {HeadColumns} FROM head_enrollments", MapHead, cancellationToken).ConfigureAwait(false);
        return rows.OrderBy(h => h.Name, StringComparer.Ordinal).ThenBy(h => h.HeadId, StringComparer.Ordinal).ToList();
    }

    public async Task EnrollAsync(HeadEnrollment enrollment, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(enrollment);
        var headId = Text(enrollment.HeadId, "head id", 200, singleToken: true);
        var name = Text(enrollment.Name, "head name", 400);
        var sha = Text(enrollment.CertificateSha256, "certificate SHA-256", 128, singleToken: true);
        if (enrollment.Certificate is not { Length: > 0 }) throw new SigningException("the head's certificate is empty");
        actor = Text(actor, "actor", 200);

        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var previous = await Sql.QueryAsync(connection, tx, $"SELECT {HeadColumns} FROM head_enrollments WHERE head_id = @h", MapHead, cancellationToken,
            ("h", headId)).ConfigureAwait(false);
        if (previous.Count == 1 && previous[0].CertificateSha256 == sha && previous[0].Name == name) return; // a repeated enrolment

        var now = Now();
        await UpsertHeadAsync(connection, tx, enrollment with { HeadId = headId, Name = name, CertificateSha256 = sha }, replace: true, cancellationToken).ConfigureAwait(false);
        await AppendAuditAsync(connection, tx, head, now, actor, "enrol_head", null, Details(w =>
        {
            w.WriteString("head_id", headId);
            w.WriteString("name", name);
            w.WriteString("certificate_sha256", sha);
            if (previous.Count == 1) w.WriteString("previous_certificate_sha256", previous[0].CertificateSha256);
        }, null), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts the head's row; <paramref name="replace"/> overwrites an existing one, else it is kept. True when a row was written.</summary>
    private static async Task<bool> UpsertHeadAsync(DbConnection connection, DbTransaction tx, HeadEnrollment e, bool replace, CancellationToken cancellationToken)
    {
        var onConflict = replace
            ? "ON CONFLICT (head_id) DO UPDATE SET name = excluded.name, certificate = excluded.certificate, chain = excluded.chain, " +
              "certificate_sha256 = excluded.certificate_sha256, enrolled_at_us = excluded.enrolled_at_us"
            : "ON CONFLICT (head_id) DO NOTHING";
        var written = await Sql.ExecuteAsync(connection, tx,
            $"INSERT INTO head_enrollments ({HeadColumns}) VALUES (@h, @n, @c, @chain, @sha, @t) {onConflict}", cancellationToken,
            ("h", e.HeadId), ("n", e.Name), ("c", e.Certificate), ("chain", JsonSerializer.Serialize(e.Chain.Select(Convert.ToBase64String).ToArray())),
            ("sha", e.CertificateSha256), ("t", Micros(e.EnrolledUtc))).ConfigureAwait(false);
        return written == 1;
    }

    private static HeadEnrollment MapHead(DbDataReader r) => new()
    {
        HeadId = r.GetString(0),
        Name = r.GetString(1),
        Certificate = (byte[])r.GetValue(2),
        Chain = (JsonSerializer.Deserialize<string[]>(r.GetString(3)) ?? []).Select(Convert.FromBase64String).ToArray(),
        CertificateSha256 = r.GetString(4),
        EnrolledUtc = Time(Long(r, 5)),
    };

    // ---------------------------------------------------------------- prepared requests

    public async Task SaveAsync(PreparedRequestRecord request, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.CompletedUtc != null) throw new SigningException("a new prepared request cannot be completed already");
        actor = Text(actor, "actor", 200);

        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var document = await ReadAsync(connection, tx, request.DocumentId, cancellationToken).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException($"no document with id {request.DocumentId}");
        CheckVersion(document, request.DocumentVersion);
        if (document.Status != DocumentStatus.AwaitingSignature || !string.Equals(document.SignerId, request.HeadId, StringComparison.Ordinal))
            throw new ConcurrencyConflictException($"document {document.VerificationCode} is {document.Status.ToName()} for {document.SignerId ?? "no one"}, not awaiting the signature of {request.HeadId}");

        await InsertRequestAsync(connection, tx, request, cancellationToken).ConfigureAwait(false);
        await AppendAuditAsync(connection, tx, head, Now(), actor, "prepare_signature", null, Details(w =>
        {
            w.WriteString("document_id", Id(request.DocumentId));
            w.WriteNumber("version", request.DocumentVersion);
            w.WriteString("request_id", Id(request.RequestId));
            w.WriteString("head_id", request.HeadId);
            w.WriteString("certificate_sha256", request.CertificateSha256);
            w.WriteString("expires", request.ExpiresUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        }, null), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> InsertRequestAsync(DbConnection connection, DbTransaction tx, PreparedRequestRecord r, CancellationToken cancellationToken) =>
        await Sql.ExecuteAsync(connection, tx,
            $"INSERT INTO prepared_requests ({RequestColumns}) VALUES (@r, @d, @v, @h, @sha, @exp, @done, @payload) ON CONFLICT (request_id) DO NOTHING",
            cancellationToken, ("r", Id(r.RequestId)), ("d", Id(r.DocumentId)), ("v", r.DocumentVersion), ("h", Text(r.HeadId, "head id", 200, singleToken: true)),
            ("sha", Text(r.CertificateSha256, "certificate SHA-256", 128, singleToken: true)), ("exp", Micros(r.ExpiresUtc)),
            ("done", r.CompletedUtc is { } c ? Micros(c) : null), ("payload", Payload(r.Payload, "prepared request"))).ConfigureAwait(false) == 1;

    async Task<PreparedRequestRecord?> IPreparedRequestRegistry.GetAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, null, $"SELECT {RequestColumns} FROM prepared_requests WHERE request_id = @r", MapRequest, cancellationToken,
            ("r", Id(requestId))).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<DocumentRecord> CompleteAsync(Guid requestId, string actor, IReadOnlyDictionary<string, string>? details, byte[] signedPdf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signedPdf);
        var request = await ((IPreparedRequestRegistry)this).GetAsync(requestId, cancellationToken).ConfigureAwait(false)
            ?? throw new SigningException($"no prepared request {requestId}");
        // The document's version decides, under the write lock: a second completion of this request
        // (or of another one prepared on the same version) finds the document moved on.
        return await TransitionWithAsync(request.DocumentId, request.DocumentVersion, DocumentTransition.MarkSigned(), actor, details, signedPdf,
            async (connection, tx, now) =>
            {
                var marked = await Sql.ExecuteAsync(connection, tx,
                    "UPDATE prepared_requests SET completed_at_us = @now WHERE request_id = @r AND completed_at_us IS NULL", cancellationToken,
                    ("now", Micros(now)), ("r", Id(requestId))).ConfigureAwait(false);
                if (marked != 1) throw new ConcurrencyConflictException($"prepared request {requestId} was already completed");
            }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> RemoveSettledBeforeAsync(DateTimeOffset settledBeforeUtc, string actor, CancellationToken cancellationToken = default)
    {
        actor = Text(actor, "actor", 200);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        var removed = await Sql.ExecuteAsync(connection, tx,
            "DELETE FROM prepared_requests WHERE expires_at_us < @cut OR completed_at_us < @cut", cancellationToken,
            ("cut", Micros(settledBeforeUtc))).ConfigureAwait(false);
        if (removed == 0) return 0;
        await AppendAuditAsync(connection, tx, head, Now(), actor, "sweep_prepared_requests", null, Details(w =>
        {
            w.WriteNumber("removed", removed);
            w.WriteString("settled_before", settledBeforeUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        }, null), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return removed;
    }

    private static PreparedRequestRecord MapRequest(DbDataReader r) => new()
    {
        RequestId = Guid.Parse(r.GetString(0)),
        DocumentId = Guid.Parse(r.GetString(1)),
        DocumentVersion = Long(r, 2),
        HeadId = r.GetString(3),
        CertificateSha256 = r.GetString(4),
        ExpiresUtc = Time(Long(r, 5)),
        CompletedUtc = r.IsDBNull(6) ? null : Time(Long(r, 6)),
        Payload = r.GetString(7),
    };

    // ---------------------------------------------------------------- the old files

    public async Task<ServiceStateImportResult> ImportAsync(ServiceStateImport import, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(import);
        actor = Text(actor, "actor", 200);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await _db.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var head = await LockHeadAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        int facts = 0, heads = 0, requests = 0, skipped = 0;
        foreach (var (code, json) in import.FactsByCode)
        {
            var id = (string?)await Sql.ScalarAsync(connection, tx, "SELECT id FROM documents WHERE verification_code = @c", cancellationToken, ("c", code)).ConfigureAwait(false);
            if (id == null)
            {
                skipped++; // the facts of a create that never committed
                continue;
            }
            facts += await Sql.ExecuteAsync(connection, tx, "INSERT INTO document_facts (document_id, facts) VALUES (@id, @facts) ON CONFLICT (document_id) DO NOTHING",
                cancellationToken, ("id", id), ("facts", Payload(json, "document facts"))).ConfigureAwait(false);
        }

        foreach (var h in import.Heads)
        {
            if (await UpsertHeadAsync(connection, tx, h, replace: false, cancellationToken).ConfigureAwait(false)) heads++;
        }

        foreach (var r in import.PreparedRequests)
        {
            if (await ReadAsync(connection, tx, r.DocumentId, cancellationToken).ConfigureAwait(false) == null)
            {
                skipped++;
                continue;
            }
            if (await InsertRequestAsync(connection, tx, r, cancellationToken).ConfigureAwait(false)) requests++;
        }

        var result = new ServiceStateImportResult(facts, heads, requests, skipped);
        if (facts + heads + requests == 0) return result; // already imported: nothing changes, nothing to audit
        await AppendAuditAsync(connection, tx, head, Now(), actor, "import_state_files", null, Details(w =>
        {
            w.WriteNumber("facts", facts);
            w.WriteNumber("heads", heads);
            w.WriteNumber("prepared_requests", requests);
            w.WriteNumber("skipped", skipped);
        }, null), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>The caller's JSON, stored as given (it may span lines); only an empty one is refused.</summary>
    private static string Payload(string? json, string what) =>
        string.IsNullOrWhiteSpace(json) ? throw new SigningException($"nothing to store as {what}") : json;

    // ---------------------------------------------------------------- locks

    public Task<IAsyncDisposable> AcquireAsync(Guid documentId, CancellationToken cancellationToken = default) =>
        _db.LockDocumentAsync(documentId, cancellationToken);
}
