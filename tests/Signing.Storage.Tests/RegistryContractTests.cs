using System.Security.Cryptography;
using System.Text;
using Signing.Core;
using Signing.Core.Documents;
using Signing.Testing;

namespace Signing.Storage.Tests;

/// <summary>
/// The storage contract, run unchanged against SQLite and a real PostgreSQL server
/// (<see cref="SqliteRegistryTests"/>, <see cref="PostgresRegistryTests"/>). Every test gets a
/// fresh database and blob folder.
/// </summary>
public abstract partial class RegistryContractTests : OpenedStoreTests
{
    protected IDocumentRegistry Registry => Storage.Registry;

    /// <summary>Runs SQL directly on the database, as an attacker or an operator would.</summary>
    protected abstract Task<int> ExecuteRawAsync(string sql);

    protected abstract Task<long> CountRawAsync(string sql);

    /// <summary>The `signing audit verify` arguments (and environment) that point at this store.</summary>
    protected abstract (string[] Args, Dictionary<string, string> Environment) CliTarget();

    /// <summary>Runs the real `signing` command line (built next to the tests).</summary>
    protected static ToolResult RunCli(IEnumerable<string> args, IDictionary<string, string>? environment = null) =>
        ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "signing.dll"), .. args], environment: environment);

    // ------------------------------------------------------------ helpers

    private static int _codes;

    protected static NewDocument NewDoc(string dossier = "000.00.15.H29-260305-0001", byte[]? pdf = null, string template = "giay-chung-nhan") => new()
    {
        VerificationCode = "VC" + Interlocked.Increment(ref _codes).ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + RandomNumberGenerator.GetHexString(4),
        DossierCode = dossier,
        Template = template,
        Pdf = pdf,
    };

    protected static byte[] Pdf(string text) => Encoding.UTF8.GetBytes("%PDF-1.7\n% " + text + "\n%%EOF\n");

    protected static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    protected async Task<DocumentRecord> CreateAsync(NewDocument? doc = null)
    {
        var d = doc ?? NewDoc();
        var result = await Registry.CreateAsync(d, "key-" + d.VerificationCode, "hash-" + d.VerificationCode, "staff:an");
        return result.Document;
    }

    /// <summary>Draft → awaiting → signed → sealed → issued, with a new PDF at each signing step.</summary>
    protected async Task<DocumentRecord> IssueAsync(NewDocument? doc = null)
    {
        var d = await CreateAsync(doc ?? NewDoc(pdf: Pdf("draft " + Guid.NewGuid())));
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an");
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.MarkSigned(), "head:binh", newPdf: Pdf("signed " + d.Id));
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.MarkSealed(), "seal:hsm", newPdf: Pdf("sealed " + d.Id));
        return await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Issue(), "seal:hsm");
    }

    private async Task<AuditVerification> VerifyAsync() => await Storage.Audit.VerifyAsync();

    // ------------------------------------------------------------ create + idempotency

    [Fact]
    public async Task Create_stores_a_draft_with_its_pdf_and_one_audit_record()
    {
        var pdf = Pdf("draft");
        var doc = NewDoc(pdf: pdf);
        var result = await Registry.CreateAsync(doc, "k1", "h1", "staff:an");

        Assert.True(result.Created);
        var d = result.Document;
        Assert.Equal(DocumentStatus.Draft, d.Status);
        Assert.Equal(1, d.Version);
        Assert.Equal(Sha(pdf), d.PdfSha256);
        Assert.Equal(Start, d.CreatedUtc);
        Assert.Equal(d, await Registry.GetAsync(d.Id));
        Assert.Equal(d, await Registry.GetByCodeAsync(doc.VerificationCode));
        Assert.Equal(pdf, await Storage.Blobs.GetAsync(d.PdfSha256!));
        var history = await Registry.GetHistoryAsync(d.Id);
        Assert.Equal("create", Assert.Single(history).Action);
        Assert.Equal("staff:an", history[0].Actor);
        Assert.Null(await Registry.GetAsync(Guid.NewGuid()));
        Assert.Null(await Registry.GetByCodeAsync("NOPE"));
    }

    [Fact]
    public async Task Same_idempotency_key_and_body_returns_the_same_document()
    {
        var doc = NewDoc(pdf: Pdf("x"));
        var first = await Registry.CreateAsync(doc, "key-1", "body-hash-1", "staff:an");
        var again = await Registry.CreateAsync(doc, "key-1", "body-hash-1", "staff:an");

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.Document, again.Document);
        Assert.Equal(1, (await Registry.ListAsync(new DocumentQuery())).Total);
        Assert.Equal(1, (await Storage.Audit.GetHeadAsync()).Seq);
    }

    [Fact]
    public async Task Same_idempotency_key_with_another_body_is_a_conflict_and_stores_nothing()
    {
        await Registry.CreateAsync(NewDoc(), "key-1", "body-hash-1", "staff:an");
        var ex = await Assert.ThrowsAsync<IdempotencyConflictException>(() => Registry.CreateAsync(NewDoc(), "key-1", "body-hash-2", "staff:an"));
        Assert.Contains("key-1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await Registry.ListAsync(new DocumentQuery())).Total);
    }

    [Fact]
    public async Task A_used_verification_code_is_refused()
    {
        var doc = NewDoc();
        await Registry.CreateAsync(doc, "key-1", "h1", "staff:an");
        await Assert.ThrowsAsync<DuplicateVerificationCodeException>(() => Registry.CreateAsync(doc with { DossierCode = "other" }, "key-2", "h2", "staff:an"));
        Assert.Equal(1, (await Storage.Audit.GetHeadAsync()).Seq);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_a_clear_message()
    {
        var ex = await Assert.ThrowsAsync<SigningException>(() => Registry.CreateAsync(NewDoc() with { VerificationCode = "  " }, "k", "h", "staff"));
        Assert.Equal("verification code is required", ex.Message);
        await Assert.ThrowsAsync<SigningException>(() => Registry.CreateAsync(NewDoc(), "", "h", "staff"));
        await Assert.ThrowsAsync<SigningException>(() => Registry.ListAsync(new DocumentQuery { Limit = 0 }));
        var empty = await Assert.ThrowsAsync<SigningException>(() => Registry.CreateAsync(NewDoc() with { Pdf = Array.Empty<byte>() }, "k", "h", "staff"));
        Assert.Equal("the PDF is empty", empty.Message);
        Assert.Equal(0, (await Storage.Audit.GetHeadAsync()).Seq);
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Registry.TransitionAsync(Guid.NewGuid(), 1, DocumentTransition.Issue(), "x"));
    }

    // ------------------------------------------------------------ lifecycle

    [Fact]
    public async Task A_document_goes_through_the_whole_lifecycle_and_keeps_every_pdf()
    {
        var d = await IssueAsync();

        Assert.Equal(DocumentStatus.Issued, d.Status);
        Assert.Equal("head:binh", d.SignerId);
        Assert.Equal(5, d.Version);
        Assert.Equal(d, await Registry.GetAsync(d.Id));
        var versions = await Registry.GetPdfVersionsAsync(d.Id);
        Assert.Equal([1L, 3L, 4L], versions.Select(v => v.Version));
        Assert.Equal([DocumentStatus.Draft, DocumentStatus.Signed, DocumentStatus.Sealed], versions.Select(v => v.Status));
        Assert.Equal(d.PdfSha256, versions[^1].PdfSha256);
        foreach (var v in versions) Assert.Equal(v.PdfSha256, Sha(await Storage.Blobs.GetAsync(v.PdfSha256)));

        var history = await Registry.GetHistoryAsync(d.Id);
        Assert.Equal(["create", "send_for_signature", "sign", "seal", "issue"], history.Select(h => h.Action));
        Assert.Contains("\"from\":\"sealed\"", history[^1].DetailsJson, StringComparison.Ordinal);
        Assert.Contains("\"to\":\"issued\"", history[^1].DetailsJson, StringComparison.Ordinal);

        var revoked = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Revoke("issued in error"), "admin:chi",
            new Dictionary<string, string> { ["ticket"] = "T-42" });
        Assert.Equal(DocumentStatus.Revoked, revoked.Status);
        Assert.Equal("issued in error", revoked.EndReason);
        Assert.Contains("\"details\":{\"ticket\":\"T-42\"}", (await Registry.GetHistoryAsync(d.Id))[^1].DetailsJson, StringComparison.Ordinal);
        Assert.True((await VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task An_illegal_transition_is_refused_and_changes_nothing()
    {
        var d = await CreateAsync();
        var head = await Storage.Audit.GetHeadAsync();

        var ex = await Assert.ThrowsAsync<IllegalTransitionException>(() => Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Issue(), "seal:hsm"));
        Assert.Contains("draft and cannot go to issued", ex.Message, StringComparison.Ordinal);
        Assert.Equal(d, await Registry.GetAsync(d.Id));
        Assert.Equal(head, await Storage.Audit.GetHeadAsync());

        await Assert.ThrowsAsync<IllegalTransitionException>(() => Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Supersede("x"), "admin"));
    }

    [Fact]
    public async Task A_retryable_failure_returns_to_the_step_it_failed_at_and_a_final_one_stays()
    {
        var d = await CreateAsync();
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an");
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.MarkSigned(), "head:binh");
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Fail("TSA unreachable", retryable: true), "seal:hsm");
        Assert.Equal(DocumentStatus.Failed, d.Status);
        Assert.Equal(new DocumentFailure("TSA unreachable", true, DocumentStatus.Signed), d.Failure);
        Assert.Equal(d, await Registry.GetAsync(d.Id));

        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Retry(), "seal:hsm");
        Assert.Equal(DocumentStatus.Signed, d.Status);
        Assert.Null(d.Failure);
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.MarkSealed(), "seal:hsm");

        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Fail("certificate revoked", retryable: false), "seal:hsm");
        var ex = await Assert.ThrowsAsync<IllegalTransitionException>(() => Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.Retry(), "seal:hsm"));
        Assert.Contains("final", ex.Message, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------ optimistic concurrency

    [Fact]
    public async Task A_stale_version_is_a_conflict()
    {
        var d = await CreateAsync();
        await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an");
        var ex = await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature("head:cuong"), "staff:an"));
        Assert.Contains("version 2, not 1", ex.Message, StringComparison.Ordinal);
        Assert.Equal("head:binh", (await Registry.GetAsync(d.Id))!.SignerId);
    }

    [Fact]
    public async Task Concurrent_transitions_from_the_same_version_exactly_one_wins()
    {
        var d = await CreateAsync();
        d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an");

        using var go = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            go.Wait();
            // Half try to sign, half to re-assign: every one starts from the same version.
            var t = i % 2 == 0 ? DocumentTransition.MarkSigned() : DocumentTransition.SendForSignature("head:other" + i);
            return await Registry.TransitionAsync(d.Id, d.Version, t, "worker" + i, newPdf: Pdf("attempt " + i));
        })).ToList();
        go.Set();
        var outcomes = new List<Exception?>();
        foreach (var a in attempts)
        {
            try
            {
                await a;
                outcomes.Add(null);
            }
            catch (ConcurrencyConflictException ex)
            {
                outcomes.Add(ex);
            }
        }

        Assert.Equal(1, outcomes.Count(o => o is null));
        Assert.Equal(7, outcomes.Count(o => o is ConcurrencyConflictException));
        var after = await Registry.GetAsync(d.Id);
        Assert.Equal(d.Version + 1, after!.Version);
        Assert.Equal(3, (await Registry.GetHistoryAsync(d.Id)).Count);
        // Only the winner's PDF became a version; the losers' blobs are orphans for cleanup.
        Assert.Equal(after.Version, Assert.Single(await Registry.GetPdfVersionsAsync(d.Id)).Version);
        Assert.True((await VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task Concurrent_writers_never_fork_the_audit_chain()
    {
        var tasks = Enumerable.Range(0, 24).Select(_ => Task.Run(() => IssueAsync())).ToArray();
        await Task.WhenAll(tasks);

        var verification = await VerifyAsync();
        Assert.True(verification.IsValid, verification.Problem?.Message);
        Assert.Equal(24 * 5, verification.RecordCount);
        Assert.Equal(24 * 5, (await Storage.Audit.GetHeadAsync()).Seq);
        Assert.Equal(24 * 5, await CountRawAsync("SELECT COUNT(DISTINCT prev_hash) FROM audit_log"));
    }

    // ------------------------------------------------------------ list + paging

    [Fact]
    public async Task List_filters_by_status_signer_dossier_and_date_and_pages_newest_first()
    {
        var created = new List<DocumentRecord>();
        for (var i = 0; i < 7; i++)
        {
            var d = await CreateAsync(NewDoc(dossier: i < 4 ? "DOSSIER-A" : "DOSSIER-B"));
            if (i % 2 == 0) d = await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature(i < 4 ? "head:binh" : "head:cuong"), "staff");
            created.Add(d);
            Clock.Advance(TimeSpan.FromHours(1));
        }

        var all = await Registry.ListAsync(new DocumentQuery());
        Assert.Equal(7, all.Total);
        Assert.Equal(created.Select(c => c.Id).Reverse(), all.Items.Select(i => i.Id));

        Assert.Equal(4, (await Registry.ListAsync(new DocumentQuery { Status = DocumentStatus.AwaitingSignature })).Total);
        Assert.Equal(3, (await Registry.ListAsync(new DocumentQuery { Status = DocumentStatus.Draft })).Total);
        var binh = await Registry.ListAsync(new DocumentQuery { SignerId = "head:binh" });
        Assert.Equal([created[2].Id, created[0].Id], binh.Items.Select(i => i.Id));
        Assert.Equal(3, (await Registry.ListAsync(new DocumentQuery { DossierCode = "DOSSIER-B" })).Total);
        var window = await Registry.ListAsync(new DocumentQuery { CreatedFrom = Start.AddHours(2), CreatedBefore = Start.AddHours(5) });
        Assert.Equal([created[4].Id, created[3].Id, created[2].Id], window.Items.Select(i => i.Id));
        var combined = await Registry.ListAsync(new DocumentQuery { Status = DocumentStatus.AwaitingSignature, DossierCode = "DOSSIER-B", SignerId = "head:cuong" });
        Assert.Equal([created[6].Id, created[4].Id], combined.Items.Select(i => i.Id));

        var pages = new List<Guid>();
        for (var offset = 0; ; offset += 3)
        {
            var page = await Registry.ListAsync(new DocumentQuery { Limit = 3, Offset = offset });
            Assert.Equal(7, page.Total);
            pages.AddRange(page.Items.Select(i => i.Id));
            if (!page.HasMore) break;
        }

        Assert.Equal(all.Items.Select(i => i.Id), pages);
    }

    // ------------------------------------------------------------ supersede

    [Fact]
    public async Task Supersede_links_old_and_replacement_both_ways()
    {
        var old = await IssueAsync();
        var draft = await CreateAsync();
        await Assert.ThrowsAsync<IllegalTransitionException>(() => Registry.SupersedeAsync(old.Id, old.Version, draft.Id, "corrected name", "admin:chi"));
        var replacement = await IssueAsync();

        var result = await Registry.SupersedeAsync(old.Id, old.Version, replacement.Id, "corrected name", "admin:chi");

        Assert.Equal(DocumentStatus.Superseded, result.Superseded.Status);
        Assert.Equal(replacement.Id, result.Superseded.ReplacedBy);
        Assert.Equal("corrected name", result.Superseded.EndReason);
        Assert.Equal(old.Id, result.Replacement.Replaces);
        Assert.Equal(DocumentStatus.Issued, result.Replacement.Status);
        Assert.Equal(result.Superseded, await Registry.GetAsync(old.Id));
        Assert.Equal(result.Replacement, await Registry.GetAsync(replacement.Id));
        Assert.Equal("supersede", (await Registry.GetHistoryAsync(old.Id))[^1].Action);
        Assert.Equal("link_replaces", (await Registry.GetHistoryAsync(replacement.Id))[^1].Action);

        // Final: neither revoked nor superseded again; and a replacement replaces only one.
        await Assert.ThrowsAsync<IllegalTransitionException>(() => Registry.TransitionAsync(old.Id, result.Superseded.Version, DocumentTransition.Revoke("x"), "admin"));
        var other = await IssueAsync();
        await Assert.ThrowsAsync<IllegalTransitionException>(() => Registry.SupersedeAsync(other.Id, other.Version, replacement.Id, "x", "admin"));
        var another = await IssueAsync();
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => Registry.SupersedeAsync(other.Id, other.Version - 1, another.Id, "x", "admin"));
        Assert.True((await VerifyAsync()).IsValid);
    }

    // ------------------------------------------------------------ audit chain

    private async Task<DocumentRecord> ManyOperationsAsync()
    {
        DocumentRecord last = null!;
        for (var i = 0; i < 4; i++) last = await IssueAsync(); // 20 records
        return last;
    }

    [Fact]
    public async Task The_audit_chain_verifies_after_many_operations()
    {
        var last = await ManyOperationsAsync();
        await Registry.TransitionAsync(last.Id, last.Version, DocumentTransition.Revoke("error"), "admin");
        var v = await VerifyAsync();
        Assert.True(v.IsValid, v.Problem?.Message);
        Assert.Equal(21, v.RecordCount);
        Assert.Equal((await Storage.Audit.GetHeadAsync()).Hash, v.HeadHash);
        var page = await Storage.Audit.ReadAsync(5, 3);
        Assert.Equal([5L, 6L, 7L], page.Select(r => r.Seq));
        Assert.Equal(page[0].Hash, page[1].PrevHash);
    }

    [Fact]
    public async Task An_edited_audit_record_is_found_by_seq()
    {
        await ManyOperationsAsync();
        await ExecuteRawAsync("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 7");
        var v = await VerifyAsync();
        Assert.Equal(new AuditProblem(7, AuditProblemKind.Edited, "audit record seq 7 was edited: its content does not match its hash"), v.Problem);
    }

    [Fact]
    public async Task An_edited_record_with_a_recomputed_hash_breaks_the_next_link()
    {
        await ManyOperationsAsync();
        var records = await Storage.Audit.ReadAsync(7, 1);
        var forged = records[0] with { Actor = "someone-else" };
        await ExecuteRawAsync($"UPDATE audit_log SET actor = 'someone-else', hash = '{AuditChain.ComputeHash(forged)}' WHERE seq = 7");
        var v = await VerifyAsync();
        Assert.Equal(8, v.Problem!.Seq);
        Assert.Equal(AuditProblemKind.BrokenLink, v.Problem.Kind);
    }

    [Fact]
    public async Task A_deleted_audit_record_is_found_by_seq()
    {
        await ManyOperationsAsync();
        await ExecuteRawAsync("DELETE FROM audit_log WHERE seq = 9");
        var v = await VerifyAsync();
        Assert.Equal(new AuditProblem(9, AuditProblemKind.Deleted, "audit record seq 9 is missing: deleted"), v.Problem);
    }

    [Fact]
    public async Task A_deleted_record_with_renumbered_successors_is_found_by_seq()
    {
        await ManyOperationsAsync();
        await ExecuteRawAsync("DELETE FROM audit_log WHERE seq = 9");
        await ExecuteRawAsync("UPDATE audit_log SET seq = -seq WHERE seq > 9");
        await ExecuteRawAsync("UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0");
        var v = await VerifyAsync();
        Assert.Equal(9, v.Problem!.Seq);
        Assert.Equal(AuditProblemKind.Deleted, v.Problem.Kind);
        Assert.Contains("renumbered", v.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleted_records_at_the_end_are_found_against_the_chain_head()
    {
        await ManyOperationsAsync();
        await ExecuteRawAsync("DELETE FROM audit_log WHERE seq >= 19");
        var v = await VerifyAsync();
        Assert.Equal(19, v.Problem!.Seq);
        Assert.Equal(AuditProblemKind.Deleted, v.Problem.Kind);
        Assert.Contains("seqs 19..20", v.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reordered_audit_records_are_found_by_seq()
    {
        await ManyOperationsAsync();
        await ExecuteRawAsync("UPDATE audit_log SET seq = -1 WHERE seq = 12");
        await ExecuteRawAsync("UPDATE audit_log SET seq = 12 WHERE seq = 13");
        await ExecuteRawAsync("UPDATE audit_log SET seq = 13 WHERE seq = -1");
        var v = await VerifyAsync();
        Assert.Equal(12, v.Problem!.Seq);
        Assert.Equal(AuditProblemKind.Reordered, v.Problem.Kind);
        Assert.Contains("seq 12 holds the record written as seq 13", v.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_audit_verify_prints_ok_and_then_names_the_first_broken_record()
    {
        await ManyOperationsAsync();
        var (args, env) = CliTarget();

        var ok = RunCli(["audit", "verify", .. args], env);
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Equal($"audit chain OK: 20 records, head {(await Storage.Audit.GetHeadAsync()).Hash}\nno anchors yet: unanchored since seq 1", ok.StdOut.Trim().ReplaceLineEndings("\n"));

        await ExecuteRawAsync("DELETE FROM audit_log WHERE seq = 4");
        var broken = RunCli(["audit", "verify", .. args], env);
        Assert.Equal(1, broken.ExitCode);
        Assert.Equal("", broken.StdOut);
        Assert.Equal("audit chain BROKEN at seq 4 (deleted): audit record seq 4 is missing: deleted", broken.StdErr.Trim());
    }

    // ------------------------------------------------------------ archive index

    [Fact]
    public async Task Archive_claims_exclude_each_other_and_a_renewal_commits_once_with_one_audit_record()
    {
        var archive = Storage.Archive;
        var d = await IssueAsync();
        var draft = await CreateAsync(NewDoc(pdf: Pdf("draft only")));
        var unindexed = await archive.ListUnindexedAsync(100);
        Assert.Contains(unindexed, u => u.Id == d.Id);
        Assert.DoesNotContain(unindexed, u => u.Id == draft.Id);

        var tsa = Start.AddDays(700);
        var facts = new ArchiveFacts(Start, tsa, "SHA256 RSA-2048");
        Assert.True(await archive.IndexAsync(d.Id, d.PdfSha256!, facts));
        Assert.False(await archive.IndexAsync(d.Id, "0000", facts)); // not the current PDF
        Assert.DoesNotContain(await archive.ListUnindexedAsync(100), u => u.Id == d.Id);
        Assert.Contains("SHA256 RSA-2048", await archive.ListAlgorithmsAsync());
        Assert.Empty(await archive.ListCandidatesAsync(tsa.AddDays(-1), [], Start, 10));
        Assert.Single(await archive.ListCandidatesAsync(tsa, [], Start, 10));
        Assert.Single(await archive.ListCandidatesAsync(Start, ["SHA256 RSA-2048"], Start, 10));

        // One claim at a time; a live claim hides the row from other instances' candidates.
        Assert.True(await archive.TryClaimAsync(d.Id, d.PdfSha256!, "instance-a", Start.AddMinutes(15)));
        Assert.False(await archive.TryClaimAsync(d.Id, d.PdfSha256!, "instance-b", Start.AddMinutes(15)));
        Assert.Empty(await archive.ListCandidatesAsync(tsa, [], Start, 10));
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            archive.RenewAsync(d.Id, d.PdfSha256!, "instance-b", Pdf("renewed by b"), facts, "archive-upkeep"));

        // After the lease, another instance may take it over; the first one's late commit is refused.
        Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.True(await archive.TryClaimAsync(d.Id, d.PdfSha256!, "instance-b", Clock.GetUtcNow().AddMinutes(15)));
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            archive.RenewAsync(d.Id, d.PdfSha256!, "instance-a", Pdf("renewed by a"), facts, "archive-upkeep"));
        var newFacts = new ArchiveFacts(Clock.GetUtcNow(), tsa.AddDays(700), "SHA256 RSA-3072");
        var renewed = await archive.RenewAsync(d.Id, d.PdfSha256!, "instance-b", Pdf("renewed by b"), newFacts, "archive-upkeep",
            new Dictionary<string, string> { ["reason"] = "tsa-certificate-expiry" });
        Assert.Equal(d.Version + 1, renewed.Version);
        Assert.Equal(DocumentStatus.Issued, renewed.Status);
        Assert.Equal(renewed, await Registry.GetAsync(d.Id));

        // A second commit of the same renewal is refused: the PDF is no longer the one it renewed.
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            archive.RenewAsync(d.Id, d.PdfSha256!, "instance-b", Pdf("renewed again"), newFacts, "archive-upkeep"));
        var entry = await archive.GetEntryAsync(d.Id);
        Assert.Equal(renewed.PdfSha256, entry!.PdfSha256);
        Assert.Equal(1, entry.Renewals);
        Assert.Null(entry.ClaimOwner);
        Assert.Equal(newFacts with { TimestampTime = entry.Facts.TimestampTime }, entry.Facts);

        var versions = await Registry.GetPdfVersionsAsync(d.Id);
        Assert.Equal([d.PdfSha256!, renewed.PdfSha256!], versions.TakeLast(2).Select(v => v.PdfSha256));
        var history = await Registry.GetHistoryAsync(d.Id);
        Assert.Equal("archive_renew", history[^1].Action);
        Assert.Single(history, r => r.Action == "archive_renew");
        Assert.Contains(d.PdfSha256!, history[^1].DetailsJson, StringComparison.Ordinal);
        Assert.True((await VerifyAsync()).IsValid);

        // A failed renewal gives its claim back.
        Assert.True(await archive.TryClaimAsync(d.Id, renewed.PdfSha256!, "instance-c", Clock.GetUtcNow().AddMinutes(15)));
        await archive.ReleaseAsync(d.Id, "instance-c");
        Assert.Null((await archive.GetEntryAsync(d.Id))!.ClaimOwner);
    }

    // ------------------------------------------------------------ migrations

    [Fact]
    public async Task Migrations_are_applied_once_and_reopening_is_a_no_op()
    {
        // schema, archive index, counter forms, list indexes, service state, audit anchors, webhooks, idempotent responses; blobs on PostgreSQL only
        Assert.Equal(Storage.Engine == "postgres" ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 3, 4, 5, 6, 7, 8], Storage.AppliedMigrations);
        var applied = Storage.AppliedMigrations.Count;
        var d = await IssueAsync();
        await ReopenAsync();
        Assert.Empty(Storage.AppliedMigrations);
        Assert.Equal(d, await Registry.GetAsync(d.Id));
        Assert.Equal(applied, await CountRawAsync("SELECT COUNT(*) FROM schema_version"));
        Assert.True((await VerifyAsync()).IsValid);

        await using var readOnly = await OpenAsync(new StorageOptions { Time = Clock, Migrate = false, CreateIfMissing = false });
        Assert.Equal(d, await readOnly.Registry.GetAsync(d.Id));
    }

    [Fact]
    public async Task A_database_newer_than_the_program_is_refused()
    {
        await ExecuteRawAsync("INSERT INTO schema_version (version, name, applied_at_us) VALUES (999, 'future', 0)");
        var ex = await Assert.ThrowsAsync<StorageException>(() => OpenAsync(new StorageOptions { Time = Clock }));
        Assert.Contains("schema version 999", ex.Message, StringComparison.Ordinal);
    }
}
