using System.Text.Json;

namespace Signing.Service.Contracts;

/// <summary>A document as the staff API shows it; status is the snake_case name (draft, awaiting_signature, signed, sealed, issued, ...).</summary>
public sealed record DocumentView(
    Guid Id, string VerificationCode, string DossierCode, string Template, string Status, string? Signer, long Version,
    string? PdfSha256, DateTimeOffset CreatedUtc, DateTimeOffset UpdatedUtc, string? EndReason, Guid? ReplacedBy, Guid? Replaces,
    string? FailureReason);

/// <summary>GET /api/documents: one page of documents; total may be a lower bound when counting stopped early.</summary>
public sealed record DocumentPage(IReadOnlyList<DocumentView> Items, long Total, int Offset, int Limit, bool HasMore);

/// <summary>One audit record of a document's history; details is the action's own JSON object.</summary>
public sealed record HistoryEntry(long Seq, DateTimeOffset TimeUtc, string Actor, string Action, JsonElement Details, string Hash);

/// <summary>POST /api/documents/{id}/revoke (the body may be empty JSON: {}).</summary>
public sealed record RevokeRequest(string? Reason = null);

/// <summary>POST /api/documents/{id}/supersede: the issued document is replaced by <paramref name="ReplacementId"/>.</summary>
public sealed record SupersedeRequest(Guid ReplacementId, string? Reason = null);

/// <summary>The answer of supersede: both documents after the change.</summary>
public sealed record SupersedeResponse(DocumentView Superseded, DocumentView Replacement);
