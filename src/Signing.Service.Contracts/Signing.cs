namespace Signing.Service.Contracts;

/// <summary>What the head decides on: the facts of one decision, as the service states them.</summary>
public sealed record DocumentSummary(
    string Type, string Number, string Applicant, string DossierCode, string VerificationCode, string IssuingAgency, string Date, int Pages);

/// <summary>A document waiting in the head's queue, with the summary the agent checks against the draft.</summary>
public sealed record QueueItem(DocumentView Document, DocumentSummary Summary);

/// <summary>GET /api/heads/me/queue: one page of the caller's queue.</summary>
public sealed record QueuePage(IReadOnlyList<QueueItem> Items, long Total, int Offset, int Limit, bool HasMore);

/// <summary>
/// Phase 1's answer (POST /api/documents/{id}/prepare): the hash to sign (base64), and what the signer needs to
/// check it against the draft it was shown: the revision appended to the draft (base64) and its ByteRange.
/// </summary>
public sealed record PreparedSignature(
    Guid RequestId, string Hash, string HashAlgorithm, string SignatureScheme, DocumentSummary Summary, string Nonce,
    DateTimeOffset ExpiresAt, string CertificateSha256, string DraftSha256, long DraftLength, string Revision, IReadOnlyList<long> ByteRange);

/// <summary>Phase 2 (POST /api/documents/{id}/complete): the raw signature value over the prepared hash, base64.</summary>
public sealed record CompleteRequest(Guid RequestId, string SignatureValue, string? Nonce = null);

/// <summary>POST /api/heads/enroll: the head's signing certificate and its chain, each base64 DER or PEM.</summary>
public sealed record EnrollRequest(string Certificate, IReadOnlyList<string>? Chain = null);

/// <summary>The enrolment as the service recorded it.</summary>
public sealed record Enrollment(string HeadId, string CertificateSha256, string Subject, DateTimeOffset NotAfter, int ChainLength);
