using System.Security.Cryptography;
using Signing.Core.Documents;
using Signing.Testing.Pades;
using Signing.Validation;
using Signing.Validation.Policy;

namespace Signing.Storage.Tests;

/// <summary>TSA anchors of the audit chain, on both engines, with the dev PKI's real TSA (in process) and its OCSP responders.</summary>
public abstract partial class RegistryContractTests
{
    private static readonly Lazy<RevocationPki> AnchorPki = new(() => new RevocationPki());

    /// <summary>A DER blob as an SQL literal of this engine (an attacker's UPDATE).</summary>
    protected abstract string BlobLiteral(byte[] bytes);

    private static AuditAnchorTokenCheck TokenCheck(RevocationPki? pki = null)
    {
        var p = pki ?? AnchorPki.Value;
        return new AuditAnchorTokenCheck(new Validation.VerificationPolicy { TrustAnchors = p.Anchors, Revocation = RevocationPolicy.Default with { Mode = RevocationMode.HardFail, Online = p.Source } });
    }

    private async Task<AuditAnchor> AnchorHeadAsync()
    {
        var head = await Storage.Audit.GetHeadAsync();
        var token = await AnchorPki.Value.Tsa.GetTokenAsync(AuditAnchors.Imprint(head.Seq, head.Hash), HashAlgorithmName.SHA256);
        var anchor = new AuditAnchor(head.Seq, head.Hash, token, Clock.GetUtcNow());
        Assert.True(await Storage.Audit.AddAnchorAsync(anchor));
        return anchor;
    }

    /// <summary>
    /// What an attacker with database access does: changes <paramref name="seq"/>'s actor, then
    /// recomputes every prev_hash and hash with the chain's own algorithm, moves the head, and makes
    /// the anchor rows' hashes agree with the new chain.
    /// </summary>
    private async Task RewriteChainAsync(long seq, string actor)
    {
        var records = await Storage.Audit.ReadAsync(1, 10_000);
        var prev = AuditChain.GenesisHash;
        foreach (var record in records)
        {
            var forged = record with { Actor = record.Seq == seq ? actor : record.Actor, PrevHash = prev };
            var hash = AuditChain.ComputeHash(forged);
            await ExecuteRawAsync($"UPDATE audit_log SET actor = '{forged.Actor}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {record.Seq}");
            prev = hash;
        }

        await ExecuteRawAsync($"UPDATE audit_head SET hash = '{prev}' WHERE id = 1");
        await ExecuteRawAsync("UPDATE audit_anchors SET hash = (SELECT hash FROM audit_log WHERE audit_log.seq = audit_anchors.seq)");
    }

    [Fact]
    public async Task An_honest_chain_passes_and_reports_the_tail_after_the_last_anchor()
    {
        await IssueAsync();
        var none = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.True(none.IsValid, none.Problem?.Message);
        Assert.Equal(new AuditAnchoring(0, 0, null, 1), none.Anchoring);
        Assert.Equal("no anchors yet: unanchored since seq 1", none.Anchoring!.Describe());

        var first = await AnchorHeadAsync();
        await IssueAsync();
        var second = await AnchorHeadAsync();
        await IssueAsync();

        var v = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.True(v.IsValid, v.Problem?.Message);
        Assert.Equal(15, v.RecordCount);
        Assert.Equal(5, first.Seq);
        Assert.Equal(2, v.Anchoring!.AnchorCount);
        Assert.Equal(second.Seq, v.Anchoring.LastAnchoredSeq);
        Assert.Equal(11, v.Anchoring.UnanchoredFrom);
        Assert.Contains("unanchored since seq 11", v.Anchoring.Describe(), StringComparison.Ordinal);
        Assert.InRange(v.Anchoring.LastAnchorTime!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        await AnchorHeadAsync();
        var full = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.True(full.IsValid, full.Problem?.Message);
        Assert.Null(full.Anchoring!.UnanchoredFrom);
        Assert.Contains("the head is anchored", full.Anchoring.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_rewritten_whole_passes_the_hash_check_but_fails_at_its_first_anchor()
    {
        await IssueAsync();
        await AnchorHeadAsync(); // seq 5
        await IssueAsync();
        await AnchorHeadAsync(); // seq 10

        await RewriteChainAsync(3, "staff:mallory");

        // The chain alone is consistent again: this is the rewrite the anchors exist for.
        Assert.True((await Storage.Audit.VerifyAsync()).IsValid);
        var v = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.False(v.IsValid);
        Assert.Equal(5, v.Problem!.Seq);
        Assert.Equal(AuditProblemKind.AnchorFailed, v.Problem.Kind);
        Assert.Equal("the anchor at seq 5: its token does not timestamp this seq with the chain hash recomputed from the log: the chain was rewritten after it was anchored", v.Problem.Message);
    }

    [Fact]
    public async Task A_rewrite_after_the_last_anchor_is_not_caught_and_the_report_says_how_far_anchors_reach()
    {
        await IssueAsync();
        await AnchorHeadAsync(); // seq 5
        await IssueAsync();

        await RewriteChainAsync(8, "staff:mallory");

        var v = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.True(v.IsValid, v.Problem?.Message);
        Assert.Equal(6, v.Anchoring!.UnanchoredFrom);
    }

    [Fact]
    public async Task A_tampered_or_swapped_anchor_token_fails_naming_its_seq()
    {
        await IssueAsync();
        var five = await AnchorHeadAsync();
        await IssueAsync();
        var ten = await AnchorHeadAsync();

        // One bit of the signature value (the token's last bytes) flipped.
        var flipped = (byte[])ten.Token.Clone();
        flipped[^1] ^= 0x01;
        await ExecuteRawAsync($"UPDATE audit_anchors SET token = {BlobLiteral(flipped)} WHERE seq = 10");
        var v = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.Equal(new AuditProblem(10, AuditProblemKind.AnchorFailed,
            "the anchor at seq 10: the timestamp token is not acceptable: the signature value does not verify with the TSA certificate"), v.Problem);

        // A genuine token, but for another seq.
        await ExecuteRawAsync($"UPDATE audit_anchors SET token = {BlobLiteral(five.Token)} WHERE seq = 10");
        v = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.Equal(10, v.Problem!.Seq);
        Assert.Contains("does not timestamp this seq", v.Problem.Message, StringComparison.Ordinal);

        // Not a token at all.
        await ExecuteRawAsync($"UPDATE audit_anchors SET token = {BlobLiteral([0x30, 0x03, 0x02, 0x01, 0x01])} WHERE seq = 5");
        v = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.Equal(new AuditProblem(5, AuditProblemKind.AnchorFailed, "the anchor at seq 5: the timestamp token cannot be decoded"), v.Problem);
    }

    [Fact]
    public async Task An_anchor_from_a_TSA_outside_the_trust_anchors_fails()
    {
        await IssueAsync();
        await AnchorHeadAsync();
        using var stranger = new RevocationPki();
        var v = await Storage.Audit.VerifyAsync(TokenCheck(stranger));
        Assert.Equal(5, v.Problem!.Seq);
        Assert.StartsWith("the anchor at seq 5: the TSA certificate is not trusted for timestamps", v.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Records_an_anchor_covered_cannot_be_deleted_even_with_the_head_moved_back()
    {
        await IssueAsync();
        await IssueAsync();
        await AnchorHeadAsync(); // seq 10
        var eight = (await Storage.Audit.ReadAsync(8, 1))[0];
        await ExecuteRawAsync("DELETE FROM audit_log WHERE seq > 8");
        await ExecuteRawAsync($"UPDATE audit_head SET seq = 8, hash = '{eight.Hash}' WHERE id = 1");

        Assert.True((await Storage.Audit.VerifyAsync()).IsValid);
        var v = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.Equal(new AuditProblem(10, AuditProblemKind.AnchorFailed, "the anchor at seq 10 has no record at that seq: records it covered were deleted"), v.Problem);
    }

    [Fact]
    public async Task An_edited_anchor_row_hash_is_named()
    {
        await IssueAsync();
        await AnchorHeadAsync();
        await ExecuteRawAsync($"UPDATE audit_anchors SET hash = '{new string('a', 64)}' WHERE seq = 5");
        var v = await Storage.Audit.VerifyAsync(TokenCheck());
        Assert.Equal(5, v.Problem!.Seq);
        Assert.Contains("the anchor row was edited", v.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_anchor_is_stored_once_per_seq_and_only_for_the_hash_the_record_has()
    {
        await IssueAsync();
        var anchor = await AnchorHeadAsync();
        Assert.False(await Storage.Audit.AddAnchorAsync(anchor)); // a second instance's insert: harmless
        Assert.False(await Storage.Audit.AddAnchorAsync(anchor with { Token = [1, 2, 3] }));
        Assert.Equal(anchor.Token, (await Storage.Audit.GetLastAnchorAsync())!.Token);
        Assert.Single(await Storage.Audit.ReadAnchorsAsync(1, 100));

        var wrong = await Assert.ThrowsAsync<StorageException>(() => Storage.Audit.AddAnchorAsync(anchor with { Seq = 4 }));
        Assert.StartsWith("audit record seq 4 has the hash", wrong.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<StorageException>(() => Storage.Audit.AddAnchorAsync(anchor with { Seq = 6 }));
        Assert.Equal("there is no audit record at seq 6 to anchor", missing.Message);
        await Assert.ThrowsAsync<Core.SigningException>(() => Storage.Audit.AddAnchorAsync(anchor with { Hash = "not-hex" }));
    }

    [Fact]
    public async Task Signing_audit_verify_checks_the_anchors_and_names_the_first_that_fails()
    {
        await IssueAsync();
        await AnchorHeadAsync();
        await IssueAsync();
        var (args, env) = CliTarget();
        var trust = AnchorPki.Value.Layout.CertificateFile(Signing.DevPki.DevPkiBuilder.RootLabel);

        var ok = RunCli(["audit", "verify", .. args, "--trust", trust], env);
        Assert.True(ok.ExitCode == 0, ok.All);
        var lines = ok.StdOut.Trim().ReplaceLineEndings("\n").Split('\n');
        Assert.Equal($"audit chain OK: 10 records, head {(await Storage.Audit.GetHeadAsync()).Hash}", lines[0]);
        Assert.Matches(@"^1 anchors OK, the last at seq 5 \(timestamped \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\); unanchored since seq 6$", lines[1]);

        var tooLong = RunCli(["audit", "verify", .. args, "--trust", trust, "--max-unanchored", "4"], env);
        Assert.Equal(1, tooLong.ExitCode);
        Assert.Equal("audit chain NOT ANCHORED enough: the last 5 records (from seq 6) have no good anchor, more than --max-unanchored 4", tooLong.StdErr.Trim());

        await RewriteChainAsync(1, "staff:mallory");
        var broken = RunCli(["audit", "verify", .. args, "--trust", trust], env);
        Assert.Equal(1, broken.ExitCode);
        Assert.Equal("", broken.StdOut);
        Assert.Equal("audit chain BROKEN at seq 5 (anchorfailed): the anchor at seq 5: its token does not timestamp this seq with the chain hash recomputed from the log: the chain was rewritten after it was anchored",
            broken.StdErr.Trim());
    }
}
