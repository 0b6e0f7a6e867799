using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Signing.Service.Authorization;
using Signing.Testing.Browser;

namespace Signing.Service.Tests.Web;

/// <summary>
/// The staff console in headless Chromium with each role's client certificate: intake by form and
/// by JSON import, the dossier view with its audit trail and page images, the list with filters,
/// paging and CSV, the head's queue, sealing, the audit check, the language switch, and axe-core
/// on every page.
/// </summary>
public sealed partial class ConsoleBrowserTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>, IAsyncLifetime
{
    private readonly ConsoleBrowser _browser = new(f);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [GeneratedRegex(@"^ngày \d\d tháng \d\d năm \d{4}, \d\d:\d\d:\d\d \(\+07:00\)$")]
    private static partial Regex VietnameseTime();

    [Fact]
    public async Task Counter_staff_enters_a_decision_sees_every_error_named_by_its_field_then_lands_on_the_dossier_view()
    {
        var w = await _browser.OpenAsync(Roles.CounterStaff, "/console/intake");
        var page = w.Page;
        Assert.Equal("vi", await page.Locator("html").GetAttributeAsync("lang"));
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("intake");

        // Nothing filled but a malformed number: every required field is named, in Vietnamese.
        await page.Locator("#f-number").FillAsync("12a");
        await page.Locator("#f-date").FillAsync("");
        await page.Locator("#submit-form").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal(1, await page.Locator("#error-summary").CountAsync());
        var number = await page.Locator("#err-number").InnerTextAsync();
        Assert.StartsWith("Số: bắt buộc, chỉ gồm chữ số", number, StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("#f-number").GetAttributeAsync("aria-invalid"));
        Assert.Equal("12a", await page.Locator("#f-number").InputValueAsync());
        foreach (var field in new[] { "issuingAgency", "symbol", "place", "date", "documentType", "signerTitle", "signerName", "dossierCode", "procedureCode", "applicant-name" })
        {
            Assert.True(await page.Locator("#err-" + field).CountAsync() == 1, $"no error shown for {field}");
            var described = await page.Locator("#f-" + field).GetAttributeAsync("aria-describedby");
            Assert.Contains("err-" + field, described ?? "", StringComparison.Ordinal);
        }
        // Each line of the summary starts with the field's own label and links to it.
        var summary = await page.Locator("#error-summary li a").AllInnerTextsAsync();
        Assert.Contains(summary, s => s.StartsWith("Cơ quan ban hành:", StringComparison.Ordinal));
        Assert.Contains(summary, s => s.StartsWith("Ngày ban hành:", StringComparison.Ordinal));
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("intake-errors");

        // Now filled from the sample decision: registered, rendered and sent to the head.
        var sample = JsonDocument.Parse(IssuanceFixture.Sample("quyet-dinh")).RootElement;
        var dossier = "000.00.15.H29-" + DateTime.UtcNow.ToString("yyMMdd", System.Globalization.CultureInfo.InvariantCulture) + "-" + Random.Shared.Next(1000, 9999);
        await FillFromAsync(page, sample, dossier);
        await page.Locator("#submit-form").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/console/documents/[0-9a-f-]{36}\?created=1$"));
        Assert.Equal("awaiting_signature", await page.Locator("#status").GetAttributeAsync("data-status"));
        Assert.Contains("Chờ lãnh đạo ký", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(dossier, await page.Locator("#dossier").InnerTextAsync());
        Assert.Equal(1, await page.Locator("#created").CountAsync());
        var actions = await page.Locator("#history tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.action)");
        Assert.Equal(["create", "send_for_signature"], actions);
        var times = await page.Locator("#history tbody tr td:nth-child(2)").AllInnerTextsAsync();
        Assert.All(times, t => Assert.Matches(VietnameseTime(), t));
        await AssertImagesLoadAsync(page, minimum: 1);
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("dossier");
        w.AssertNoProblems();

        // The same document in the list, filtered by its dossier code, and in the CSV export.
        await page.GotoAsync(f.Service.Staff("/console/documents?dossier=" + dossier).AbsoluteUri);
        Assert.Equal(1, await page.Locator("#documents tbody tr").CountAsync());
        Assert.Equal("awaiting_signature", await page.Locator("#documents tbody tr").GetAttributeAsync("data-status"));
        await w.AssertAccessibleAsync();
        var csv = await page.EvaluateAsync<string[]>(
            "async url => { const r = await fetch(url); return [String(r.status), r.headers.get('content-type') ?? '', await r.text()]; }",
            await page.Locator("#export").GetAttributeAsync("href"));
        Assert.Equal("200", csv[0]);
        Assert.StartsWith("text/csv", csv[1], StringComparison.Ordinal);
        var lines = csv[2].TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("verificationCode,dossierCode,template,status,", lines[0], StringComparison.Ordinal);
        Assert.Contains("," + dossier + ",quyet-dinh,awaiting_signature,", lines[1], StringComparison.Ordinal);
        w.AssertNoProblems();
    }

    [Fact]
    public async Task Counter_staff_imports_the_one_stop_json_and_a_refused_import_fills_the_form_with_the_error_at_its_field()
    {
        var w = await _browser.OpenAsync(Roles.CounterStaff, "/console/intake");
        var page = w.Page;
        var json = System.Text.Encoding.UTF8.GetString(IssuanceFixture.Sample("mau-01-tiep-nhan"));

        var bad = json.Replace("\"date\": \"2024-01-08\"", "\"date\": \"2024-02-30\"", StringComparison.Ordinal);
        Assert.NotEqual(json, bad);
        await page.Locator("#import-signer").SelectOptionAsync(f.HeadId);
        await page.Locator("#import-json").FillAsync(bad);
        await page.Locator("#submit-import").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.StartsWith("Ngày ban hành:", await page.Locator("#err-date").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("000.00.15.H29-240108-0007", await page.Locator("#f-dossierCode").InputValueAsync());
        Assert.Equal("2024-02-30", await page.Locator("#f-date").GetAttributeAsync("value"));
        await w.AssertAccessibleAsync();

        await page.Locator("#import-signer").SelectOptionAsync(f.HeadId);
        await page.Locator("#import-json").FillAsync(json);
        await page.Locator("#submit-import").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/console/documents/[0-9a-f-]{36}\?created=1$"));
        Assert.Equal("awaiting_signature", await page.Locator("#status").GetAttributeAsync("data-status"));
        Assert.Equal("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", await page.Locator("#type").InnerTextAsync());
        w.AssertNoProblems();
    }

    [Fact]
    public async Task The_list_filters_by_status_and_template_pages_and_switches_to_English_and_back()
    {
        for (var i = 0; i < 3; i++)
        {
            using var r = await f.SubmitAsync(IssuanceFixture.Sample("giay-phep"), Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        }
        var w = await _browser.OpenAsync(Roles.CounterStaff, "/console/documents?status=awaiting_signature&template=giay-phep");
        var page = w.Page;
        var rows = await page.Locator("#documents tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.status)");
        Assert.True(rows.Length >= 3);
        Assert.All(rows, s => Assert.Equal("awaiting_signature", s));
        Assert.Equal("awaiting_signature", await page.Locator("#status").InputValueAsync());
        Assert.Equal("giay-phep", await page.Locator("#template").InputValueAsync());
        Assert.Matches(@"^Trang 1/\d+$", await page.Locator("#page").InnerTextAsync());
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("list");

        // A date that cannot be read is said, not silently ignored.
        await page.GotoAsync(f.Service.Staff("/console/documents?from=05-03-2024").AbsoluteUri);
        Assert.Contains("Tạo từ ngày", await page.Locator("#filter-error").InnerTextAsync(), StringComparison.Ordinal);

        await page.GotoAsync(f.Service.Staff("/console/documents?template=giay-phep").AbsoluteUri);
        await page.Locator("#language").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal("Dossiers and results", await page.Locator("h1").InnerTextAsync());
        Assert.Equal("giay-phep", await page.Locator("#template").InputValueAsync()); // the filters survive the switch
        // The choice is remembered on the next page, and the Vietnamese words are gone from it.
        await page.GotoAsync(f.Service.Staff("/console").AbsoluteUri);
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        var text = await page.Locator("main").InnerTextAsync();
        Assert.DoesNotContain("Hồ sơ", text, StringComparison.Ordinal);
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("home-english");
        await page.Locator("#language").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal("vi", await page.Locator("html").GetAttributeAsync("lang"));
        w.AssertNoProblems();
    }

    [Fact]
    public async Task The_head_sees_the_queue_with_page_images_the_seal_operator_issues_and_the_auditor_finds_the_chain_intact()
    {
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("quyet-dinh"), Guid.NewGuid().ToString());
        var code = (await IssuanceFixture.Json(submitted, HttpStatusCode.Created)).GetProperty("verificationCode").GetString()!;

        var head = await _browser.OpenAsync(Roles.DepartmentHead, "/console/queue", width: 360);
        var draft = head.Page.Locator($"li.draft[data-code='{code}']");
        Assert.Equal(1, await draft.CountAsync());
        await AssertImagesLoadAsync(head.Page, minimum: 2);
        await AssertFitsWidthAsync(head.Page, 360);
        await head.AssertAccessibleAsync();
        await head.ScreenshotAsync("queue-360px");
        head.AssertNoProblems();

        var (_, signedCode) = await f.SubmitAndSignAsync("giay-phep");
        var seal = await _browser.OpenAsync(Roles.SealOperator, "/console/seal");
        await seal.AssertAccessibleAsync();
        await seal.ScreenshotAsync("seal");
        await seal.Page.Locator($"tr[data-code='{signedCode}'] button").ClickAsync();
        await seal.Page.WaitForURLAsync(new Regex(@"/console/seal\?issued="));
        Assert.Contains(signedCode, await seal.Page.Locator("#issued").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await seal.Page.Locator($"tr[data-code='{signedCode}']").CountAsync());
        using (var anyone = f.Service.Client(null))
        using (var status = await anyone.GetAsync(f.Service.Public($"/api/public/verify/{signedCode}")))
            Assert.Equal("issued", (await IssuanceFixture.Json(status, HttpStatusCode.OK)).GetProperty("status").GetString());
        seal.AssertNoProblems();

        var audit = await _browser.OpenAsync(Roles.Auditor, "/console/audit");
        await audit.Page.Locator("#verify").ClickAsync();
        await audit.Page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal("true", await audit.Page.Locator("#verdict").GetAttributeAsync("data-valid"));
        Assert.StartsWith("Chuỗi nguyên vẹn", await audit.Page.Locator("#verdict").InnerTextAsync(), StringComparison.Ordinal);
        // The anchors were checked too: the page says how far TSA anchors cover the chain.
        Assert.True(long.TryParse(await audit.Page.Locator("#anchoring").GetAttributeAsync("data-anchored-seq"), out _));
        await audit.AssertAccessibleAsync();
        await audit.ScreenshotAsync("audit");
        audit.AssertNoProblems();
    }

    [Fact]
    public async Task The_admin_revokes_and_supersedes_and_the_public_page_says_so_in_red_with_the_reason_and_the_link()
    {
        var (_, revokedCode) = await f.IssueAsync("giay-phep");
        var w = await _browser.OpenAsync(Roles.Admin, "/console/revoke");
        var page = w.Page;
        await w.AssertAccessibleAsync();

        // No reason: refused, named at the field; nothing changes.
        await page.Locator("#revoke-code").FillAsync(revokedCode);
        await page.Locator("#submit-revoke").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.StartsWith("Lý do:", await page.Locator("#err-reason").InnerTextAsync(), StringComparison.Ordinal);
        await w.AssertAccessibleAsync();

        const string reason = "Cấp nhầm đối tượng";
        await page.Locator("#revoke-reason").FillAsync(reason);
        await page.Locator("#submit-revoke").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal("revoked", await page.Locator("#done").GetAttributeAsync("data-status"));
        await w.ScreenshotAsync("revoke");

        var (_, oldCode) = await f.IssueAsync("quyet-dinh");
        var (_, newCode) = await f.IssueAsync("quyet-dinh");
        await page.Locator("#supersede-code").FillAsync(oldCode);
        await page.Locator("#supersede-replacement").FillAsync(newCode);
        await page.Locator("#supersede-reason").FillAsync("Đính chính số nhà");
        await page.Locator("#submit-supersede").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal("superseded", await page.Locator("#done").GetAttributeAsync("data-status"));
        w.AssertNoProblems();

        // What anyone with the code sees: red, the reason, and the replacement's page.
        var chromium = await _browser.ChromiumAsync();
        await using var anonymous = await chromium.Browser.NewContextAsync();
        var pub = await WatchedPage.OpenAsync(anonymous);
        await pub.Page.GotoAsync(f.Service.Public($"/v/{revokedCode}").AbsoluteUri);
        Assert.Equal("revoked", await pub.Page.Locator("#status").GetAttributeAsync("data-status"));
        Assert.Equal("rgb(164, 0, 0)", await pub.Page.Locator("#status").EvaluateAsync<string>("e => getComputedStyle(e).color"));
        Assert.Equal("Lý do: " + reason, await pub.Page.Locator("#reason").InnerTextAsync());
        await pub.ScreenshotAsync("public-revoked");
        await pub.Page.GotoAsync(f.Service.Public($"/v/{oldCode}").AbsoluteUri);
        Assert.Equal("superseded", await pub.Page.Locator("#status").GetAttributeAsync("data-status"));
        Assert.Equal("rgb(164, 0, 0)", await pub.Page.Locator("#status").EvaluateAsync<string>("e => getComputedStyle(e).color"));
        await pub.Page.Locator($"a[href='/v/{newCode}']").ClickAsync();
        await pub.Page.WaitForURLAsync(f.Service.Public($"/v/{newCode}").AbsoluteUri);
        Assert.Equal("issued", await pub.Page.Locator("#status").GetAttributeAsync("data-status"));
        pub.AssertNoProblems();
    }

    [Fact]
    public async Task A_role_opening_a_page_that_is_not_its_own_gets_a_readable_403_page()
    {
        var w = await WatchedPage.OpenAsync(await _browser.AsAsync(Roles.Auditor));
        var response = await w.Page.GotoAsync(f.Service.Staff("/console/intake").AbsoluteUri);
        Assert.Equal(403, response!.Status);
        Assert.Equal("Không có quyền truy cập", await w.Page.Locator("#forbidden").InnerTextAsync());
        await w.ScreenshotAsync("forbidden");
        await w.AssertAccessibleAsync();
    }

    private async Task FillFromAsync(IPage page, JsonElement d, string dossier)
    {
        string S(string name) => d.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
        await page.Locator("#f-signer").SelectOptionAsync(f.HeadId);
        await page.Locator("#f-template").SelectOptionAsync(S("template"));
        await page.Locator("#f-dossierCode").FillAsync(dossier);
        await page.Locator("#f-procedureCode").FillAsync(S("procedureCode"));
        await page.Locator("#f-parentAgency").FillAsync(S("parentAgency"));
        await page.Locator("#f-issuingAgency").FillAsync(S("issuingAgency"));
        await page.Locator("#f-number").FillAsync(S("number"));
        await page.Locator("#f-symbol").FillAsync(S("symbol"));
        await page.Locator("#f-place").FillAsync(S("place"));
        await page.Locator("#f-date").FillAsync(S("date"));
        await page.Locator("#f-documentType").FillAsync(S("documentType"));
        await page.Locator("#f-summary").FillAsync(S("summary"));
        // The form types one block a line; tables come through the JSON import.
        var body = d.GetProperty("body").EnumerateArray().Where(b => b.GetProperty("kind").GetString() != "table").Select(b => b.GetProperty("kind").GetString() == "article"
            ? $"Điều {b.GetProperty("number").GetInt32()}. {b.GetProperty("text").GetString()}"
            : b.GetProperty("text").GetString());
        await page.Locator("#f-body").FillAsync(string.Join("\n", body));
        await page.Locator("#f-authority").FillAsync(string.Join("\n", d.GetProperty("authority").EnumerateArray().Select(a => a.GetString())));
        await page.Locator("#f-signerTitle").FillAsync(S("signerTitle"));
        await page.Locator("#f-signerName").FillAsync(S("signerName"));
        await page.Locator("#f-recipients").FillAsync(string.Join("\n", d.GetProperty("recipients").EnumerateArray().Select(a => a.GetString())));
        var applicant = d.GetProperty("applicant");
        await page.Locator("#f-applicant-name").FillAsync(applicant.GetProperty("name").GetString()!);
        if (applicant.TryGetProperty("address", out var address)) await page.Locator("#f-applicant-address").FillAsync(address.GetString()!);
        if (applicant.TryGetProperty("idNumber", out var idNumber)) await page.Locator("#f-applicant-idNumber").FillAsync(idNumber.GetString()!);
    }

    /// <summary>Every image on the page decoded into a real bitmap (a broken one has naturalWidth 0).</summary>
    private static async Task AssertImagesLoadAsync(IPage page, int minimum)
    {
        await page.EvaluateAsync("() => Promise.all(Array.from(document.images).map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }))");
        var widths = await page.EvaluateAsync<int[]>("() => Array.from(document.images).map(i => i.complete ? i.naturalWidth : -1)");
        Assert.True(widths.Length >= minimum, $"{widths.Length} images, expected at least {minimum}");
        Assert.All(widths, w => Assert.True(w > 0, $"an image did not load: naturalWidth {w}"));
    }

    /// <summary>Nothing wider than the viewport: the page is usable without scrolling sideways.</summary>
    private static async Task AssertFitsWidthAsync(IPage page, int width)
    {
        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"the page is {scrollWidth} px wide at a {width} px viewport");
    }
}
