using System.Security.Cryptography;
using Signing.Core.Timestamps;

namespace Signing.Issuance;

/// <summary>
/// How the service's TSA exchanges have been going, so readiness can say "degraded" while the TSA
/// fails (requests then wait and retry) without asking the TSA itself on every probe.
/// </summary>
public sealed class TsaHealth(TimeProvider time)
{
    private volatile TsaOutcome _last = new(true, "no timestamp asked for yet", time.GetUtcNow());

    /// <summary>The last exchange or try: whether it gave a token, and if not, why (one line).</summary>
    public TsaOutcome Last => _last;

    public void Succeeded() => _last = new TsaOutcome(true, "ok", time.GetUtcNow());

    public void Failed(string problem) => _last = new TsaOutcome(false, IssuanceRuntime.OneLine(problem), time.GetUtcNow());
}

/// <summary>How the last TSA exchange went, and when.</summary>
public sealed record TsaOutcome(bool Succeeded, string Detail, DateTimeOffset AtUtc);

/// <summary>The service's TSA as issuance uses it, reporting each outcome to <see cref="Health"/>.</summary>
public sealed class ObservedTimestampClient(ITimestampClient inner, TsaHealth health) : ITimestampClient
{
    public TsaHealth Health => health;

    public async Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default)
    {
        try
        {
            var token = await inner.GetTokenAsync(hash, hashAlgorithm, cancellationToken).ConfigureAwait(false);
            health.Succeeded();
            return token;
        }
        catch (TimestampException e)
        {
            health.Failed(e.Message);
            throw;
        }
    }
}
