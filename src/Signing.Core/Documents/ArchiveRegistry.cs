namespace Signing.Core.Documents;

/// <summary>
/// What the newest version of an issued result proves for how long: its last document
/// timestamp's time, its TSA certificate's expiry and its algorithms ("SHA256 RSA-2048", the
/// message-imprint digest and the TSA key). <see cref="Algorithms"/> is "none" and the dates are
/// null when the result carries no document timestamp (issued at B-T or B-LT).
/// </summary>
public sealed record ArchiveFacts(DateTimeOffset? TimestampTime, DateTimeOffset? TsaNotAfter, string Algorithms)
{
    public const string NoTimestamp = "none";

    public bool HasTimestamp => TsaNotAfter is not null;
}

/// <summary>One result in the archive index: the facts of the PDF version <see cref="PdfSha256"/>, its renewals and any claim on it.</summary>
public sealed record ArchiveEntry(
    Guid DocumentId,
    string VerificationCode,
    string PdfSha256,
    ArchiveFacts Facts,
    int Renewals,
    DateTimeOffset? RenewedUtc,
    string? ClaimOwner,
    DateTimeOffset? ClaimUntil);

/// <summary>
/// The archive index of the registry, kept by the archive upkeep job: which issued results carry
/// what long-term proof, and a lease per result so that several service instances never renew one
/// result twice. A renewal is one transaction: the new PDF version, the index row and one audit record.
/// </summary>
public interface IArchiveRegistry
{
    /// <summary>Issued, revoked or superseded results whose current PDF has no index row yet (new, or changed outside the job), oldest first.</summary>
    Task<IReadOnlyList<DocumentRecord>> ListUnindexedAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Writes the index row of <paramref name="pdfSha256"/> when it is still the document's current PDF; false when it is not (it changed meanwhile).</summary>
    Task<bool> IndexAsync(Guid documentId, string pdfSha256, ArchiveFacts facts, CancellationToken cancellationToken = default);

    /// <summary>Every distinct <see cref="ArchiveFacts.Algorithms"/> value in the index (the job checks each against the policy's sunset dates).</summary>
    Task<IReadOnlyList<string>> ListAlgorithmsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Index rows whose TSA certificate expires before <paramref name="tsaExpiresBefore"/> or whose
    /// algorithms are among <paramref name="algorithms"/>, and that hold no live claim at <paramref name="now"/>.
    /// </summary>
    Task<IReadOnlyList<ArchiveEntry>> ListCandidatesAsync(DateTimeOffset tsaExpiresBefore, IReadOnlyCollection<string> algorithms, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    Task<ArchiveEntry?> GetEntryAsync(Guid documentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the lease on one result until <paramref name="until"/> when its index row still
    /// describes <paramref name="pdfSha256"/> and no other owner holds a live claim; false otherwise.
    /// </summary>
    Task<bool> TryClaimAsync(Guid documentId, string pdfSha256, string owner, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>Gives a claim back without renewing (the renewal failed; another run tries again).</summary>
    Task ReleaseAsync(Guid documentId, string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits a renewal in one transaction: <paramref name="newPdf"/> becomes the current PDF
    /// (a new kept version, status unchanged), the index row takes <paramref name="facts"/> and
    /// loses the claim, and one audit record "archive_renew" names both versions. Refused with
    /// <see cref="ConcurrencyConflictException"/> when the document's PDF is no longer
    /// <paramref name="expectedPdfSha256"/> or <paramref name="owner"/> no longer holds the claim.
    /// </summary>
    Task<DocumentRecord> RenewAsync(Guid documentId, string expectedPdfSha256, string owner, byte[] newPdf, ArchiveFacts facts, string actor,
        IReadOnlyDictionary<string, string>? details = null, CancellationToken cancellationToken = default);
}
