namespace Signing.Core.Documents;

/// <summary>
/// Walks the audit log in seq order and reports the first damage: an edited record (content does
/// not match its hash), a deleted one (seq gap, renumbered successors, or a tail shorter than the
/// chain head), reordered records (intact, but at another seq than written) or a broken link.
/// Streams: memory does not grow with the log.
/// </summary>
public sealed class AuditChainVerifier
{
    /// <summary>How far from its slot a moved record is looked for (each try is one SHA-256).</summary>
    public const int MoveSearchWindow = 1024;

    private long _count;
    private AuditRecord? _previous;
    private AuditProblem? _problem;

    // A record found at another seq than written, waiting to learn whether it was a reorder
    // (the record written for that slot shows up elsewhere) or a deletion with renumbering.
    private (long Slot, long WrittenAs)? _moved;

    public AuditProblem? Problem => _problem;

    public static async Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditRecord> recordsInSeqOrder, AuditHead head, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recordsInSeqOrder);
        ArgumentNullException.ThrowIfNull(head);
        var verifier = new AuditChainVerifier();
        await foreach (var record in recordsInSeqOrder.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!verifier.Add(record)) break;
        }

        return verifier.Finish(head);
    }

    public static AuditVerification Verify(IEnumerable<AuditRecord> recordsInSeqOrder, AuditHead head)
    {
        ArgumentNullException.ThrowIfNull(recordsInSeqOrder);
        ArgumentNullException.ThrowIfNull(head);
        var verifier = new AuditChainVerifier();
        foreach (var record in recordsInSeqOrder)
        {
            if (!verifier.Add(record)) break;
        }

        return verifier.Finish(head);
    }

    /// <summary>Checks the next record; false once the verdict is known and reading can stop.</summary>
    public bool Add(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_problem != null) return false;
        _count++;
        var expectedSeq = (_previous?.Seq ?? 0) + 1;
        var intact = string.Equals(AuditChain.ComputeHash(record), record.Hash, StringComparison.Ordinal);

        if (_moved is { } moved)
        {
            // Still deciding: does the record written for the vacated slot turn up later?
            if (!intact && WrittenAs(record) == moved.Slot)
            {
                _problem = new AuditProblem(moved.Slot, AuditProblemKind.Reordered,
                    $"audit record seq {moved.Slot} holds the record written as seq {moved.WrittenAs}, and seq {record.Seq} holds the one written as seq {moved.Slot}: records were reordered");
                return false;
            }

            _previous = record;
            return true;
        }

        if (record.Seq > expectedSeq)
        {
            var range = record.Seq - 1 == expectedSeq ? $"seq {expectedSeq} is" : $"seqs {expectedSeq}..{record.Seq - 1} are";
            _problem = new AuditProblem(expectedSeq, AuditProblemKind.Deleted, $"audit record {range} missing: deleted");
            return false;
        }

        if (!intact)
        {
            var writtenAs = WrittenAs(record);
            if (writtenAs is { } k && k != record.Seq)
            {
                _moved = (record.Seq, k);
                _previous = record;
                return true;
            }

            _problem = new AuditProblem(record.Seq, AuditProblemKind.Edited,
                $"audit record seq {record.Seq} was edited: its content does not match its hash");
            return false;
        }

        var expectedPrev = _previous?.Hash ?? AuditChain.GenesisHash;
        if (!string.Equals(record.PrevHash, expectedPrev, StringComparison.Ordinal))
        {
            var what = _previous is null
                ? "it does not start from the genesis hash (earlier records deleted?)"
                : $"its prev_hash does not match the hash of seq {_previous.Seq} (seq {_previous.Seq} was replaced, or records between were removed)";
            _problem = new AuditProblem(record.Seq, AuditProblemKind.BrokenLink, $"audit record seq {record.Seq} breaks the chain: {what}");
            return false;
        }

        _previous = record;
        return true;
    }

    /// <summary>The verdict after the last record, checked against the stored chain head.</summary>
    public AuditVerification Finish(AuditHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (_problem == null && _moved is { } moved)
        {
            _problem = new AuditProblem(moved.Slot, AuditProblemKind.Deleted,
                $"audit record seq {moved.Slot} is missing: deleted, and later records renumbered (seq {moved.Slot} now holds the record written as seq {moved.WrittenAs})");
        }

        if (_problem == null)
        {
            var lastSeq = _previous?.Seq ?? 0;
            var lastHash = _previous?.Hash ?? AuditChain.GenesisHash;
            if (head.Seq > lastSeq)
            {
                var range = head.Seq == lastSeq + 1 ? $"seq {head.Seq} is" : $"seqs {lastSeq + 1}..{head.Seq} are";
                _problem = new AuditProblem(lastSeq + 1, AuditProblemKind.Deleted, $"audit record {range} missing at the end of the log (the chain head is at seq {head.Seq}): deleted");
            }
            else if (head.Seq < lastSeq || !string.Equals(head.Hash, lastHash, StringComparison.Ordinal))
            {
                _problem = new AuditProblem(lastSeq, AuditProblemKind.BrokenLink,
                    $"audit record seq {lastSeq} does not match the chain head (seq {head.Seq}): records were added or replaced outside the store");
            }
        }

        return new AuditVerification(_count, _previous?.Hash ?? AuditChain.GenesisHash, _problem);
    }

    /// <summary>The seq a record was written with, if it is intact under some nearby seq.</summary>
    private static long? WrittenAs(AuditRecord record)
    {
        for (long d = 1; d <= MoveSearchWindow; d++)
        {
            foreach (var candidate in new[] { record.Seq + d, record.Seq - d })
            {
                if (candidate >= 1 && string.Equals(AuditChain.ComputeHash(record, candidate), record.Hash, StringComparison.Ordinal))
                    return candidate;
            }
        }

        return null;
    }
}
