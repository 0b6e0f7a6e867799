namespace Signing.Core.Documents;

/// <summary>A department head's enrolled signing certificate (from their USB token) and its chain.</summary>
public sealed record HeadEnrollment
{
    /// <summary>The head's id: SHA-256 thumbprint of their staff client certificate (the principal's NameIdentifier).</summary>
    public required string HeadId { get; init; }
    public required string Name { get; init; }
#pragma warning disable CA1819 // DER bytes handed to the certificate loader; records are snapshots.
    /// <summary>DER of the signing certificate.</summary>
    public required byte[] Certificate { get; init; }
    /// <summary>DER of the CA certificates up to the anchor (embedded in each CMS).</summary>
    public required byte[][] Chain { get; init; }
#pragma warning restore CA1819
    public required string CertificateSha256 { get; init; }
    public required DateTimeOffset EnrolledUtc { get; init; }
}

/// <summary>The enrolled department heads, kept in the registry.</summary>
public interface IHeadRegistry
{
    /// <summary>Null when the head has not enrolled.</summary>
    Task<HeadEnrollment?> GetAsync(string headId, CancellationToken cancellationToken = default);

    /// <summary>Every enrolled head, by name.</summary>
    Task<IReadOnlyList<HeadEnrollment>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Records (or replaces) the head's certificate with one audit record "enrol_head". Enrolling the same certificate again changes nothing.</summary>
    Task EnrollAsync(HeadEnrollment enrollment, string actor, CancellationToken cancellationToken = default);
}

/// <summary>
/// A prepared head signature as the registry keeps it: the fields it checks itself, and the
/// caller's <see cref="Payload"/> (the prepared PDF state, opaque to the registry).
/// </summary>
public sealed record PreparedRequestRecord
{
    public required Guid RequestId { get; init; }
    public required Guid DocumentId { get; init; }
    /// <summary>The document version the signature was prepared on; completion needs it unchanged.</summary>
    public required long DocumentVersion { get; init; }
    public required string HeadId { get; init; }
    public required string CertificateSha256 { get; init; }
    public required DateTimeOffset ExpiresUtc { get; init; }
    public DateTimeOffset? CompletedUtc { get; init; }
    public required string Payload { get; init; }
}

/// <summary>Prepared head signatures: saved at prepare, marked completed in the transaction that marks the document signed.</summary>
public interface IPreparedRequestRegistry
{
    /// <summary>
    /// Saves a new request with one audit record "prepare_signature" (no document id: a prepare
    /// changes no document). Throws <see cref="ConcurrencyConflictException"/> unless the document is
    /// still at the request's version, awaiting the request's head.
    /// </summary>
    Task SaveAsync(PreparedRequestRecord request, string actor, CancellationToken cancellationToken = default);

    /// <summary>Null when unknown (never saved, or swept after it settled).</summary>
    Task<PreparedRequestRecord?> GetAsync(Guid requestId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks the document Signed with <paramref name="signedPdf"/> (as <see cref="IDocumentRegistry.TransitionAsync"/>
    /// with <see cref="DocumentTransition.MarkSigned"/>) and the request completed, in one
    /// transaction. A request already completed, or a document no longer at the request's version,
    /// throws <see cref="ConcurrencyConflictException"/> and changes nothing.
    /// </summary>
    Task<DocumentRecord> CompleteAsync(Guid requestId, string actor, IReadOnlyDictionary<string, string>? details, byte[] signedPdf, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes requests completed or expired before <paramref name="settledBeforeUtc"/> (neither can
    /// be completed again) with one audit record when any were deleted. Returns how many.
    /// </summary>
    Task<int> RemoveSettledBeforeAsync(DateTimeOffset settledBeforeUtc, string actor, CancellationToken cancellationToken = default);
}

/// <summary>
/// Keeps one document's slow work (a token or TSA call before the commit) to one caller at a time,
/// across every process that shares the registry.
/// </summary>
public interface IDocumentLocks
{
    /// <summary>Waits for the document's lock; it is held until the handle is disposed (or the process dies).</summary>
    Task<IAsyncDisposable> AcquireAsync(Guid documentId, CancellationToken cancellationToken = default);
}

/// <summary>State found in the files of the old layout, to be taken into the registry once.</summary>
public sealed record ServiceStateImport
{
    /// <summary>Facts JSON by verification code; codes no document has are skipped (a failed create left them).</summary>
    public IReadOnlyDictionary<string, string> FactsByCode { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<HeadEnrollment> Heads { get; init; } = [];

    /// <summary>Requests of documents the registry does not know are skipped.</summary>
    public IReadOnlyList<PreparedRequestRecord> PreparedRequests { get; init; } = [];
}

/// <summary>How many rows an import added (what the registry already had is left as it is).</summary>
public sealed record ServiceStateImportResult(int Facts, int Heads, int PreparedRequests, int Skipped);

/// <summary>Takes state from the old files into the registry.</summary>
public interface IServiceStateImporter
{
    /// <summary>
    /// Inserts what the registry does not have yet, in one transaction with one audit record
    /// "import_state_files" (none when nothing was new), so running it again is a no-op.
    /// </summary>
    Task<ServiceStateImportResult> ImportAsync(ServiceStateImport import, string actor, CancellationToken cancellationToken = default);
}
