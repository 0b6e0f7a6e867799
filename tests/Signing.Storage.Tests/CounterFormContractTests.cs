using Signing.Core.CounterForms;
using Signing.Core.Documents;

namespace Signing.Storage.Tests;

/// <summary>The counter-form part of the storage contract, on both engines (see <see cref="RegistryContractTests"/>).</summary>
public abstract partial class RegistryContractTests
{
    private ICounterFormRegistry Forms => Storage.CounterForms;

    private static NewCounterForm Form(CounterFormKind kind, string dossier, DateTimeOffset? due, string text = "form") => new()
    {
        Kind = kind,
        DossierCode = dossier,
        Number = "7/" + kind.Symbol(),
        ApplicantName = "Nguyễn Hữu Thắng",
        DueUtc = due,
        RequestJson = "{\"dossierCode\":\"" + dossier + "\"}",
        Pdf = Pdf(text + " " + Guid.NewGuid()),
    };

    [Fact]
    public async Task A_counter_form_is_one_row_and_one_audit_record_and_a_repeat_returns_it()
    {
        var before = (await Storage.Audit.GetHeadAsync()).Seq;
        var form = Form(CounterFormKind.Receipt, "D-1", Start.AddDays(10));
        var (first, created) = await Forms.IssueAsync(form, "k-1", "h-1", "staff:an");
        Assert.True(created);
        var (again, createdAgain) = await Forms.IssueAsync(form with { Pdf = Pdf("other") }, "k-1", "h-1", "staff:an");
        Assert.False(createdAgain);
        Assert.Equal(first, again);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => Forms.IssueAsync(form, "k-1", "h-2", "staff:an"));

        Assert.Equal(first, await Forms.GetAsync(first.Id));
        Assert.Equal([first], await Forms.ListByDossierAsync("D-1"));
        Assert.Equal(Sha(form.Pdf), first.PdfSha256);
        Assert.Equal(form.Pdf, await Storage.Blobs.GetAsync(first.PdfSha256));

        var audit = await Storage.Audit.ReadAsync(before + 1, 10);
        var record = Assert.Single(audit);
        Assert.Equal("issue_counter_form", record.Action);
        Assert.Null(record.DocumentId);
        Assert.Contains(first.Id.ToString("D"), record.DetailsJson, StringComparison.Ordinal);
        Assert.Contains("\"form\":\"mau-01\"", record.DetailsJson, StringComparison.Ordinal);
        Assert.DoesNotContain("Thắng", record.DetailsJson, StringComparison.Ordinal);
        Assert.True((await VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task Late_dossiers_are_those_whose_latest_promise_passed_without_a_result_or_refusal()
    {
        await Forms.IssueAsync(Form(CounterFormKind.Receipt, "LATE-A", Start.AddDays(-2)), "a1", "h", "staff:an");
        await Forms.IssueAsync(Form(CounterFormKind.Receipt, "LATE-B", Start.AddDays(-5)), "b1", "h", "staff:an");
        await Forms.IssueAsync(Form(CounterFormKind.Receipt, "ON-TIME", Start.AddDays(3)), "c1", "h", "staff:an");
        await Forms.IssueAsync(Form(CounterFormKind.Receipt, "REFUSED", Start.AddDays(-3)), "d1", "h", "staff:an");
        await Forms.IssueAsync(Form(CounterFormKind.RequestToComplete, "LATE-A", null), "a2", "h", "staff:an");
        await Forms.IssueAsync(Form(CounterFormKind.Receipt, "DONE", Start.AddDays(-4)), "e1", "h", "staff:an");
        await IssueAsync(NewDoc(dossier: "DONE", pdf: Pdf("done")));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Forms.IssueAsync(Form(CounterFormKind.Refusal, "REFUSED", null), "d2", "h", "staff:an");

        var late = await Forms.ListLateAsync(Start, 50);
        Assert.Equal(["LATE-B", "LATE-A"], late.Select(l => l.DossierCode));
        Assert.Equal(Start.AddDays(-5), late[0].DueUtc);
        Assert.Equal(CounterFormKind.Receipt, late[0].PromisedBy.Kind);

        // The apology's new date replaces the receipt's promise, until that passes too.
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Forms.IssueAsync(Form(CounterFormKind.Apology, "LATE-B", Start.AddDays(7)), "b2", "h", "staff:an");
        Assert.Equal(["LATE-A"], (await Forms.ListLateAsync(Start, 50)).Select(l => l.DossierCode));
        var later = await Forms.ListLateAsync(Start.AddDays(8), 50);
        Assert.Equal(["LATE-A", "ON-TIME", "LATE-B"], later.Select(l => l.DossierCode));
        Assert.Equal(CounterFormKind.Apology, later[2].PromisedBy.Kind);
    }

    [Fact]
    public async Task The_orphan_sweep_keeps_counter_form_pdfs()
    {
        var (form, _) = await Forms.IssueAsync(Form(CounterFormKind.Refusal, "D-2", null), "k-2", "h", "staff:an");
        Clock.Advance(TimeSpan.FromDays(2));
        await Registry.CleanupOrphanBlobsAsync(TimeSpan.Zero);
        Assert.True(await Storage.Blobs.ExistsAsync(form.PdfSha256));
    }
}

/// <summary>The capped count the console list asks for (see <see cref="DocumentQuery.CountLimit"/>).</summary>
public abstract partial class RegistryContractTests
{
    [Fact]
    public async Task A_capped_count_stops_at_the_limit_and_says_it_is_a_lower_bound()
    {
        for (var i = 0; i < 4; i++) await CreateAsync(NewDoc(dossier: "CAP"));
        var capped = await Registry.ListAsync(new DocumentQuery { DossierCode = "CAP", Limit = 2, CountLimit = 3 });
        Assert.Equal(3, capped.Total);
        Assert.True(capped.TotalIsLowerBound);
        Assert.Equal(2, capped.Items.Count);
        Assert.True(capped.HasMore);
        var exact = await Registry.ListAsync(new DocumentQuery { DossierCode = "CAP", Limit = 2, CountLimit = 10 });
        Assert.Equal(4, exact.Total);
        Assert.False(exact.TotalIsLowerBound);
    }
}
