using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Signing.Testing.Browser;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium) driven by Playwright: Playwright's own browser download
/// cannot run here, so the system browser is named. One per test class; pages collect their problems.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>Starts the browser trusting exactly the key of the test server certificate in <paramref name="serverPfx"/> (an SPKI pin).</summary>
    public static async Task<HeadlessChromium> LaunchTrustingAsync(string serverPfx, string password)
    {
        using var server = X509CertificateLoader.LoadPkcs12FromFile(serverPfx, password);
        var spki = Convert.ToBase64String(SHA256.HashData(server.PublicKey.ExportSubjectPublicKeyInfo()));
        return await LaunchAsync("--ignore-certificate-errors-spki-list=" + spki);
    }

    /// <summary>Starts the browser; <paramref name="extraArgs"/> e.g. an SPKI pin for a test server.</summary>
    public static async Task<HeadlessChromium> LaunchAsync(params string[] extraArgs)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing (apt-get install chromium)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", .. extraArgs,
            ],
        });
        return new HeadlessChromium(playwright, browser);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>A page and the console errors, uncaught exceptions and failed requests it has seen.</summary>
public sealed class WatchedPage
{
    private readonly List<string> _problems = [];

    private WatchedPage(IPage page) => Page = page;

    public IPage Page { get; }

    public IReadOnlyList<string> Problems
    {
        get { lock (_problems) return _problems.ToList(); }
    }

    public static async Task<WatchedPage> OpenAsync(IBrowserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var watched = new WatchedPage(await context.NewPageAsync());
        watched.Page.Console += (_, message) =>
        {
            if (message.Type == "error") watched.Add($"console: {message.Text} ({message.Location})");
        };
        watched.Page.PageError += (_, error) => watched.Add("page error: " + error);
        watched.Page.RequestFailed += (_, request) => watched.Add($"request failed: {request.Url} {request.Failure}");
        return watched;
    }

    private void Add(string problem)
    {
        lock (_problems) _problems.Add(problem);
    }

    /// <summary>
    /// With SIGNING_SCREENSHOTS=DIR set, saves the whole page as DIR/NAME.png (how docs/console.md's
    /// pictures are made: `SIGNING_SCREENSHOTS=docs/console dotnet test ... --filter Web.`); otherwise nothing.
    /// </summary>
    public async Task ScreenshotAsync(string name, bool fullPage = true)
    {
        if (Environment.GetEnvironmentVariable("SIGNING_SCREENSHOTS") is not { Length: > 0 } dir) return;
        Directory.CreateDirectory(dir);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = fullPage });
    }

    /// <summary>No console error, page error or failed request so far.</summary>
    public void AssertNoProblems() => Assert.True(Problems.Count == 0, string.Join("\n", Problems));

    /// <summary>axe-core on the page as it is now: no serious or critical violation.</summary>
    public async Task AssertAccessibleAsync()
    {
        var result = await Page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"axe-core on {Page.Url}:\n" + string.Join("\n", bad.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} — {string.Join("; ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }
}
