using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;
using Signing.Testing.Browser;

namespace Signing.Service.Tests.Web;

/// <summary>
/// Chromium contexts for the console: each presents one role's client certificate to the staff
/// port (Playwright's client-certificate support) and trusts the test server by its SPKI pin.
/// </summary>
public sealed class ConsoleBrowser(IssuanceFixture f) : IAsyncDisposable
{
    private const string PfxPassword = "console-test";
    private HeadlessChromium? _chromium;

    public async Task<HeadlessChromium> ChromiumAsync()
    {
        if (_chromium != null) return _chromium;
        using var server = X509CertificateLoader.LoadPkcs12FromFile(f.Pki.ServerPfx, TestPki.ServerPassword);
        var spki = Convert.ToBase64String(SHA256.HashData(server.PublicKey.ExportSubjectPublicKeyInfo()));
        return _chromium = await HeadlessChromium.LaunchAsync("--ignore-certificate-errors-spki-list=" + spki);
    }

    /// <summary>A context presenting <paramref name="role"/>'s certificate on the staff port, at <paramref name="width"/> CSS pixels.</summary>
    public async Task<IBrowserContext> AsAsync(string role, int width = 1280)
    {
        var chromium = await ChromiumAsync();
        return await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            // Playwright relays the TLS connection of a client-certificate origin itself and checks
            // the server there: the test server's certificate chains to the throw-away test root.
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            ClientCertificates =
            [
                new ClientCertificate
                {
                    Origin = $"https://127.0.0.1:{f.Service.StaffPort}",
                    Pfx = f.Pki.RoleClients[role].Export(X509ContentType.Pfx, PfxPassword),
                    Passphrase = PfxPassword,
                },
            ],
        });
    }

    public async Task<WatchedPage> OpenAsync(string role, string path, int width = 1280)
    {
        var page = await WatchedPage.OpenAsync(await AsAsync(role, width));
        var response = await page.Page.GotoAsync(f.Service.Staff(path).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        Assert.True(response!.Status == 200, $"GET {path} as {role}: {response.Status}");
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (_chromium != null) await _chromium.DisposeAsync();
    }
}
