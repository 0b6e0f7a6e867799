using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Signing.Core.Documents;

/// <summary>
/// One entry of the audit log. Entries form a hash chain: <see cref="Hash"/> is SHA-256 over the
/// canonical encoding of every other field, including <see cref="PrevHash"/> (the previous entry's
/// hash, or <see cref="AuditChain.GenesisHash"/> for seq 1), so editing, deleting or reordering
/// an entry breaks the chain.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>1, 2, 3, ... without gaps (assigned under the chain lock, not from a sequence).</summary>
    public required long Seq { get; init; }

    /// <summary>UTC, microsecond precision (both databases store it exactly).</summary>
    public required DateTimeOffset TimeUtc { get; init; }

    public required string Actor { get; init; }

    public required string Action { get; init; }

    public Guid? DocumentId { get; init; }

    /// <summary>JSON object text, hashed exactly as stored.</summary>
    public required string DetailsJson { get; init; }

    /// <summary>Lower-case hex.</summary>
    public required string PrevHash { get; init; }

    /// <summary>Lower-case hex.</summary>
    public required string Hash { get; init; }
}

/// <summary>The chain's hashing rules (shared by every store and by the verifier).</summary>
public static class AuditChain
{
    /// <summary>The prev_hash of the first record.</summary>
    public static readonly string GenesisHash = new('0', 64);

    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("signing.audit.v1\n");

    /// <summary>Truncates to the microsecond, the precision both databases keep.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset time) =>
        FromUnixMicroseconds(ToUnixMicroseconds(time));

    public static long ToUnixMicroseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromUnixMicroseconds(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    /// <summary>
    /// SHA-256 (lower-case hex) over: a domain tag, seq (int64 big-endian), time (unix µs, int64
    /// big-endian), actor, action, document id ("" if none), details, each string as a 4-byte
    /// big-endian length plus UTF-8, then prev_hash as 32 raw bytes. Length prefixes make the
    /// encoding unambiguous, so no two different records share an encoding.
    /// </summary>
    public static string ComputeHash(long seq, DateTimeOffset timeUtc, string actor, string action, Guid? documentId, string detailsJson, string prevHash)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(detailsJson);
        ArgumentNullException.ThrowIfNull(prevHash);
        using var buffer = new MemoryStream();
        buffer.Write(Domain);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, seq);
        buffer.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, ToUnixMicroseconds(timeUtc));
        buffer.Write(number);
        WriteString(buffer, actor);
        WriteString(buffer, action);
        WriteString(buffer, documentId?.ToString("D") ?? "");
        WriteString(buffer, detailsJson);
        byte[] prev;
        try
        {
            prev = Convert.FromHexString(prevHash);
        }
        catch (FormatException)
        {
            prev = Encoding.UTF8.GetBytes(prevHash); // a tampered value: hash it as is, the check fails.
        }
        buffer.Write(prev);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>The hash <paramref name="record"/> should carry, given its own fields and seq.</summary>
    public static string ComputeHash(AuditRecord record, long? asSeq = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ComputeHash(asSeq ?? record.Seq, record.TimeUtc, record.Actor, record.Action, record.DocumentId, record.DetailsJson, record.PrevHash);
    }

    private static void WriteString(Stream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }
}

/// <summary>The last link of the chain as the store records it (seq 0 and the genesis hash when empty).</summary>
public sealed record AuditHead(long Seq, string Hash);

/// <summary>What kind of damage the verifier found.</summary>
public enum AuditProblemKind
{
    /// <summary>A record's content no longer matches its hash.</summary>
    Edited,

    /// <summary>Records are missing (a gap in seq, renumbered records, or a short tail).</summary>
    Deleted,

    /// <summary>Intact records sit at seqs other than those they were written with.</summary>
    Reordered,

    /// <summary>A record's prev_hash does not match its predecessor (one of them was replaced).</summary>
    BrokenLink,

    /// <summary>A TSA anchor does not prove the chain as it is (rewritten chain, bad token, deleted records, edited anchor).</summary>
    AnchorFailed,
}

/// <summary>The first broken record: its seq and what is wrong, in one line.</summary>
public sealed record AuditProblem(long Seq, AuditProblemKind Kind, string Message);

/// <summary>The result of verifying the chain.</summary>
public sealed record AuditVerification(long RecordCount, string HeadHash, AuditProblem? Problem)
{
    public bool IsValid => Problem is null;

    /// <summary>How far TSA anchors cover the chain; null when anchors were not checked.</summary>
    public AuditAnchoring? Anchoring { get; init; }
}
