using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Playwright;
using Signing.Service.Authorization;
using Signing.Testing.Browser;

namespace Signing.Service.Tests;

/// <summary>
/// Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) judges the public
/// verification page of a running service: what a citizen sees for an issued, a revoked and an
/// unknown code, that the preview images really decode, that the page logs no console errors, and
/// the JSON variant. Everything is fetched by Chromium itself, which trusts exactly the test server's key (SPKI pin), nothing else.
/// </summary>
public sealed class PublicPageBrowserTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>, IAsyncLifetime
{
    private HeadlessChromium _chromium = null!;
    private IBrowserContext _context = null!;

    public async Task InitializeAsync()
    {
        _chromium = await HeadlessChromium.LaunchTrustingAsync(f.Pki.ServerPfx, TestPki.ServerPassword);
        _context = await _chromium.Browser.NewContextAsync();
    }

    [Fact]
    public async Task The_page_of_an_issued_result_shows_status_agency_hash_and_previews_that_load_without_console_errors()
    {
        var (id, code) = await f.IssueAsync("quyet-dinh");
        var sha = await PdfSha256(id);
        var (page, problems) = await OpenAsync();

        var response = await page.GotoAsync(f.Service.Public($"/v/{code}").AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        Assert.Equal(200, response!.Status);
        Assert.Equal("issued", await page.Locator("#status").GetAttributeAsync("data-status"));
        Assert.Contains("Đang có hiệu lực", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG", await page.Locator("#agency").InnerTextAsync());
        Assert.Equal(sha, await page.Locator("#sha256").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#reason").CountAsync());

        // Every preview decoded into a real bitmap (a broken image has naturalWidth 0).
        var widths = await page.EvaluateAsync<int[]>("() => Array.from(document.images).map(i => i.complete ? i.naturalWidth : -1)");
        Assert.NotEmpty(widths);
        Assert.All(widths, w => Assert.True(w > 0, $"a preview did not load: naturalWidth {w}"));
        Assert.True(problems.Problems.Count == 0, string.Join("\n", problems.Problems));
        await problems.AssertAccessibleAsync();

        var json = await JsonAsync(page, code);
        Assert.Equal("issued", json.GetProperty("status").GetString());
        Assert.Equal(sha, json.GetProperty("sha256").GetString());
        Assert.Equal("ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG", json.GetProperty("issuingAgency").GetString());
        Assert.Equal(widths.Length, json.GetProperty("pages").GetArrayLength());
        // (Console lines are not judged for the JSON document: Chromium asks for /favicon.ico for it,
        // which the public port answers 401 like every path it does not serve.)
    }

    [Fact]
    public async Task The_page_of_a_revoked_result_shows_the_revocation_and_its_reason()
    {
        var (id, code) = await f.IssueAsync("mau-04-xin-loi");
        const string reason = "Cấp nhầm đối tượng <b>theo</b> đơn khiếu nại";
        using var admin = f.Client(Roles.Admin);
        using var revoked = await admin.PostAsync(f.Service.Staff($"/api/documents/{id}/revoke"), IssuanceFixture.JsonBody(JsonSerializer.Serialize(new { reason })));
        Assert.Equal("revoked", (await IssuanceFixture.Json(revoked, HttpStatusCode.OK)).GetProperty("status").GetString());
        var (page, problems) = await OpenAsync();

        var response = await page.GotoAsync(f.Service.Public($"/v/{code}").AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        Assert.Equal(200, response!.Status);
        Assert.Equal("revoked", await page.Locator("#status").GetAttributeAsync("data-status"));
        Assert.Contains("Đã bị thu hồi", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
        // The reason is shown as text: the markup in it is not interpreted.
        Assert.Equal("Lý do: " + reason, await page.Locator("#reason").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#reason b").CountAsync());
        Assert.Equal(await PdfSha256(id), await page.Locator("#sha256").InnerTextAsync());
        var widths = await page.EvaluateAsync<int[]>("() => Array.from(document.images).map(i => i.complete ? i.naturalWidth : -1)");
        Assert.All(widths, w => Assert.True(w > 0, $"a preview did not load: naturalWidth {w}"));
        Assert.True(problems.Problems.Count == 0, string.Join("\n", problems.Problems));
        await problems.AssertAccessibleAsync();

        var json = await JsonAsync(page, code);
        Assert.Equal("revoked", json.GetProperty("status").GetString());
        Assert.Equal(reason, json.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_upload_form_tells_a_person_who_signed_when_what_changed_and_whether_it_is_the_issued_result()
    {
        var (id, code) = await f.IssueAsync("quyet-dinh");
        using var staff = f.Client(Roles.CounterStaff);
        var issued = await staff.GetByteArrayAsync(f.Service.Staff($"/api/documents/{id}/pdf"));
        var dir = Signing.Testing.RepoPaths.NewTempDirectory("browser-upload");
        var issuedFile = Path.Combine(dir, "issued.pdf");
        File.WriteAllBytes(issuedFile, issued);
        var changedFile = Path.Combine(dir, "changed.pdf");
        File.WriteAllBytes(changedFile, Signing.Testing.Pades.SignedResults.Append(issued, (file, w) =>
        {
            var pageRef = Signing.Testing.Pades.SignedResults.FirstPage(file);
            var dict = file.ResolveDictionary(pageRef)!.CloneShallow();
            dict["Rotate"] = new Signing.PdfSyntax.PdfNumber(90);
            w.SetObject(pageRef, dict);
        }));
        var (page, problems) = await OpenAsync();
        await page.GotoAsync(f.Service.Public($"/v/{code}").AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        Assert.Equal(0, await page.Locator("#report").CountAsync());
        Assert.Equal($"/v/{code}/original.pdf", await page.Locator("#download-original").GetAttributeAsync("href"));

        // The issued file: valid, identical, signed by the head and the seal at the timestamps' times.
        await page.Locator("input[name=file]").SetInputFilesAsync(issuedFile);
        await SubmitAsync(page);
        Assert.Equal("PASSED", await page.Locator("#report").GetAttributeAsync("data-verdict"));
        Assert.StartsWith("HỢP LỆ", await page.Locator("#verdict").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("identical", await page.Locator("#registry").GetAttributeAsync("data-match"));
        // Head, seal and the B-LTA document timestamp.
        Assert.Equal(3, await page.Locator(".signature").CountAsync());
        var who = await page.Locator(".signature .who").AllInnerTextsAsync();
        Assert.Contains(who, w => w.Contains("Người ký:", StringComparison.Ordinal) && w.Contains("Signed by:", StringComparison.Ordinal));
        var when = await page.Locator(".signature .when").AllInnerTextsAsync();
        Assert.All(when, w => Assert.Matches(@"ngày \d\d tháng \d\d năm \d{4}, \d\d:\d\d \(giờ Việt Nam, UTC\+07:00\)", w));
        Assert.Contains("Đúng là kết quả đã ban hành", await page.Locator("#registry").InnerTextAsync(), StringComparison.Ordinal);

        // The same bytes with a rotated page after them: not valid, no match, and the original offered.
        await page.Locator("input[name=file]").SetInputFilesAsync(changedFile);
        await SubmitAsync(page);
        Assert.Equal("FAILED", await page.Locator("#report").GetAttributeAsync("data-verdict"));
        Assert.Equal("none", await page.Locator("#registry").GetAttributeAsync("data-match"));
        Assert.Contains("Không khớp với kết quả đã ban hành", await page.Locator("#registry").InnerTextAsync(), StringComparison.Ordinal);
        var changes = await page.Locator(".signature .change").AllInnerTextsAsync();
        Assert.Contains(changes, c => c.Contains("nội dung hoặc thuộc tính của một trang bị sửa", StringComparison.Ordinal) && c.Contains("/Rotate", StringComparison.Ordinal));
        var href = await page.Locator("#report-download-original").GetAttributeAsync("href");
        Assert.Equal($"/v/{code}/original.pdf", href);
        var fetched = await page.EvaluateAsync<string[]>(
            "async url => { const r = await fetch(url); const b = new Uint8Array(await r.arrayBuffer()); return [String(r.status), r.headers.get('content-type') ?? '', String(b.length)]; }", href);
        Assert.Equal(["200", "application/pdf", issued.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)], fetched);

        // Not a PDF: said on the page, as text.
        var notPdf = Path.Combine(dir, "note.pdf");
        File.WriteAllText(notPdf, "<b>hello</b>");
        await page.Locator("input[name=file]").SetInputFilesAsync(notPdf);
        var refused = await SubmitAsync(page);
        Assert.Equal(422, refused.Status);
        Assert.Contains("Không đọc được tệp này", await page.Locator("#upload-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#report").CountAsync());
        Assert.True(problems.Problems.All(p => p.Contains("422", StringComparison.Ordinal)), string.Join("\n", problems.Problems));
    }

    [Fact]
    public async Task An_unknown_code_gives_a_friendly_404_page()
    {
        var (page, problems) = await OpenAsync();
        var response = await page.GotoAsync(f.Service.Public("/v/0000-0000-000").AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        Assert.Equal(404, response!.Status);
        Assert.StartsWith("text/html", response.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal("Không tìm thấy kết quả", await page.TitleAsync());
        Assert.Contains("Không tìm thấy kết quả", await page.Locator("#not-found").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("0000-0000-000", await page.Locator("#code").InnerTextAsync());
        // The only console line is Chromium's own note about the 404 status of the page itself.
        Assert.True(problems.Problems.All(p => p.Contains("404", StringComparison.Ordinal)), string.Join("\n", problems.Problems));

        // A hostile "code" is shown as text, never as markup.
        await page.GotoAsync(f.Service.Public("/v/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E").AbsoluteUri);
        Assert.Equal(0, await page.Locator("img").CountAsync());
        Assert.Equal("<img src=x onerror=alert(1)>", await page.Locator("#code").InnerTextAsync());

        // The JSON variant stays a problem+json 404 for programs.
        var api = await page.GotoAsync(f.Service.Public("/api/public/verify/0000-0000-000").AbsoluteUri);
        Assert.Equal(404, api!.Status);
        Assert.Equal("application/problem+json", api.Headers["content-type"]);
    }

    /// <summary>Submits the upload form as a person does and waits for the page it answers with.</summary>
    private static async Task<IResponse> SubmitAsync(IPage page)
    {
        // The server verifies a B-LTA file (three signatures' chains and revocation data): on a loaded test machine that outlasts the 30 s default.
        var response = await page.RunAndWaitForResponseAsync(
            () => page.Locator("#upload button[type=submit]").ClickAsync(),
            r => r.Request.Method == "POST" && r.Request.ResourceType == "document",
            new() { Timeout = 120_000 });
        await page.WaitForLoadStateAsync(LoadState.Load);
        return response;
    }

    /// <summary>A fresh page whose console errors, uncaught exceptions and failed requests are collected.</summary>
    private async Task<(IPage Page, WatchedPage Watched)> OpenAsync()
    {
        var watched = await WatchedPage.OpenAsync(_context);
        return (watched.Page, watched);
    }

    /// <summary>The JSON variant as the browser gets it, and each preview it lists fetched from that page.</summary>
    private async Task<JsonElement> JsonAsync(IPage page, string code)
    {
        var response = await page.GotoAsync(f.Service.Public($"/api/public/verify/{code}").AbsoluteUri);
        Assert.Equal(200, response!.Status);
        Assert.StartsWith("application/json", response.Headers["content-type"], StringComparison.Ordinal);
        var json = (await response.JsonAsync())!.Value;
        foreach (var preview in json.GetProperty("pages").EnumerateArray())
        {
            var fetched = await page.EvaluateAsync<string[]>(
                "async url => { const r = await fetch(url); return [String(r.status), r.headers.get('content-type') ?? '']; }", preview.GetString());
            Assert.Equal(["200", "image/png"], fetched);
        }
        return json;
    }

    private async Task<string> PdfSha256(Guid id)
    {
        using var staff = f.Client(Roles.CounterStaff);
        return (await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff($"/api/documents/{id}")), HttpStatusCode.OK)).GetProperty("pdfSha256").GetString()!;
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _chromium.DisposeAsync();
    }
}
