namespace Signing.Core.Documents;

/// <summary>Where a document is in its life. Stored by name (see <see cref="DocumentStatusNames"/>).</summary>
public enum DocumentStatus
{
    /// <summary>Rendered and stored, not yet sent for signature.</summary>
    Draft,

    /// <summary>Waiting in a department head's queue (<see cref="DocumentRecord.SignerId"/>).</summary>
    AwaitingSignature,

    /// <summary>Carries the department head's signature.</summary>
    Signed,

    /// <summary>Carries the agency seal on top of the head's signature.</summary>
    Sealed,

    /// <summary>Handed out; publicly verifiable as in force.</summary>
    Issued,

    /// <summary>Withdrawn with a reason; no longer in force.</summary>
    Revoked,

    /// <summary>Replaced by a corrected result (<see cref="DocumentRecord.ReplacedBy"/>).</summary>
    Superseded,

    /// <summary>Work could not finish (<see cref="DocumentRecord.Failure"/>); retryable or final.</summary>
    Failed,
}

/// <summary>The stable text names used in storage, APIs and audit records.</summary>
public static class DocumentStatusNames
{
    private static readonly Dictionary<DocumentStatus, string> Names = new()
    {
        [DocumentStatus.Draft] = "draft",
        [DocumentStatus.AwaitingSignature] = "awaiting_signature",
        [DocumentStatus.Signed] = "signed",
        [DocumentStatus.Sealed] = "sealed",
        [DocumentStatus.Issued] = "issued",
        [DocumentStatus.Revoked] = "revoked",
        [DocumentStatus.Superseded] = "superseded",
        [DocumentStatus.Failed] = "failed",
    };

    private static readonly Dictionary<string, DocumentStatus> ByName =
        Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string ToName(this DocumentStatus status) =>
        Names.TryGetValue(status, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(status), status, null);

    /// <summary>Parses a stored name; an unknown name means a corrupt row or a newer schema.</summary>
    public static DocumentStatus Parse(string name) =>
        ByName.TryGetValue(name, out var status)
            ? status
            : throw new SigningException($"unknown document status '{name}' (expected one of {string.Join(", ", Names.Values)})");
}
