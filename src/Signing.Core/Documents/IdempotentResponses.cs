namespace Signing.Core.Documents;

/// <summary>The first answer of a mutating call, kept so a retry with the same Idempotency-Key gets it again.</summary>
public sealed record StoredResponse(int Status, string ContentType, byte[] Body);

public enum IdempotencyOutcome
{
    /// <summary>The key is new (or its first call was abandoned): this call runs and then stores its answer.</summary>
    Claimed,

    /// <summary>The key's first call finished: answer with <see cref="IdempotencyClaim.Response"/>.</summary>
    Replay,

    /// <summary>The key's first call is still running.</summary>
    InProgress,
}

public sealed record IdempotencyClaim(IdempotencyOutcome Outcome, StoredResponse? Response = null);

/// <summary>
/// Answers of mutating API calls by (caller, key). A key is claimed before the call runs, so two concurrent
/// calls with one key do not both run; the same key with another request hash throws <see cref="IdempotencyConflictException"/>.
/// </summary>
public interface IIdempotentResponseStore
{
    /// <summary>Claims the key, or says it is answered or still running. A claim older than <paramref name="abandonAfter"/> without an answer is taken over.</summary>
    Task<IdempotencyClaim> ClaimAsync(string caller, string key, string requestHash, TimeSpan abandonAfter, CancellationToken cancellationToken = default);

    /// <summary>Stores the answer of a claimed key.</summary>
    Task CompleteAsync(string caller, string key, StoredResponse response, CancellationToken cancellationToken = default);

    /// <summary>Gives a claimed key back (the call failed, so a retry may run it again).</summary>
    Task ReleaseAsync(string caller, string key, CancellationToken cancellationToken = default);
}
