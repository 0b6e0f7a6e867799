using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;
using Signing.Core.Keys;
using Signing.Seal;
using Signing.Service.Authorization;
using Signing.Testing;
using Signing.Testing.Browser;
using Signing.Testing.Seal;
using static Microsoft.Playwright.Assertions;

namespace Signing.Service.Tests.Web;

/// <summary>
/// The service with seal key rollover configured: besides the token's seal key, a retired seal
/// key (expired yesterday) and a revoked one (listed on its CA's CRL), both served in the public
/// seal key list for the offline verifier.
/// </summary>
public sealed class OfflineSealFixture : IssuanceFixture
{
    public SealPki SealCa { get; } = new();
    public SoftwareSignatureKey RetiredKey { get; } = SoftwareSignatureKey.CreateEcdsa();
    public SoftwareSignatureKey RevokedKey { get; } = SoftwareSignatureKey.CreateEcdsa();
    public SoftwareSignatureKey NotASealKey { get; } = SoftwareSignatureKey.CreateEcdsa();
    public X509Certificate2 Retired { get; private set; } = null!;
    public X509Certificate2 Revoked { get; private set; } = null!;

    /// <summary>The same kind of key and CA, but the certificate's purpose is e-mail protection, not the printed seal.</summary>
    public X509Certificate2 NotASeal { get; private set; } = null!;

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        var now = DateTimeOffset.UtcNow;
        Retired = SealCa.Issue(RetiredKey, now.AddYears(-3), now.AddDays(-1), cn: "Khóa dấu in cũ (retired)");
        Revoked = SealCa.Issue(RevokedKey, now.AddYears(-1), now.AddYears(1), cn: "Khóa dấu in bị thu hồi (revoked)");
        NotASeal = SealCa.Issue(NotASealKey, now.AddYears(-1), now.AddYears(1), cn: "Không phải khóa dấu in", eku: "1.3.6.1.5.5.7.3.4");
        var dir = RepoPaths.NewTempDirectory("seal-rollover");
        var pem = Path.Combine(dir, "seal-certificates.pem");
        File.WriteAllText(pem, Retired.ExportCertificatePem() + "\n" + Revoked.ExportCertificatePem() + "\n" + NotASeal.ExportCertificatePem() + "\n" + SealCa.Ca.ExportCertificatePem() + "\n");
        var crl = Path.Combine(dir, "seal-ca.crl");
        File.WriteAllBytes(crl, SealCa.Crl(now.AddDays(-2), Revoked));
        settings["Signing:PrintedSeal:Certificates:0"] = pem;
        settings["Signing:PrintedSeal:RevocationLists:0"] = crl;
    }

    /// <summary>A COSE_Sign1 seal as <see cref="PrintedSealSigner"/> makes it, by a key outside the token.</summary>
    public static byte[] Sign(SoftwareSignatureKey key, X509Certificate2 certificate, PrintedSeal seal)
    {
        var headers = new CoseHeaderMap { { CoseHeaderLabel.KeyIdentifier, CoseHeaderValue.FromBytes(SealKeyId.Of(certificate)) } };
        using var ecdsa = (ECDsa)key.ToAsymmetricAlgorithm();
        return CoseSign1Message.SignEmbedded(SealPayload.Encode(seal), new CoseSigner(ecdsa, HashAlgorithmName.SHA256, headers));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SealCa.Dispose();
        RetiredKey.Dispose();
        RevokedKey.Dispose();
        NotASealKey.Dispose();
    }
}

/// <summary>
/// The public page verifies printed seals in headless Chromium after one visit, with the network
/// cut: a photographed print of an issued result is authentic with its fields; forgeries are
/// refused; a retired key's print still verifies and a revoked key's print says so.
/// </summary>
public sealed class OfflineSealBrowserTests(OfflineSealFixture f) : IClassFixture<OfflineSealFixture>, IAsyncLifetime
{
    private readonly string _dir = RepoPaths.NewTempDirectory("offline-seal");
    private HeadlessChromium _chromium = null!;
    private IBrowserContext _context = null!;

    public async Task InitializeAsync()
    {
        // Decoding a turned photo takes seconds of wall time on a loaded 2-core machine.
        SetDefaultExpectTimeout(30_000);
        _chromium = await HeadlessChromium.LaunchTrustingAsync(f.Pki.ServerPfx, TestPki.ServerPassword);
        _context = await _chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 360, Height = 800 } });
    }

    /// <summary>Issues <paramref name="sample"/> and makes the picture a phone takes of its printed page 1.</summary>
    private async Task<(string Code, string Page, string Photo)> PhotographedResultAsync(string sample, string distortion)
    {
        var (id, code) = await f.IssueAsync(sample);
        using var staff = f.Client(Roles.CounterStaff);
        var pdf = Path.Combine(_dir, code + ".pdf");
        File.WriteAllBytes(pdf, await staff.GetByteArrayAsync(f.Service.Staff($"/api/documents/{id}/pdf")));
        var page = Path.Combine(_dir, code);
        ExternalTool.RunChecked("pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", pdf, page);
        var photo = Path.Combine(_dir, code + "-photo.jpg");
        ExternalTool.RunChecked("convert", [page + ".png", .. distortion.Split(' '), photo]);
        return (code, page + ".png", photo);
    }

    /// <summary>Opens the public page online once and waits until its service worker has kept the page, its scripts and the key list.</summary>
    private async Task<WatchedPage> VisitOnceAsync()
    {
        var w = await WatchedPage.OpenAsync(_context);
        await w.Page.GotoAsync(f.Service.Public("/").AbsoluteUri);
        Assert.True(await w.Page.EvaluateAsync<bool>("() => navigator.serviceWorker.ready.then(() => true)"));
        await Expect(w.Page.Locator("#seal-keys")).Not.ToBeEmptyAsync();
        Assert.Equal("/manifest.webmanifest", await w.Page.Locator("link[rel=manifest]").GetAttributeAsync("href"));
        return w;
    }

    private static async Task<string> VerdictOfAsync(IPage page, string picture)
    {
        await page.Locator("#qr-photo").SetInputFilesAsync(picture);
        var result = page.Locator("#seal-result[data-verdict]:not([hidden])");
        await Expect(result).ToBeVisibleAsync(new() { Timeout = 30_000 });
        return (await result.GetAttributeAsync("data-verdict"))!;
    }

    [Fact]
    public async Task After_one_visit_a_photographed_print_is_authentic_with_its_fields_and_no_network()
    {
        var (code, _, photo) = await PhotographedResultAsync("giay-phep", "-seed 7 -rotate 7 -attenuate 0.4 +noise Gaussian -quality 70");
        var w = await VisitOnceAsync();

        var cutAt = DateTimeOffset.UtcNow;
        await _context.SetOfflineAsync(true);
        try
        {
            // The page itself now comes from the service worker's copy, and so does the key list:
            // the service stamps each list it serves, and this one is older than the cut.
            await w.Page.ReloadAsync();
            Assert.False(await w.Page.EvaluateAsync<bool>("() => navigator.onLine"));
            Assert.False(await w.Page.EvaluateAsync<bool>("() => fetch('/api/public/ping').then(() => true, () => false)"));
            await Expect(w.Page.Locator("#seal-keys[data-issued-at]")).ToHaveCountAsync(1);
            var listedAt = DateTimeOffset.Parse((await w.Page.Locator("#seal-keys").GetAttributeAsync("data-issued-at"))!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(listedAt < cutAt, $"the key list was stamped {listedAt:O}, after the network was cut at {cutAt:O}");
            Assert.Equal("Authentic", await VerdictOfAsync(w.Page, photo));
            Assert.Equal("ImageDecoder", await w.Page.Locator("#qr-status").GetAttributeAsync("data-decoder"));
            var fields = await w.Page.Locator("#seal-fields").InnerTextAsync();
            Assert.Contains("87", fields, StringComparison.Ordinal);
            Assert.Contains(code, fields, StringComparison.Ordinal);
            Assert.Contains("Ông Nguyễn Hữu Thắng và Bà Lê Thị Ngọc Ánh", fields, StringComparison.Ordinal);
            Assert.Contains("Issued to", fields, StringComparison.Ordinal);
            Assert.Contains("Được cấp cho", fields, StringComparison.Ordinal);
            Assert.Contains("chỉ biết được khi tra cứu trực tuyến", await w.Page.Locator("#seal-online-only").InnerTextAsync(), StringComparison.Ordinal);
            // No network: the online check is named, not linked.
            await Expect(w.Page.Locator("#seal-offline")).ToBeVisibleAsync();
            await Expect(w.Page.Locator("#seal-online")).ToHaveCountAsync(0);
            await w.AssertAccessibleAsync();
            await w.ScreenshotAsync("public-seal-offline-360px");
        }
        finally
        {
            await _context.SetOfflineAsync(false);
        }

        // The one request that was meant to fail: the probe of the cut network.
        Assert.True(w.Problems.All(p => p.Contains("/api/public/ping", StringComparison.Ordinal)), string.Join("\n", w.Problems));
    }

    [Fact]
    public async Task Offline_forgeries_are_refused_a_retired_key_still_verifies_and_a_revoked_key_says_so()
    {
        var (codeA, pageA, _) = await PhotographedResultAsync("giay-phep", "-quality 90");
        var (codeB, pageB, _) = await PhotographedResultAsync("quyet-dinh", "-quality 90");
        var textA = QrImageReader.ReadFile(File.ReadAllBytes(pageA))!;
        var textB = QrImageReader.ReadFile(File.ReadAllBytes(pageB))!;
        var (urlA, coseA) = SealText.Parse(textA);
        var (urlB, coseB) = SealText.Parse(textB);

        string Picture(string name, string text)
        {
            var png = Path.Combine(_dir, name + ".png");
            SealForgery.WriteQrPng(text, png);
            return png;
        }

        var forgedField = Picture("forged-number", SealText.Compose(urlA!, SealForgery.ReplacePayload(coseA, p => SealForgery.ReplaceText(p, 5, "88"))));
        var swappedSignature = Picture("swapped-signature", SealText.Compose(urlB!, SealForgery.ReplaceSignature(coseB, SealForgery.Signature(coseA))));
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(7));
        var seal = SealPayload.Decode(SealForgery.Payload(coseA));
        var notASeal = Picture("not-a-seal-key", SealText.Compose(urlA!, OfflineSealFixture.Sign(f.NotASealKey, f.NotASeal, seal)));
        var retiredInTime = Picture("retired", SealText.Compose(urlA!, OfflineSealFixture.Sign(f.RetiredKey, f.Retired, seal with { SealedOn = today.AddDays(-30) })));
        var retiredLate = Picture("retired-late", SealText.Compose(urlA!, OfflineSealFixture.Sign(f.RetiredKey, f.Retired, seal with { SealedOn = today })));
        var revoked = Picture("revoked", SealText.Compose(urlA!, OfflineSealFixture.Sign(f.RevokedKey, f.Revoked, seal)));
        var urlOnly = Picture("url-only", urlA!.AbsoluteUri);

        var w = await VisitOnceAsync();
        await _context.SetOfflineAsync(true);
        try
        {
            await w.Page.ReloadAsync();
            Assert.Equal("Authentic", await VerdictOfAsync(w.Page, Picture("genuine", textA)));

            Assert.Equal("Forged", await VerdictOfAsync(w.Page, forgedField));
            Assert.Contains("signature does not match", await w.Page.Locator("#seal-reason").InnerTextAsync(), StringComparison.Ordinal);
            await Expect(w.Page.Locator("#seal-fields")).ToHaveCountAsync(0);

            Assert.Equal("Forged", await VerdictOfAsync(w.Page, swappedSignature));
            await Expect(w.Page.Locator("#seal-fields")).ToHaveCountAsync(0);

            // The list the site served leaves the e-mail certificate out; the page checks the purpose itself too (below).
            Assert.Equal("UnknownKey", await VerdictOfAsync(w.Page, notASeal));
            Assert.Equal("Authentic", await VerdictOfAsync(w.Page, retiredInTime));
            Assert.Equal("Forged", await VerdictOfAsync(w.Page, retiredLate));
            Assert.Contains("outside its key's validity", await w.Page.Locator("#seal-reason").InnerTextAsync(), StringComparison.Ordinal);

            Assert.Equal("KeyRevoked", await VerdictOfAsync(w.Page, revoked));
            Assert.Contains("đã bị thu hồi", await w.Page.Locator("#seal-verdict").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains(codeA, await w.Page.Locator("#seal-fields").InnerTextAsync(), StringComparison.Ordinal);
            await w.AssertAccessibleAsync();

            // A genuine QR of another result keeps its own verdict and code: the page names the code the seal was signed for.
            Assert.Equal("Authentic", await VerdictOfAsync(w.Page, Picture("genuine-b", textB)));
            Assert.Contains(codeB, await w.Page.Locator("#seal-fields").InnerTextAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await _context.SetOfflineAsync(false);
        }

        // Online again, a URL-only QR still leads to the result's page.
        await w.Page.Locator("#qr-photo").SetInputFilesAsync(urlOnly);
        // Polls the page's URL: waiting for the navigation event missed it when the page left before the wait began.
        await Expect(w.Page).ToHaveURLAsync(f.Service.Public($"/v/{codeA}").AbsoluteUri, new() { Timeout = 60_000 });
        w.AssertNoProblems();
    }

    [Fact]
    public async Task The_page_itself_ignores_a_certificate_without_the_seal_key_purpose_even_if_a_list_names_it()
    {
        var (_, pageA, _) = await PhotographedResultAsync("giay-phep", "-quality 90");
        var (url, cose) = SealText.Parse(QrImageReader.ReadFile(File.ReadAllBytes(pageA))!);
        var seal = SealPayload.Decode(SealForgery.Payload(cose));
        var byNotASeal = SealText.Compose(url!, OfflineSealFixture.Sign(f.NotASealKey, f.NotASeal, seal));
        var byRevoked = SealText.Compose(url!, OfflineSealFixture.Sign(f.RevokedKey, f.Revoked, seal));
        var w = await VisitOnceAsync();
        const string check = """
            ([text, ders]) => SealVerify.loadKeys({ certificates: ders.map(d => ({ der: d })), revoked: [] })
                .then(keys => SealVerify.verify(text, keys)).then(r => r.verdict)
            """;
        Assert.Equal("UnknownKey", await w.Page.EvaluateAsync<string>(check, new object[] { byNotASeal, new[] { Convert.ToBase64String(f.NotASeal.RawData) } }));
        // The same list form with a seal certificate verifies: what refused the other was its purpose.
        Assert.Equal("Authentic", await w.Page.EvaluateAsync<string>(check, new object[] { byRevoked, new[] { Convert.ToBase64String(f.Revoked.RawData) } }));
        w.AssertNoProblems();
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _chromium.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
