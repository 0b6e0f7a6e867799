using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Signing.Service.Authorization;
using Signing.Testing;
using Signing.Testing.Browser;

namespace Signing.Service.Tests.Web;

/// <summary>
/// The public front page in headless Chromium, with no login: a typed code, a mistyped one, and the
/// QR code read from a picture of the printed result that pdftoppm makes from the issued PDF.
/// </summary>
public sealed class PublicHomeBrowserTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>, IAsyncLifetime
{
    private HeadlessChromium _chromium = null!;
    private IBrowserContext _context = null!;

    public async Task InitializeAsync()
    {
        _chromium = await HeadlessChromium.LaunchTrustingAsync(f.Pki.ServerPfx, TestPki.ServerPassword);
        _context = await _chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 360, Height = 800 } });
    }

    [Fact]
    public async Task A_typed_code_opens_its_result_and_a_mistyped_one_is_named_at_the_field()
    {
        var (_, code) = await f.IssueAsync("giay-phep");
        var w = await WatchedPage.OpenAsync(_context);
        var page = w.Page;
        var response = await page.GotoAsync(f.Service.Public("/").AbsoluteUri);
        Assert.Equal(200, response!.Status);
        Assert.Equal("vi", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 360);
        await w.AssertAccessibleAsync();
        await w.ScreenshotAsync("public-home-360px");

        // The last character is the check character: one wrong letter is caught before any lookup.
        var wrong = code[..^1] + (code[^1] == '0' ? '1' : '0');
        await page.Locator("#code").FillAsync(wrong);
        await page.Locator("#lookup button").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Contains("Mã tra cứu không đúng", await page.Locator("#code-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("#code").GetAttributeAsync("aria-invalid"));
        await w.AssertAccessibleAsync();

        // Lower case and spaces as people type them.
        await page.Locator("#code").FillAsync(" " + code.ToLowerInvariant() + " ");
        await page.Locator("#lookup button").ClickAsync();
        await page.WaitForURLAsync(f.Service.Public($"/v/{code}").AbsoluteUri);
        Assert.Equal("issued", await page.Locator("#status").GetAttributeAsync("data-status"));
        await w.ScreenshotAsync("public-result-360px");

        // English is one click away on the front page.
        await page.GotoAsync(f.Service.Public("/").AbsoluteUri);
        await page.Locator("#language").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Equal("Check an administrative result", await page.Locator("h1").InnerTextAsync());
        Assert.True(w.Problems.All(p => p.Contains("400", StringComparison.Ordinal)), string.Join("\n", w.Problems));
    }

    /// <summary>Pictures are decoded with WebCodecs' ImageDecoder where the browser has it, else with createImageBitmap and a canvas.</summary>
    [Theory]
    [InlineData("ImageDecoder")]
    [InlineData("bitmap")]
    public async Task The_QR_code_on_a_picture_of_the_printed_result_opens_its_page(string decoder)
    {
        if (decoder == "bitmap") await _context.AddInitScriptAsync("delete window.ImageDecoder;");
        var (id, code) = await f.IssueAsync("quyet-dinh");
        using var staff = f.Client(Roles.CounterStaff);
        var pdf = await staff.GetByteArrayAsync(f.Service.Staff($"/api/documents/{id}/pdf"));
        var dir = RepoPaths.NewTempDirectory("qr-photo");
        File.WriteAllBytes(Path.Combine(dir, "issued.pdf"), pdf);
        // The paper copy as a scanner or a phone sees it: page 1 at 150 dpi.
        ExternalTool.RunChecked("pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", Path.Combine(dir, "issued.pdf"), Path.Combine(dir, "page"));
        var photo = Path.Combine(dir, "page.png");
        Assert.True(File.Exists(photo));

        var w = await WatchedPage.OpenAsync(_context);
        await w.Page.GotoAsync(f.Service.Public("/").AbsoluteUri);
        await w.Page.Locator("#qr-photo").SetInputFilesAsync(photo);
        // The QR carries a printed seal: it is checked on the page, and the online check is one link away.
        await Microsoft.Playwright.Assertions.Expect(w.Page.Locator("#seal-result")).ToHaveAttributeAsync("data-verdict", "Authentic", new() { Timeout = 30_000 });
        Assert.Equal(decoder, await w.Page.Locator("#qr-status").GetAttributeAsync("data-decoder"));
        await w.Page.Locator("#seal-online").ClickAsync();
        await w.Page.WaitForURLAsync(f.Service.Public($"/v/{code}").AbsoluteUri, new() { Timeout = 30_000 });
        Assert.Equal("issued", await w.Page.Locator("#status").GetAttributeAsync("data-status"));
        w.AssertNoProblems();

        // A picture without a QR code says so and stays on the page.
        await w.Page.GotoAsync(f.Service.Public("/").AbsoluteUri);
        await w.Page.Locator("#qr-photo").SetInputFilesAsync(Path.Combine(RepoPaths.Samples, "images", "seal.png"));
        await Microsoft.Playwright.Assertions.Expect(w.Page.Locator("#qr-status")).ToContainTextAsync("Không tìm thấy mã tra cứu");
        Assert.Matches(new Regex("/$"), w.Page.Url);
        w.AssertNoProblems();
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _chromium.DisposeAsync();
    }
}
