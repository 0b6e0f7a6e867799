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

    // Runs in the page: decode (the picture's bytes to a QR text) and verify, n times or for ms milliseconds; the mean of each.
    private const string Measure = """
        async ([n, ms]) => {
          const blob = await (await fetch('/image')).blob();
          let text = null, outcome = null, decode = 0, verify = 0, i = 0;
          const started = performance.now();
          for (; i < n || performance.now() - started < ms; i++) {
            const a = performance.now();
            text = await SealPage.decodeFile(blob);
            const b = performance.now();
            outcome = await SealPage.verify(text);
            decode += b - a; verify += performance.now() - b;
          }
          return [decode / i, verify / i, outcome.verdict, i, document.getElementById('qr-status').dataset.decoder];
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

        var cell = options.Seconds * 1000;
        var first = true;
        foreach (var (name, file) in images)
        {
            image = file;
            if (first)
            {
                // The first scan after the page loads also waits for V8 to compile ZXing's WebAssembly; V8
                // keeps compiling its hot functions on background threads for a while after.
                var (_, firstScan) = await ScanAsync(page, cdp, 1, 0);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  browser, first scan after the page loads ({name}): {firstScan.AllCpu:0.0} ms CPU of all Chromium processes, {firstScan.Wall:0.0} ms wall"));
                first = false;
            }

            await ScanAsync(page, cdp, 2, 1000); // warm-up: the rounds below measure the steady state
            var (verdict, steady) = await ScanAsync(page, cdp, 10, cell);
            if (verdict != "Authentic") throw new InvalidOperationException($"the browser found the {name} {verdict}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  browser, {name}, {steady.Decoder}: decode + verify {steady.AllCpu:0.0} ms CPU of all Chromium processes (target <= 30 ms), {steady.MainCpu:0.00} ms main-thread CPU, {steady.Wall:0.00} ms wall per image (QR {steady.Decode:0.00} ms, WebCrypto and fields {steady.Verify:0.00} ms)"));
        }

        // The peer in the same run: createImageBitmap and a canvas, the path of browsers without WebCodecs' ImageDecoder.
        await page.EvaluateAsync("() => { window.ImageDecoder = undefined; }");
        foreach (var (name, file) in images)
        {
            image = file;
            await ScanAsync(page, cdp, 2, 1000);
            var (_, canvas) = await ScanAsync(page, cdp, 10, cell);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  browser, {name}, {canvas.Decoder} (no ImageDecoder): decode + verify {canvas.AllCpu:0.0} ms CPU of all Chromium processes, {canvas.MainCpu:0.00} ms main-thread CPU, {canvas.Wall:0.00} ms wall per image"));
        }
    }

    private readonly record struct Scan(double AllCpu, double MainCpu, double Wall, double Decode, double Verify, string Decoder);

    /// <summary>Scans the current image at least <paramref name="n"/> times and for at least <paramref name="ms"/>; the CPU is per scan.</summary>
    private static async Task<(string? Verdict, Scan Scan)> ScanAsync(IPage page, ICDPSession cdp, int n, int ms)
    {
        var before = await MetricsAsync(cdp);
        var chromiumBefore = ChromiumCpuMs();
        var result = await page.EvaluateAsync<JsonElement>(Measure, new[] { n, ms });
        var chromiumAfter = ChromiumCpuMs();
        var after = await MetricsAsync(cdp);
        var decode = result[0].GetDouble();
        var verify = result[1].GetDouble();
        var count = result[3].GetInt32();
        // The renderer's main thread (Chromium's ThreadTime metric), and every Chromium process: the
        // renderer's other threads that decode the picture, the browser and the GPU process. The latter is the cost on one core.
        var main = after.TryGetValue("ThreadTime", out var t1) && before.TryGetValue("ThreadTime", out var t0) ? (t1 - t0) * 1000 / count : double.NaN;
        return (result[2].GetString(), new Scan((chromiumAfter - chromiumBefore) / count, main, decode + verify, decode, verify, result[4].GetString() ?? "?"));
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
