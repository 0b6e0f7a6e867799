namespace Signing.Core.Documents;

/// <summary>
/// The document registry: documents, their status, PDF versions and audit trail. Every mutating
/// call is one database transaction that also appends one audit record per changed document;
/// PDFs given to it are made durable in the <see cref="IBlobStore"/> before the row commits.
/// </summary>
public interface IDocumentRegistry
{
    /// <summary>
    /// Registers a new Draft. <paramref name="idempotencyKey"/> + <paramref name="requestHash"/>
    /// (the caller's hash of the request body): a repeat with the same pair returns the existing
    /// document with <see cref="CreateResult.Created"/> false; the same key with another hash
    /// throws <see cref="IdempotencyConflictException"/>. A used verification code throws
    /// <see cref="DuplicateVerificationCodeException"/>.
    /// </summary>
    Task<CreateResult> CreateAsync(NewDocument document, string idempotencyKey, string requestHash, string actor, CancellationToken cancellationToken = default);

    /// <summary>Null when unknown.</summary>
    Task<DocumentRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Null when unknown. Exact match on the code as the renderer printed it.</summary>
    Task<DocumentRecord?> GetByCodeAsync(string verificationCode, CancellationToken cancellationToken = default);

    /// <summary>The facts stored with the document at its creation (<see cref="NewDocument.FactsJson"/>); null when it has none.</summary>
    Task<string?> GetFactsAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Newest first (created time, then id), filtered and paged.</summary>
    Task<DocumentPage> ListAsync(DocumentQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="transition"/> (checked by <see cref="Lifecycle"/>) if the document
    /// is still at <paramref name="expectedVersion"/>, else throws <see cref="ConcurrencyConflictException"/>.
    /// With <paramref name="newPdf"/>, the PDF becomes the document's current one and a PDF
    /// version row is stored. <paramref name="details"/> go into the audit record as given.
    /// Superseding goes through <see cref="SupersedeAsync"/>, which links the replacement.
    /// </summary>
    Task<DocumentRecord> TransitionAsync(Guid id, long expectedVersion, DocumentTransition transition, string actor,
        IReadOnlyDictionary<string, string>? details = null, byte[]? newPdf = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks the issued <paramref name="oldId"/> (at <paramref name="oldExpectedVersion"/>) Superseded
    /// by the issued <paramref name="replacementId"/> and links both ways (ReplacedBy / Replaces).
    /// </summary>
    Task<SupersedeResult> SupersedeAsync(Guid oldId, long oldExpectedVersion, Guid replacementId, string reason, string actor, CancellationToken cancellationToken = default);

    /// <summary>The document's audit records, oldest first.</summary>
    Task<IReadOnlyList<AuditRecord>> GetHistoryAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Every PDF the document has had, oldest first.</summary>
    Task<IReadOnlyList<DocumentPdfVersion>> GetPdfVersionsAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes blobs that no row references and that were written more than
    /// <paramref name="olderThan"/> ago (younger ones may belong to a write still in flight).
    /// Runs under the store's write lock, so it cannot race a commit. Returns how many were deleted.
    /// </summary>
    Task<int> CleanupOrphanBlobsAsync(TimeSpan olderThan, CancellationToken cancellationToken = default);
}

/// <summary>The document, and whether this call created it (false: an idempotent repeat).</summary>
public sealed record CreateResult(DocumentRecord Document, bool Created);

/// <summary>Both documents after a supersede.</summary>
public sealed record SupersedeResult(DocumentRecord Superseded, DocumentRecord Replacement);

/// <summary>
/// Content-addressed, durable byte storage: the key is the lower-case hex SHA-256 of the bytes.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores the bytes and returns their key; durable (fsynced) when the task completes. Idempotent.</summary>
    Task<string> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The bytes, re-hashed on read; throws <see cref="StorageException"/> if missing or corrupt.</summary>
    Task<byte[]> GetAsync(string sha256, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>Deletes a blob (orphan cleanup only); false when it was not there.</summary>
    Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>Keys of blobs last written (or re-put) before <paramref name="writtenBeforeUtc"/>.</summary>
    IAsyncEnumerable<string> ListAsync(DateTimeOffset writtenBeforeUtc, CancellationToken cancellationToken = default);
}

/// <summary>Read side of the hash-chained audit log (records are appended by the registry).</summary>
public interface IAuditLog
{
    /// <summary>Up to <paramref name="limit"/> records with seq ≥ <paramref name="fromSeq"/>, in seq order.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadAsync(long fromSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>The stored chain head (seq 0 and the genesis hash when the log is empty).</summary>
    Task<AuditHead> GetHeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Walks the whole chain with <see cref="AuditChainVerifier"/>.</summary>
    Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Walks the chain as <see cref="VerifyAsync(CancellationToken)"/> does and checks every TSA anchor
    /// with <paramref name="tokens"/> (<see cref="AuditAnchorVerifier"/>); the first problem by seq wins.
    /// </summary>
    Task<AuditVerification> VerifyAsync(IAuditAnchorTokenCheck tokens, CancellationToken cancellationToken = default);

    /// <summary>The anchor with the highest seq, or null when there is none.</summary>
    Task<AuditAnchor?> GetLastAnchorAsync(CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> anchors with seq ≥ <paramref name="fromSeq"/>, in seq order.</summary>
    Task<IReadOnlyList<AuditAnchor>> ReadAnchorsAsync(long fromSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores an anchor for a record that has <paramref name="anchor"/>'s hash. Returns false when
    /// that seq is anchored already (another instance won: harmless). Writes no audit record: an
    /// anchor is evidence about the log, and a record for it would move the head it just anchored.
    /// </summary>
    Task<bool> AddAnchorAsync(AuditAnchor anchor, CancellationToken cancellationToken = default);
}
