using Signing.Core.Documents;

namespace Signing.Storage.Tests;

/// <summary>The verifier and the canonical hash on in-memory chains (the stores are tested in the contract suite).</summary>
public sealed class AuditChainVerifierTests
{
    private static List<AuditRecord> Chain(int count)
    {
        var records = new List<AuditRecord>();
        var prev = AuditChain.GenesisHash;
        var t = new DateTimeOffset(2026, 3, 5, 1, 0, 0, TimeSpan.Zero);
        for (var seq = 1; seq <= count; seq++)
        {
            var r = new AuditRecord
            {
                Seq = seq,
                TimeUtc = t.AddSeconds(seq),
                Actor = "staff:an",
                Action = "create",
                DocumentId = Guid.NewGuid(),
                DetailsJson = $"{{\"n\":{seq}}}",
                PrevHash = prev,
                Hash = "",
            };
            r = r with { Hash = AuditChain.ComputeHash(r) };
            records.Add(r);
            prev = r.Hash;
        }

        return records;
    }

    private static AuditHead Head(List<AuditRecord> chain) => new(chain[^1].Seq, chain[^1].Hash);

    [Fact]
    public void An_intact_chain_verifies()
    {
        var chain = Chain(50);
        var v = AuditChainVerifier.Verify(chain, Head(chain));
        Assert.True(v.IsValid);
        Assert.Equal(50, v.RecordCount);
        Assert.Equal(chain[^1].Hash, v.HeadHash);
        Assert.True(AuditChainVerifier.Verify([], new AuditHead(0, AuditChain.GenesisHash)).IsValid);
    }

    [Fact]
    public void Every_field_is_covered_by_the_hash()
    {
        var r = Chain(1)[0];
        var variants = new[]
        {
            r with { Seq = 2 }, r with { TimeUtc = r.TimeUtc.AddTicks(10) }, r with { Actor = "x" }, r with { Action = "x" },
            r with { DocumentId = null }, r with { DetailsJson = "{}" }, r with { PrevHash = new string('1', 64) },
        };
        foreach (var v in variants) Assert.NotEqual(r.Hash, AuditChain.ComputeHash(v));
    }

    [Fact]
    public void Length_prefixes_keep_field_boundaries_apart()
    {
        var r = Chain(1)[0] with { Actor = "ab", Action = "c" };
        Assert.NotEqual(AuditChain.ComputeHash(r), AuditChain.ComputeHash(r with { Actor = "a", Action = "bc" }));
    }

    [Fact]
    public void An_edit_is_named()
    {
        var chain = Chain(10);
        chain[4] = chain[4] with { DetailsJson = "{\"n\":999}" };
        var p = AuditChainVerifier.Verify(chain, Head(chain)).Problem!;
        Assert.Equal((5L, AuditProblemKind.Edited), (p.Seq, p.Kind));
    }

    [Fact]
    public void A_swap_far_apart_is_a_reorder()
    {
        var chain = Chain(40);
        (chain[4], chain[30]) = (chain[30] with { Seq = 5 }, chain[4] with { Seq = 31 });
        var p = AuditChainVerifier.Verify(chain, Head(chain)).Problem!;
        Assert.Equal((5L, AuditProblemKind.Reordered), (p.Seq, p.Kind));
    }

    [Fact]
    public void A_gap_a_renumbering_and_a_short_tail_are_deletions()
    {
        var gap = Chain(10);
        gap.RemoveAt(3);
        Assert.Equal((4L, AuditProblemKind.Deleted), Kind(AuditChainVerifier.Verify(gap, Head(Chain(10)))));

        var chain = Chain(10);
        var head = Head(chain);
        var renumbered = chain.Take(3).Concat(chain.Skip(4).Select(r => r with { Seq = r.Seq - 1 })).ToList();
        Assert.Equal((4L, AuditProblemKind.Deleted), Kind(AuditChainVerifier.Verify(renumbered, head)));

        Assert.Equal((9L, AuditProblemKind.Deleted), Kind(AuditChainVerifier.Verify(chain.Take(8), head)));
        Assert.Equal((1L, AuditProblemKind.Deleted), Kind(AuditChainVerifier.Verify([], head)));
    }

    [Fact]
    public void A_rewritten_first_record_or_an_extra_tail_record_breaks_the_link_or_head()
    {
        var chain = Chain(5);
        var head = Head(chain);
        var forged = chain[0] with { PrevHash = new string('f', 64) };
        chain[0] = forged with { Hash = AuditChain.ComputeHash(forged) };
        Assert.Equal((1L, AuditProblemKind.BrokenLink), Kind(AuditChainVerifier.Verify(chain, head)));

        var longer = Chain(6);
        Assert.Equal((6L, AuditProblemKind.BrokenLink), Kind(AuditChainVerifier.Verify(longer, Head(longer.Take(5).ToList()))));
    }

    private static (long, AuditProblemKind) Kind(AuditVerification v) => (v.Problem!.Seq, v.Problem.Kind);
}
