namespace Signing.Core.Documents;

/// <summary>A requested change of a document's status. Build one with the factory methods.</summary>
public sealed record DocumentTransition
{
    private DocumentTransition(string action, DocumentStatus? target)
    {
        Action = action;
        Target = target;
    }

    /// <summary>Audit action name, e.g. "send_for_signature".</summary>
    public string Action { get; }

    /// <summary>The status asked for; null for <see cref="Retry"/>, whose target is the status it failed from.</summary>
    public DocumentStatus? Target { get; }

    public string? SignerId { get; private init; }

    public string? Reason { get; private init; }

    public bool Retryable { get; private init; }

    /// <summary>Draft → AwaitingSignature, or re-assign a waiting document to another head.</summary>
    public static DocumentTransition SendForSignature(string signerId) =>
        new("send_for_signature", DocumentStatus.AwaitingSignature) { SignerId = Required(signerId, nameof(signerId)) };

    public static DocumentTransition MarkSigned() => new("sign", DocumentStatus.Signed);

    public static DocumentTransition MarkSealed() => new("seal", DocumentStatus.Sealed);

    public static DocumentTransition Issue() => new("issue", DocumentStatus.Issued);

    public static DocumentTransition Revoke(string reason) =>
        new("revoke", DocumentStatus.Revoked) { Reason = Required(reason, nameof(reason)) };

    /// <summary>Issued → Superseded; only the registry's supersede operation uses this (it links the replacement).</summary>
    public static DocumentTransition Supersede(string reason) =>
        new("supersede", DocumentStatus.Superseded) { Reason = Required(reason, nameof(reason)) };

    /// <summary>Work could not finish; <paramref name="retryable"/> when the same step may be tried again.</summary>
    public static DocumentTransition Fail(string reason, bool retryable) =>
        new("fail", DocumentStatus.Failed) { Reason = Required(reason, nameof(reason)), Retryable = retryable };

    /// <summary>Failed (retryable) → the status the document failed from.</summary>
    public static DocumentTransition Retry() => new("retry", null);

    private static string Required(string value, string name)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new SigningException($"{name} is required");
        if (value.Length > 1000) throw new SigningException($"{name} is longer than 1000 characters");
        return value.Trim();
    }
}

/// <summary>
/// The one place that knows which status changes are allowed and what each does to a record:
/// <c>Draft → AwaitingSignature(signer) → Signed → Sealed → Issued → (Revoked | Superseded)</c>,
/// and <c>Failed(reason)</c> from any working status, retryable back to where it failed.
/// Storage adapters call <see cref="Apply"/> inside their write transaction.
/// </summary>
public static class Lifecycle
{
    private static readonly Dictionary<DocumentStatus, DocumentStatus[]> Allowed = new()
    {
        [DocumentStatus.Draft] = [DocumentStatus.AwaitingSignature, DocumentStatus.Failed],
        // AwaitingSignature → AwaitingSignature re-assigns the document to another head (absence, error).
        [DocumentStatus.AwaitingSignature] = [DocumentStatus.AwaitingSignature, DocumentStatus.Signed, DocumentStatus.Failed],
        [DocumentStatus.Signed] = [DocumentStatus.Sealed, DocumentStatus.Failed],
        [DocumentStatus.Sealed] = [DocumentStatus.Issued, DocumentStatus.Failed],
        // An issued result is final as a file; it can only be withdrawn or replaced.
        [DocumentStatus.Issued] = [DocumentStatus.Revoked, DocumentStatus.Superseded],
        [DocumentStatus.Revoked] = [],
        [DocumentStatus.Superseded] = [],
        // Failed leaves only through Retry (checked separately: it depends on the failure).
        [DocumentStatus.Failed] = [],
    };

    /// <summary>The statuses a document in <paramref name="from"/> may move to (Retry aside).</summary>
    public static IReadOnlyList<DocumentStatus> AllowedTargets(DocumentStatus from) => Allowed[from];

    /// <summary>True when the status can never change again.</summary>
    public static bool IsTerminal(DocumentRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Status == DocumentStatus.Failed ? record.Failure is not { Retryable: true } : Allowed[record.Status].Length == 0;
    }

    /// <summary>
    /// Returns the record as it is after <paramref name="transition"/> (version + 1, updated at
    /// <paramref name="nowUtc"/>), or throws <see cref="IllegalTransitionException"/>.
    /// </summary>
    public static DocumentRecord Apply(DocumentRecord current, DocumentTransition transition, DateTimeOffset nowUtc)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(transition);
        var from = current.Status;

        if (transition.Target is not { } target)
        {
            if (from != DocumentStatus.Failed || current.Failure is null)
                throw Illegal(current, "retry", $"only a failed document can be retried");
            if (!current.Failure.Retryable)
                throw Illegal(current, "retry", $"its failure is final ({current.Failure.Reason})");
            return current with
            {
                Status = current.Failure.FailedFrom,
                Failure = null,
                Version = current.Version + 1,
                UpdatedUtc = nowUtc,
            };
        }

        if (!Allowed[from].Contains(target))
        {
            var allowed = Allowed[from].Select(s => s.ToName()).ToList();
            if (from == DocumentStatus.Failed && current.Failure is { Retryable: true }) allowed.Add("retry");
            throw Illegal(current, target.ToName(), allowed.Count == 0 ? "it is final" : "allowed: " + string.Join(", ", allowed));
        }

        if (from == DocumentStatus.AwaitingSignature && target == DocumentStatus.AwaitingSignature &&
            string.Equals(current.SignerId, transition.SignerId, StringComparison.Ordinal))
            throw Illegal(current, target.ToName(), $"it is already waiting for {transition.SignerId}");

        var next = current with { Status = target, Version = current.Version + 1, UpdatedUtc = nowUtc };
        return target switch
        {
            DocumentStatus.AwaitingSignature => next with { SignerId = transition.SignerId },
            DocumentStatus.Failed => next with { Failure = new DocumentFailure(transition.Reason!, transition.Retryable, from) },
            DocumentStatus.Revoked or DocumentStatus.Superseded => next with { EndReason = transition.Reason },
            _ => next,
        };
    }

    private static IllegalTransitionException Illegal(DocumentRecord current, string to, string why) =>
        new($"document {current.VerificationCode} is {current.Status.ToName()} and cannot go to {to}: {why}");
}
