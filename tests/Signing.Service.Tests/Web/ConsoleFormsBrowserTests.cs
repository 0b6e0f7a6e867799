using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Signing.Core.CounterForms;
using Signing.Service.Authorization;
using Signing.Testing;
using Signing.Testing.CounterForms;

namespace Signing.Service.Tests.Web;

/// <summary>
/// The counter forms in Chromium: Mẫu 01-03 from a dossier view, a late dossier drafted into Mẫu 04
/// from the late list, and the print view; each form's PDF judged by pdftotext.
/// </summary>
public sealed partial class ConsoleBrowserTests
{
    private static string NewDossier() =>
        "000.00.15.H29-" + DateTime.UtcNow.ToString("yyMMdd", CultureInfo.InvariantCulture) + "-" + Random.Shared.Next(10000, 99999).ToString(CultureInfo.InvariantCulture);

    private static string Local(DateTimeOffset t) => t.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The text pdftotext reads from the PDF a link of the page serves (fetched with the page's own client certificate).</summary>
    private static async Task<string> PdfTextAsync(IPage page, string href)
    {
        var response = await page.Context.APIRequest.GetAsync(new Uri(new Uri(page.Url), href).AbsoluteUri);
        Assert.Equal(200, response.Status);
        Assert.Equal("application/pdf", response.Headers["content-type"]);
        var file = Path.Combine(RepoPaths.NewTempDirectory("form-pdf"), "form.pdf");
        await File.WriteAllBytesAsync(file, await response.BodyAsync());
        Assert.Equal(0, ExternalTool.Run("qpdf", "--check", file).ExitCode);
        return Regex.Replace(ExternalTool.RunChecked("pdftotext", file, "-").StdOut, @"\s+", " ");
    }

    [Fact]
    public async Task Counter_staff_issues_mau_01_02_and_03_from_the_dossier_view_with_errors_named_by_field()
    {
        var dossier = NewDossier();
        var sample = JsonDocument.Parse(IssuanceFixture.Sample("giay-phep")).RootElement.Clone();
        var body = System.Text.Encoding.UTF8.GetBytes(sample.GetRawText().Replace(sample.GetProperty("dossierCode").GetString()!, dossier, StringComparison.Ordinal));
        using var submitted = await f.SubmitAsync(body, Guid.NewGuid().ToString());
        var id = (await IssuanceFixture.Json(submitted, HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var w = await _browser.OpenAsync(Roles.CounterStaff, $"/console/documents/{id}");
        var page = w.Page;
        await page.Locator("#dossier-forms").ClickAsync();
        await page.WaitForURLAsync(new Regex("/console/dossiers/.+/forms$"));
        Assert.Equal(1, await page.Locator("#no-forms").CountAsync());
        await w.AssertAccessibleAsync();

        // Mẫu 01: the submitter's name comes from the dossier's result; a first try with gaps names each field.
        await page.Locator("#new-01").ClickAsync();
        await page.WaitForURLAsync(new Regex("/forms/01$"));
        Assert.Equal(sample.GetProperty("applicant").GetProperty("name").GetString(), await page.Locator("#f-applicantName").InputValueAsync());
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("form-01");
        await page.Locator("#f-papers-0--name").FillAsync("Đơn đề nghị cấp giấy phép xây dựng");
        await page.Locator("#f-papers-0--copies").FillAsync("hai");
        await page.Locator("#issue").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal(1, await page.Locator("#error-summary").CountAsync());
        Assert.Equal("Số lượng của giấy tờ thứ 1 phải là một số", await page.Locator("#err-papers-0--copies").InnerTextAsync());
        foreach (var (field, message) in new[] { ("number", "Số phiếu là bắt buộc"), ("returnAt", "Thời gian trả kết quả là bắt buộc"), ("applicantPhone", "Số điện thoại là bắt buộc"), ("procedureCode", "Mã thủ tục hành chính là bắt buộc") })
        {
            Assert.Equal(message, await page.Locator("#err-" + field).InnerTextAsync());
            Assert.Equal("true", await page.Locator("#f-" + field).GetAttributeAsync("aria-invalid"));
            Assert.Equal("err-" + field, await page.Locator("#f-" + field).GetAttributeAsync("aria-describedby"));
        }
        Assert.Equal("Đơn đề nghị cấp giấy phép xây dựng", await page.Locator("#f-papers-0--name").InputValueAsync());
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("form-01-errors");

        var receipt = CounterFormSamples.Valid(CounterFormKind.Receipt, dossier);
        await page.Locator("#f-number").FillAsync("31");
        await page.Locator("#f-agency").FillAsync(receipt.Agency);
        await page.Locator("#f-place").FillAsync(receipt.Place);
        await page.Locator("#f-procedureCode").FillAsync(receipt.ProcedureCode);
        await page.Locator("#f-requestContent").FillAsync(receipt.RequestContent);
        await page.Locator("#f-applicantAddress").FillAsync(receipt.ApplicantAddress!);
        await page.Locator("#f-applicantPhone").FillAsync(receipt.ApplicantPhone!);
        await page.Locator("#f-officerName").FillAsync(receipt.OfficerName);
        await page.Locator("#f-papers-0--copies").FillAsync("1");
        await page.Locator("#f-papers-1--name").FillAsync("Giấy chứng nhận quyền sử dụng đất");
        await page.Locator("#f-papers-1--form").SelectOptionAsync("Bản sao chứng thực");
        await page.Locator("#f-papers-1--copies").FillAsync("1");
        await page.Locator("#f-processingDays").FillAsync("15");
        await page.Locator("#f-receivedAt").FillAsync("2024-01-08T08:30");
        await page.Locator("#f-returnAt").FillAsync("2099-01-29T14:00");
        await page.Locator("#f-deliveryPlace").FillAsync(receipt.DeliveryPlace!);
        await page.Locator("#issue").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/forms\?issued=[0-9a-f-]{36}$"));
        Assert.Equal("mau-01", await page.Locator("#issued").GetAttributeAsync("data-form"));
        var text = await PdfTextAsync(page, (await page.Locator("#issued-pdf").GetAttributeAsync("href"))!);
        foreach (var expected in new[] { "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mẫu số 01", "Số: 31/TNHS", dossier, "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ",
                     "Giấy chứng nhận quyền sử dụng đất", "Bản sao chứng thực", "14 giờ 00 phút, ngày 29/01/2099" })
            Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Mã xác minh", text, StringComparison.Ordinal);

        // Mẫu 02 and 03 start from Mẫu 01's data; only their own fields are typed.
        await page.Locator("#new-02").ClickAsync();
        await page.WaitForURLAsync(new Regex("/forms/02$"));
        Assert.Equal(receipt.ApplicantPhone, await page.Locator("#f-applicantPhone").InputValueAsync());
        Assert.Equal("2024-01-08T08:30", await page.Locator("#f-receivedAt").InputValueAsync());
        await page.Locator("#f-number").FillAsync("32");
        await page.Locator("#f-items").FillAsync("Bản vẽ mặt bằng móng công trình\nBản sao có chứng thực giấy chứng nhận");
        await page.Locator("#f-reason").FillAsync("hồ sơ thiếu bản vẽ mặt bằng móng");
        await page.Locator("#f-contact").FillAsync("bà Đặng Thị Mỹ Duyên, số điện thoại 0263 3822 456");
        await w.AssertAccessibleAsync();
        await page.Locator("#issue").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/forms\?issued="));
        Assert.Equal("mau-02", await page.Locator("#issued").GetAttributeAsync("data-form"));
        text = await PdfTextAsync(page, (await page.Locator("#issued-pdf").GetAttributeAsync("href"))!);
        Assert.Contains("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", text, StringComparison.Ordinal);
        Assert.Contains("2. Bản sao có chứng thực giấy chứng nhận", text, StringComparison.Ordinal);
        Assert.Contains("NGƯỜI HƯỚNG DẪN", text, StringComparison.Ordinal);

        await page.Locator("#new-03").ClickAsync();
        await page.WaitForURLAsync(new Regex("/forms/03$"));
        await page.Locator("#f-number").FillAsync("33");
        await page.Locator("#f-reason").FillAsync("thửa đất nằm trong khu vực đã có quyết định thu hồi đất");
        await page.Locator("#issue").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/forms\?issued="));
        text = await PdfTextAsync(page, (await page.Locator("#issued-pdf").GetAttributeAsync("href"))!);
        Assert.Contains("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", text, StringComparison.Ordinal);
        Assert.Contains("quyết định thu hồi đất", text, StringComparison.Ordinal);
        var kinds = await page.Locator("#forms tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.form)");
        Assert.Equal(["mau-01", "mau-02", "mau-03"], kinds);
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("dossier-forms");

        // At 360 px the form is usable without sideways scrolling, and every page printed hides the navigation.
        var narrow = await _browser.OpenAsync(Roles.CounterStaff, $"/console/dossiers/{dossier}/forms/01", width: 360);
        await AssertFitsWidthAsync(narrow.Page, 360);
        await narrow.AssertAccessibleAsync();
        narrow.AssertNoProblems();
        w.AssertNoProblems();
    }

    [Fact]
    public async Task A_late_dossier_is_listed_and_its_apology_mau_04_is_drafted_from_the_receipt_and_issued()
    {
        var dossier = NewDossier();
        var now = DateTimeOffset.UtcNow;
        var receipt = CounterFormSamples.Valid(CounterFormKind.Receipt, dossier) with { ReceivedAt = Local(now.AddDays(-20)), ReturnAt = Local(now.AddDays(-2)), Date = now.AddDays(-20).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) };
        using (var staff = f.Client(Roles.CounterStaff))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, f.Service.Staff($"/api/dossiers/{dossier}/forms/01"));
            request.Content = new ByteArrayContent(CounterFormJson.Serialize(receipt));
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var issued = await staff.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        }

        var w = await _browser.OpenAsync(Roles.CounterStaff, "/console/late");
        var page = w.Page;
        var row = page.Locator($"#late tbody tr[data-dossier='{dossier}']");
        Assert.Equal(1, await row.CountAsync());
        Assert.Contains(receipt.ApplicantName, await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("2 ngày", await row.InnerTextAsync(), StringComparison.Ordinal);
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("late");

        await row.Locator("a.draft-apology").ClickAsync();
        await page.WaitForURLAsync(new Regex("/forms/04$"));
        // The draft: the missed date is the receipt's, the new one a week from today; the head signs.
        Assert.Equal(receipt.ReturnAt, await page.Locator("#f-returnAt").InputValueAsync());
        Assert.False(string.IsNullOrEmpty(await page.Locator("#f-newReturnAt").InputValueAsync()));
        Assert.Equal(receipt.ApplicantName, await page.Locator("#f-applicantName").InputValueAsync());
        Assert.Equal("", await page.Locator("#f-officerName").InputValueAsync());
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("form-04");
        await page.Locator("#issue").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal("Họ và tên người ký là bắt buộc", await page.Locator("#err-officerName").InnerTextAsync());
        Assert.Equal("Lý do chậm trễ là bắt buộc", await page.Locator("#err-reason").InnerTextAsync());

        var newDate = now.AddDays(9);
        await page.Locator("#f-number").FillAsync("12");
        await page.Locator("#f-newReturnAt").FillAsync(Local(newDate));
        await page.Locator("#f-officerName").FillAsync("Phạm Thị Thu Hương");
        await page.Locator("#f-officerTitle").FillAsync("PHÓ GIÁM ĐỐC");
        await page.Locator("#f-authority").FillAsync("KT. GIÁM ĐỐC");
        await page.Locator("#f-reason").FillAsync("cần xác minh thêm ranh giới thửa đất");
        await page.Locator("#issue").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/forms\?issued="));
        Assert.Equal("mau-04", await page.Locator("#issued").GetAttributeAsync("data-form"));
        var text = await PdfTextAsync(page, (await page.Locator("#issued-pdf").GetAttributeAsync("href"))!);
        Assert.Contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", text, StringComparison.Ordinal);
        Assert.Contains(newDate.ToOffset(TimeSpan.FromHours(7)).ToString("dd/MM/yyyy", CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Assert.Contains("KT. GIÁM ĐỐC", text, StringComparison.Ordinal);
        Assert.Contains("xin lỗi Ông/Bà", text, StringComparison.Ordinal);

        // The new date is the promise now: the dossier leaves the late list.
        await page.GotoAsync(f.Service.Staff("/console/late").AbsoluteUri);
        Assert.Equal(0, await page.Locator($"#late tbody tr[data-dossier='{dossier}']").CountAsync());
        await w.AssertAccessibleAsync();
        w.AssertNoProblems();
    }

    [Fact]
    public async Task The_print_view_puts_each_page_with_its_code_and_qr_on_a_sheet_and_printing_hides_the_console()
    {
        var (id, code) = await f.IssueAsync("quyet-dinh");
        var w = await _browser.OpenAsync(Roles.CounterStaff, $"/console/documents/{id}");
        var page = w.Page;
        await page.Locator("#print").ClickAsync();
        await page.WaitForURLAsync(new Regex("/print$"));
        await AssertImagesLoadAsync(page, minimum: 2);
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("print");

        // The PDF inline, for a full-quality print: our issued bytes, with the code on page 1.
        var href = (await page.Locator("#print-pdf").GetAttributeAsync("href"))!;
        var response = await page.Context.APIRequest.GetAsync(new Uri(new Uri(page.Url), href).AbsoluteUri);
        Assert.False(response.Headers.TryGetValue("content-disposition", out var disposition) && disposition.Contains("attachment", StringComparison.Ordinal));
        var text = await PdfTextAsync(page, href);
        Assert.Contains(code, text, StringComparison.Ordinal);

        // Chromium's own print: one sheet per result page, and nothing of the console around it.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        Assert.False(await page.Locator("header.top").IsVisibleAsync());
        Assert.False(await page.Locator("#print-pdf").IsVisibleAsync());
        Assert.True(await page.Locator(".print-page img").First.IsVisibleAsync());
        var printed = Path.Combine(RepoPaths.NewTempDirectory("printed"), "printed.pdf");
        await page.PdfAsync(new() { Path = printed, PreferCSSPageSize = true });
        var info = ExternalTool.RunChecked("pdfinfo", printed).StdOut;
        Assert.Matches(@"Pages:\s+2\b", info);
        Assert.Contains("(A4)", info, StringComparison.Ordinal);

        // Every console page of the counter prints without its navigation and forms chrome.
        foreach (var path in new[] { "/console/documents", $"/console/documents/{id}", "/console/late", "/console/intake" })
        {
            await page.GotoAsync(f.Service.Staff(path).AbsoluteUri);
            Assert.False(await page.Locator("header.top").IsVisibleAsync(), path);
            Assert.False(await page.Locator("footer.bottom").IsVisibleAsync(), path);
        }
        w.AssertNoProblems();
    }
}
