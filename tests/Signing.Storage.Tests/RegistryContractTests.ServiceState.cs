using System.Security.Cryptography;
using Signing.Core.Documents;

namespace Signing.Storage.Tests;

/// <summary>The service's own state in the registry (facts, heads, prepared requests, the import, document locks), on both engines.</summary>
public abstract partial class RegistryContractTests
{
    private const string FactsJson = "{\n  \"verificationCode\": \"X\",\n  \"pageCount\": 2\n}";

    private async Task<IReadOnlyList<AuditRecord>> AuditTailAsync(int count)
    {
        var head = await Storage.Audit.GetHeadAsync();
        return await Storage.Audit.ReadAsync(head.Seq - count + 1, count);
    }

    private static HeadEnrollment Head(string id, string name, byte[]? certificate = null) => new()
    {
        HeadId = id,
        Name = name,
        Certificate = certificate ?? RandomNumberGenerator.GetBytes(300),
        Chain = [RandomNumberGenerator.GetBytes(200), RandomNumberGenerator.GetBytes(180)],
        CertificateSha256 = Convert.ToHexString(SHA256.HashData(certificate ?? RandomNumberGenerator.GetBytes(8))),
        EnrolledUtc = Start,
    };

    private PreparedRequestRecord Request(DocumentRecord d, string head = "head:binh", DateTimeOffset? expires = null) => new()
    {
        RequestId = Guid.NewGuid(),
        DocumentId = d.Id,
        DocumentVersion = d.Version,
        HeadId = head,
        CertificateSha256 = "AB12",
        ExpiresUtc = expires ?? Clock.GetUtcNow().AddMinutes(10),
        Payload = "{\n  \"nonce\": \"n\"\n}",
    };

    private async Task<DocumentRecord> AwaitingAsync()
    {
        var d = await CreateAsync(NewDoc(pdf: Pdf("draft " + Guid.NewGuid())));
        return await Registry.TransitionAsync(d.Id, d.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an");
    }

    [Fact]
    public async Task Facts_commit_with_the_create_and_a_replay_keeps_the_first()
    {
        var doc = NewDoc(pdf: Pdf("facts")) with { FactsJson = FactsJson };
        var created = await Registry.CreateAsync(doc, "k-facts", "h-facts", "staff:an");
        Assert.Equal(FactsJson, await Registry.GetFactsAsync(created.Document.Id));

        // The replay rendered again under another code: its facts are not kept anywhere.
        var replay = await Registry.CreateAsync(NewDoc(pdf: Pdf("facts again")) with { FactsJson = "{\"other\": 1}" }, "k-facts", "h-facts", "staff:an");
        Assert.False(replay.Created);
        Assert.Equal(FactsJson, await Registry.GetFactsAsync(created.Document.Id));
        Assert.Equal(1, await CountRawAsync("SELECT COUNT(*) FROM document_facts"));
        Assert.Null(await Registry.GetFactsAsync((await CreateAsync()).Id));
        Assert.Null(await Registry.GetFactsAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task An_enrolment_is_one_audit_record_a_repeat_changes_nothing_and_a_new_certificate_names_the_old()
    {
        var heads = Storage.Heads;
        var cert = RandomNumberGenerator.GetBytes(300);
        var binh = Head("HEAD-B", "Trần Bình", cert);
        await heads.EnrollAsync(binh, "cert:HEAD-B");
        await heads.EnrollAsync(Head("HEAD-A", "Lê An"), "cert:HEAD-A");
        var seq = (await Storage.Audit.GetHeadAsync()).Seq;
        await heads.EnrollAsync(binh, "cert:HEAD-B");
        Assert.Equal(seq, (await Storage.Audit.GetHeadAsync()).Seq);

        var stored = await heads.GetAsync("HEAD-B");
        Assert.NotNull(stored);
        Assert.Equal(cert, stored.Certificate);
        Assert.Equal(binh.Chain, stored.Chain);
        Assert.Equal(binh.CertificateSha256, stored.CertificateSha256);
        Assert.Equal(Start, stored.EnrolledUtc);
        Assert.Equal(["Lê An", "Trần Bình"], (await heads.ListAsync()).Select(h => h.Name));
        Assert.Null(await heads.GetAsync("HEAD-C"));

        var renewed = Head("HEAD-B", "Trần Bình");
        await heads.EnrollAsync(renewed, "cert:HEAD-B");
        Assert.Equal(renewed.CertificateSha256, (await heads.GetAsync("HEAD-B"))!.CertificateSha256);
        var record = Assert.Single(await AuditTailAsync(1));
        Assert.Equal("enrol_head", record.Action);
        Assert.Null(record.DocumentId);
        Assert.Contains($"\"previous_certificate_sha256\":\"{binh.CertificateSha256}\"", record.DetailsJson, StringComparison.Ordinal);
        Assert.Equal(3, await CountRawAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'enrol_head'"));
        Assert.True((await VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task A_prepared_request_is_saved_only_while_the_document_awaits_that_head_at_that_version()
    {
        var d = await AwaitingAsync();
        var requests = Storage.PreparedRequests;
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => requests.SaveAsync(Request(d) with { DocumentVersion = d.Version - 1 }, "cert:binh"));
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => requests.SaveAsync(Request(d, head: "head:cuong"), "cert:cuong"));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => requests.SaveAsync(Request(d) with { DocumentId = Guid.NewGuid() }, "cert:binh"));
        Assert.Equal(0, await CountRawAsync("SELECT COUNT(*) FROM prepared_requests"));

        var request = Request(d);
        await requests.SaveAsync(request, "cert:binh");
        Assert.Equal(request, await requests.GetAsync(request.RequestId));
        Assert.Null(await requests.GetAsync(Guid.NewGuid()));
        var record = Assert.Single(await AuditTailAsync(1));
        Assert.Equal("prepare_signature", record.Action);
        Assert.Null(record.DocumentId); // a prepare changes no document: its history stays create, send_for_signature
        Assert.Contains(request.RequestId.ToString("D"), record.DetailsJson, StringComparison.Ordinal);
        Assert.Equal(2, (await Registry.GetHistoryAsync(d.Id)).Count);
    }

    [Fact]
    public async Task Completions_racing_on_one_document_commit_exactly_once_by_the_version_alone()
    {
        var d = await AwaitingAsync();
        var first = Request(d);
        var second = Request(d);
        await Storage.PreparedRequests.SaveAsync(first, "cert:binh");
        await Storage.PreparedRequests.SaveAsync(second, "cert:binh");

        // No document lock here: the same request three times and another request on the same version, at once.
        using var go = new ManualResetEventSlim();
        var attempts = new[] { first, first, first, second, second, second }.Select((r, i) => Task.Run(async () =>
        {
            go.Wait();
            return await Storage.PreparedRequests.CompleteAsync(r.RequestId, "cert:binh", new Dictionary<string, string> { ["requestId"] = r.RequestId.ToString("D") },
                Pdf("signed " + i));
        })).ToList();
        go.Set();
        var won = new List<DocumentRecord>();
        var lost = 0;
        foreach (var a in attempts)
        {
            try
            {
                won.Add(await a);
            }
            catch (ConcurrencyConflictException)
            {
                lost++;
            }
        }

        var winner = Assert.Single(won);
        Assert.Equal(5, lost);
        Assert.Equal(DocumentStatus.Signed, winner.Status);
        Assert.Equal(d.Version + 1, (await Registry.GetAsync(d.Id))!.Version);
        Assert.Equal(["create", "send_for_signature", "sign"], (await Registry.GetHistoryAsync(d.Id)).Select(h => h.Action));
        var completed = new[] { await Storage.PreparedRequests.GetAsync(first.RequestId), await Storage.PreparedRequests.GetAsync(second.RequestId) };
        Assert.Single(completed, r => r!.CompletedUtc == Start);
        Assert.Single(completed, r => r!.CompletedUtc == null);

        // A replay of the winning request after the fact: a conflict, nothing changes.
        var done = completed.Single(r => r!.CompletedUtc != null)!;
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => Storage.PreparedRequests.CompleteAsync(done.RequestId, "cert:binh", null, Pdf("again")));
        Assert.Equal(d.Version + 1, (await Registry.GetAsync(d.Id))!.Version);
        Assert.True((await VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task Requests_settled_before_the_cut_off_are_swept_with_one_audit_record()
    {
        var signed = await AwaitingAsync();
        var completed = Request(signed);
        await Storage.PreparedRequests.SaveAsync(completed, "cert:binh");
        await Storage.PreparedRequests.CompleteAsync(completed.RequestId, "cert:binh", null, Pdf("signed"));
        var waiting = await AwaitingAsync();
        var expired = Request(waiting, expires: Start.AddMinutes(1));
        var pending = Request(waiting, expires: Start.AddHours(5));
        await Storage.PreparedRequests.SaveAsync(expired, "cert:binh");
        await Storage.PreparedRequests.SaveAsync(pending, "cert:binh");

        var seq = (await Storage.Audit.GetHeadAsync()).Seq;
        Assert.Equal(0, await Storage.PreparedRequests.RemoveSettledBeforeAsync(Start, "state-sweep"));
        Assert.Equal(seq, (await Storage.Audit.GetHeadAsync()).Seq);
        Assert.Equal(2, await Storage.PreparedRequests.RemoveSettledBeforeAsync(Start.AddHours(1), "state-sweep"));
        Assert.Null(await Storage.PreparedRequests.GetAsync(completed.RequestId));
        Assert.Null(await Storage.PreparedRequests.GetAsync(expired.RequestId));
        Assert.NotNull(await Storage.PreparedRequests.GetAsync(pending.RequestId));
        var record = Assert.Single(await AuditTailAsync(1));
        Assert.Equal("sweep_prepared_requests", record.Action);
        Assert.Contains("\"removed\":2", record.DetailsJson, StringComparison.Ordinal);
        Assert.True((await VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task The_import_of_the_old_files_adds_only_what_is_new_in_one_audited_transaction()
    {
        var withFacts = await AwaitingAsync();
        var enrolled = Head("HEAD-B", "Trần Bình");
        await Storage.Heads.EnrollAsync(enrolled, "cert:HEAD-B");
        var request = Request(withFacts) with { CompletedUtc = Start };
        var import = new ServiceStateImport
        {
            FactsByCode = new Dictionary<string, string> { [withFacts.VerificationCode] = FactsJson, ["NO-SUCH-CODE"] = FactsJson },
            // HEAD-B is already enrolled with another certificate: the registry's row wins.
            Heads = [Head("HEAD-A", "Lê An"), Head("HEAD-B", "Trần Bình (old file)")],
            PreparedRequests = [request, Request(withFacts) with { DocumentId = Guid.NewGuid() }],
        };

        var result = await Storage.StateImporter.ImportAsync(import, "state-import");
        Assert.Equal(new ServiceStateImportResult(1, 1, 1, 2), result);
        Assert.Equal(FactsJson, await Registry.GetFactsAsync(withFacts.Id));
        Assert.Equal(enrolled.CertificateSha256, (await Storage.Heads.GetAsync("HEAD-B"))!.CertificateSha256);
        Assert.NotNull(await Storage.Heads.GetAsync("HEAD-A"));
        Assert.Equal(Start, (await Storage.PreparedRequests.GetAsync(request.RequestId))!.CompletedUtc);
        var record = Assert.Single(await AuditTailAsync(1));
        Assert.Equal("import_state_files", record.Action);

        // Again (a crash before the files were moved aside): nothing new, no record.
        var seq = (await Storage.Audit.GetHeadAsync()).Seq;
        Assert.Equal(new ServiceStateImportResult(0, 0, 0, 2), await Storage.StateImporter.ImportAsync(import, "state-import"));
        Assert.Equal(seq, (await Storage.Audit.GetHeadAsync()).Seq);
        Assert.True((await VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task A_document_lock_holds_off_a_second_registry_on_the_same_database_until_released()
    {
        await using var other = await OpenAsync(new StorageOptions { Time = Clock });
        var id = Guid.NewGuid();
        var held = await Storage.Locks.AcquireAsync(id);

        var waiting = other.Locks.AcquireAsync(id);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        // Another document is not held up, and the registry still commits while the lock is held.
        await using (await other.Locks.AcquireAsync(Guid.NewGuid()))
        {
            await CreateAsync();
        }
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => other.Locks.AcquireAsync(id, cancel.Token));

        await held.DisposeAsync();
        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
