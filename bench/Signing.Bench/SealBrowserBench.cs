using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Playwright;
using Signing.Seal;

namespace Signing.Bench;

/// <summary>
/// The public page's offline verifier (zxing-wasm, then seal-verify.js on WebCrypto) timed inside headless
/// Chromium on the same image files as the CLI: the page's own scripts, served from the repository
/// by Playwright's router under an https origin (WebCrypto needs a secure context), with the key
/// list the service would serve. Per image: createImageBitmap + canvas + ZXing-C++ in WebAssembly, then the COSE check.
/// </summary>
internal static class SealBrowserBench
{
    private const string Origin = "https://seal-bench.invalid";
    private const string Chromium = "/usr/bin/chromium";

    private const string PageHtml = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>seal bench</title></head><body>
        <input id="qr-photo" type="file"><p id="qr-status" data-reading="" data-none="" data-found="{0}" data-unreadable=""></p>
        <p id="seal-keys" data-fetched="{0}" data-missing=""></p><div id="seal-result" hidden></div>
        <script src="/assets/zxing-reader.js"></script><script src="/assets/seal-verify.js"></script><script src="/assets/scan.js"></script>
        </body></html>
        """;

    // Runs in the page: n rounds of decode (the picture's bytes to a QR text) and verify, after two warm-up rounds.
    private const string Measure = """
        async (n) => {
          const blob = await (await fetch('/image')).blob();
          let text = null, outcome = null;
          for (let i = 0; i < 2; i++) { text = await SealPage.decodeFile(blob); outcome = await SealPage.verify(text); }
          let decode = 0, verify = 0;
          for (let i = 0; i < n; i++) {
            const a = performance.now();
            text = await SealPage.decodeFile(blob);
            const b = performance.now();
            outcome = await SealPage.verify(text);
            decode += b - a; verify += performance.now() - b;
          }
          return [decode / n, verify / n, outcome.verdict];
        }
        """;

    public static void Run(BenchOptions options, IReadOnlyList<(string Name, string File)> images, X509Certificate2 sealCertificate)
    {
        if (!File.Exists(Chromium))
        {
            Console.WriteLine($"  browser: skipped, {Chromium} is missing (apt-get install chromium)");
            return;
        }

        RunAsync(options, images, sealCertificate).GetAwaiter().GetResult();
    }

    private static async Task RunAsync(BenchOptions options, IReadOnlyList<(string Name, string File)> images, X509Certificate2 sealCertificate)
    {
        var root = BenchOptions.RepoRoot();
        var assets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/assets/zxing-reader.js"] = Path.Combine(root, "src/Signing.Service/Web/npm/node_modules/zxing-wasm/dist/iife/reader/index.js"),
            ["/assets/zxing_reader.wasm"] = Path.Combine(root, "src/Signing.Service/Web/npm/node_modules/zxing-wasm/dist/reader/zxing_reader.wasm"),
            ["/assets/seal-verify.js"] = Path.Combine(root, "src/Signing.Service/Web/Assets/seal-verify.js"),
            ["/assets/scan.js"] = Path.Combine(root, "src/Signing.Service/Web/Assets/scan.js"),
        };
        var keys = JsonSerializer.Serialize(new
        {
            certificates = new[] { new { kid = Convert.ToHexString(SealKeyId.Of(sealCertificate)), der = Convert.ToBase64String(sealCertificate.RawData) } },
            revoked = Array.Empty<object>(),
            issuedAt = DateTimeOffset.UtcNow,
        });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync();
        string? image = null;
        await context.RouteAsync(Origin + "/**", async route =>
        {
            var path = new Uri(route.Request.Url).AbsolutePath;
            if (path == "/") await route.FulfillAsync(new() { Status = 200, ContentType = "text/html; charset=utf-8", Body = PageHtml });
            else if (assets.TryGetValue(path, out var file)) await route.FulfillAsync(new() { Status = 200, ContentType = file.EndsWith(".wasm", StringComparison.Ordinal) ? "application/wasm" : "text/javascript; charset=utf-8", Path = file });
            else if (path == "/api/public/seal-keys") await route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = keys });
            else if (path == "/image" && image is not null) await route.FulfillAsync(new() { Status = 200, ContentType = image.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg", Path = image });
            else await route.FulfillAsync(new() { Status = 404 });
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(Origin + "/");
        await page.WaitForFunctionAsync("() => document.getElementById('seal-keys').dataset.issuedAt");
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Performance.enable");

        var rounds = Math.Max(5, options.Seconds * 4);
        foreach (var (name, file) in images)
        {
            image = file;
            var before = await MetricsAsync(cdp);
            var chromiumBefore = ChromiumCpuMs();
            var result = await page.EvaluateAsync<JsonElement>(Measure, rounds);
            var chromiumAfter = ChromiumCpuMs();
            var after = await MetricsAsync(cdp);
            var decode = result[0].GetDouble();
            var verify = result[1].GetDouble();
            var verdict = result[2].GetString();
            if (verdict != "Authentic") throw new InvalidOperationException($"the browser found the {name} {verdict}");
            // The renderer's main-thread CPU over warm-up and rounds, per image (Chromium's ThreadTime metric).
            var cpu = after.TryGetValue("ThreadTime", out var t1) && before.TryGetValue("ThreadTime", out var t0)
                ? string.Create(CultureInfo.InvariantCulture, $"{(t1 - t0) * 1000 / (rounds + 2):0.00} ms main-thread CPU, ")
                : "";
            // Every Chromium process's CPU (renderer threads that decode the picture, the browser, the GPU process): the cost on one core.
            var allCpu = (chromiumAfter - chromiumBefore) / (rounds + 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  browser, {name}: decode + verify {allCpu:0.0} ms CPU of all Chromium processes, {cpu}{decode + verify:0.00} ms wall per image (QR {decode:0.00} ms, WebCrypto and fields {verify:0.00} ms)"));
        }
    }

    /// <summary>User + system CPU of every process named chromium on this machine, in ms (/proc, clock ticks of 10 ms).</summary>
    private static double ChromiumCpuMs()
    {
        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // the process ended
            }

            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            if (open < 0 || close < open || stat[(open + 1)..close] != "chromium") continue;
            // After the name: state, ppid, ... utime and stime are fields 14 and 15 of the whole line.
            var fields = stat[(close + 2)..].Split(' ');
            ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
        }

        return ticks * 10;
    }

    private static async Task<Dictionary<string, double>> MetricsAsync(ICDPSession cdp)
    {
        var reply = await cdp.SendAsync("Performance.getMetrics");
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (reply is { } r)
        {
            foreach (var m in r.GetProperty("metrics").EnumerateArray()) metrics[m.GetProperty("name").GetString()!] = m.GetProperty("value").GetDouble();
        }

        return metrics;
    }
}
