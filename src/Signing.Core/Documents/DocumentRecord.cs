namespace Signing.Core.Documents;

/// <summary>Why work on a document stopped, and whether retrying it makes sense.</summary>
/// <param name="Reason">One line, safe to show (e.g. "TSA unreachable").</param>
/// <param name="Retryable">True when the same step may be tried again (e.g. the TSA was down).</param>
/// <param name="FailedFrom">The last good status; a retry returns the document to it.</param>
public sealed record DocumentFailure(string Reason, bool Retryable, DocumentStatus FailedFrom);

/// <summary>One registered document as committed in the registry (an immutable snapshot).</summary>
public sealed record DocumentRecord
{
    public required Guid Id { get; init; }

    /// <summary>Short human-typable code printed on the result (made by the renderer); unique.</summary>
    public required string VerificationCode { get; init; }

    /// <summary>The one-stop dossier code (mã hồ sơ) the result belongs to.</summary>
    public required string DossierCode { get; init; }

    /// <summary>The template the result was rendered from.</summary>
    public required string Template { get; init; }

    public required DocumentStatus Status { get; init; }

    /// <summary>The department head whose queue holds the document (set from AwaitingSignature on).</summary>
    public string? SignerId { get; init; }

    /// <summary>Set while <see cref="Status"/> is <see cref="DocumentStatus.Failed"/>.</summary>
    public DocumentFailure? Failure { get; init; }

    /// <summary>Lower-case hex SHA-256 of the current PDF (its blob key), null before a PDF exists.</summary>
    public string? PdfSha256 { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    public required DateTimeOffset UpdatedUtc { get; init; }

    /// <summary>Why the document was revoked or superseded.</summary>
    public string? EndReason { get; init; }

    /// <summary>The corrected result that replaced this one.</summary>
    public Guid? ReplacedBy { get; init; }

    /// <summary>The result this one corrects.</summary>
    public Guid? Replaces { get; init; }

    /// <summary>Optimistic-concurrency version: 1 at creation, +1 on every committed change.</summary>
    public required long Version { get; init; }
}

/// <summary>What the submitter provides to register a new document (it starts as Draft).</summary>
public sealed record NewDocument
{
    public required string VerificationCode { get; init; }

    public required string DossierCode { get; init; }

    public required string Template { get; init; }

    /// <summary>The rendered draft PDF, if already rendered (a byte array, not a ReadOnlyMemory:
    /// C# turns a null array into an empty, non-null ReadOnlyMemory).</summary>
#pragma warning disable CA1819 // Handed straight to the blob store; callers do not keep mutating it.
    public byte[]? Pdf { get; init; }
#pragma warning restore CA1819

    /// <summary>The caller's facts of the result (JSON), stored in the create transaction; <see cref="IDocumentRegistry.GetFactsAsync"/> reads them.</summary>
    public string? FactsJson { get; init; }
}

/// <summary>One committed PDF version of a document (every PDF it ever had, in order).</summary>
public sealed record DocumentPdfVersion(Guid DocumentId, long Version, string PdfSha256, DocumentStatus Status, DateTimeOffset CreatedUtc);

/// <summary>Filters for <see cref="IDocumentRegistry.ListAsync"/>; null means "any".</summary>
public sealed record DocumentQuery
{
    public DocumentStatus? Status { get; init; }

    public string? SignerId { get; init; }

    public string? DossierCode { get; init; }

    /// <summary>The template id the result was rendered from.</summary>
    public string? Template { get; init; }

    /// <summary>Created at or after this instant.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Created strictly before this instant.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Page size, 1..<see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Rows to skip (newest first, ties broken by id).</summary>
    public int Offset { get; init; }

    /// <summary>
    /// Count at most this many matches (null: the exact total). A page of 25 need not count 100,000
    /// rows: the console asks for "more than N" and the total is then a lower bound.
    /// </summary>
    public int? CountLimit { get; init; }

    public const int MaxLimit = 500;
}

/// <summary>A page of documents plus the total number that match the filters.</summary>
public sealed record DocumentPage(IReadOnlyList<DocumentRecord> Items, long Total, int Offset, int Limit)
{
    /// <summary>True when counting stopped at <see cref="DocumentQuery.CountLimit"/>: at least <see cref="Total"/> match.</summary>
    public bool TotalIsLowerBound { get; init; }

    public bool HasMore => Offset + Items.Count < Total;
}
