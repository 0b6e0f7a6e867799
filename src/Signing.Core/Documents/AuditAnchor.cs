using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Signing.Core.Documents;

/// <summary>
/// A checkpoint of the audit chain: the chain hash at <see cref="Seq"/> and an RFC 3161 token over
/// <see cref="AuditAnchors.Imprint"/> of (seq, hash). Someone who rewrites the whole chain can
/// recompute every record hash, but not the TSA's signature over the old ones.
/// </summary>
/// <param name="Seq">The anchored record (at most one anchor per seq).</param>
/// <param name="Hash">The chain hash at <paramref name="Seq"/> when anchored (lower-case hex); verification recomputes it.</param>
/// <param name="Token">The DER TimeStampToken as the TSA sent it.</param>
/// <param name="AnchoredUtc">When the service stored it (informative: verification reads the time from the token).</param>
public sealed record AuditAnchor(long Seq, string Hash, byte[] Token, DateTimeOffset AnchoredUtc);

/// <summary>The anchors' hashing rule, shared by the checkpoint job and every verifier.</summary>
public static class AuditAnchors
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("signing.audit.anchor.v1\n");

    /// <summary>
    /// The SHA-256 message imprint a TSA timestamps for an anchor: SHA-256 over the ASCII domain tag
    /// "signing.audit.anchor.v1\n", seq as int64 big-endian, then the chain hash as its 32 raw
    /// bytes. Fixed width, so no two (seq, hash) pairs share an encoding.
    /// </summary>
    public static byte[] Imprint(long seq, string chainHash)
    {
        ArgumentNullException.ThrowIfNull(chainHash);
        if (chainHash.Length != 64 || !chainHash.All(Uri.IsHexDigit))
            throw new SigningException($"an audit chain hash is 64 hex digits, not \"{chainHash}\"");
        var buffer = new byte[Domain.Length + 8 + 32];
        Domain.CopyTo(buffer, 0);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(Domain.Length), seq);
        Convert.FromHexString(chainHash).CopyTo(buffer, Domain.Length + 8);
        return SHA256.HashData(buffer);
    }
}

/// <summary>What a token check found: null <see cref="Problem"/> when the token is a valid timestamp over the imprint.</summary>
/// <param name="Problem">One line saying why the token does not prove the imprint, or null.</param>
/// <param name="Time">The token's genTime when it could be read.</param>
public sealed record AuditAnchorTokenVerdict(string? Problem, DateTimeOffset? Time);

/// <summary>
/// Judges an anchor's token: its signature, the TSA certificate's chain to the configured TSA
/// trust anchors, and that its imprint is <paramref name="expectedImprint"/> (SHA-256).
/// Implemented by Signing.Validation, which knows trust; the stores only hand tokens over.
/// </summary>
public interface IAuditAnchorTokenCheck
{
    AuditAnchorTokenVerdict Check(byte[] token, byte[] expectedImprint);
}

/// <summary>How far the chain is anchored (part of <see cref="AuditVerification"/> when anchors were checked).</summary>
/// <param name="AnchorCount">Anchors checked and found good.</param>
/// <param name="LastAnchoredSeq">The seq of the last good anchor, 0 when there is none.</param>
/// <param name="LastAnchorTime">The last good anchor's token time.</param>
/// <param name="UnanchoredFrom">The first seq no anchor covers, or null when the head itself is anchored.</param>
public sealed record AuditAnchoring(long AnchorCount, long LastAnchoredSeq, DateTimeOffset? LastAnchorTime, long? UnanchoredFrom)
{
    /// <summary>"unanchored since seq N" and the like, for reports.</summary>
    public string Describe() => (AnchorCount, UnanchoredFrom) switch
    {
        (0, null) => "no anchors (the log is empty)",
        (0, { } from) => $"no anchors yet: unanchored since seq {from}",
        (_, null) => $"{AnchorCount} anchors OK, the last at seq {LastAnchoredSeq} (timestamped {LastAnchorTime:yyyy-MM-dd HH:mm:ss}Z): the head is anchored",
        (_, { } from) => $"{AnchorCount} anchors OK, the last at seq {LastAnchoredSeq} (timestamped {LastAnchorTime:yyyy-MM-dd HH:mm:ss}Z); unanchored since seq {from}",
    };
}

/// <summary>
/// Checks anchors against the records a chain walk sees: each anchor's token must verify and
/// timestamp the imprint of (seq, the hash recomputed from the record at that seq). Keeps only the
/// first failure; fed alongside <see cref="AuditChainVerifier"/> so the log is read once.
/// </summary>
public sealed class AuditAnchorVerifier
{
    private readonly IAuditAnchorTokenCheck _tokens;
    private long _good;
    private long _lastSeq;
    private DateTimeOffset? _lastTime;

    public AuditAnchorVerifier(IAuditAnchorTokenCheck tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = tokens;
    }

    public AuditProblem? Problem { get; private set; }

    /// <summary>Checks <paramref name="anchor"/> against <paramref name="record"/>, the log's record at its seq (null when there is none).</summary>
    public void Check(AuditAnchor anchor, AuditRecord? record)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        if (Problem != null) return;
        var what = $"the anchor at seq {anchor.Seq}";
        if (record is null)
        {
            Fail(anchor.Seq, $"{what} has no record at that seq: records it covered were deleted");
            return;
        }

        var recomputed = AuditChain.ComputeHash(record);
        var verdict = _tokens.Check(anchor.Token, AuditAnchors.Imprint(anchor.Seq, recomputed));
        if (verdict.Problem is { } problem)
        {
            Fail(anchor.Seq, $"{what}: {problem}");
            return;
        }

        // The token is good for the chain as it is; a stored hash that differs was edited on its own.
        if (!string.Equals(anchor.Hash, recomputed, StringComparison.Ordinal))
        {
            Fail(anchor.Seq, $"{what} stores the hash {anchor.Hash}, but its token and the chain say {recomputed}: the anchor row was edited");
            return;
        }

        _good++;
        _lastSeq = anchor.Seq;
        _lastTime = verdict.Time;
    }

    /// <summary>How far the chain with head <paramref name="headSeq"/> is anchored.</summary>
    public AuditAnchoring Finish(long headSeq) =>
        new(_good, _lastSeq, _lastTime, headSeq > _lastSeq ? _lastSeq + 1 : null);

    private void Fail(long seq, string message) => Problem = new AuditProblem(seq, AuditProblemKind.AnchorFailed, message);
}
