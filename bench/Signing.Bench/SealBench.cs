using System.Diagnostics;
using System.Globalization;
using Signing.Core.Decisions;
using Signing.DevPki;
using Signing.Pdf.Rendering;
using Signing.Pkcs11;
using Signing.Seal;

namespace Signing.Bench;

/// <summary>
/// The printed seal: decode + verify per 150 dpi A4 page image (target ≤ 30 ms on one core), split
/// into image decoding, QR finding and the signature check; the same for a turned, noisy JPEG photo;
/// zbarimg on the same images as the peer; the public page's verifier in headless Chromium on the
/// same images (<see cref="SealBrowserBench"/>); and signing one seal on the dev token.
/// </summary>
internal static class SealBench
{
    public static void Run(BenchOptions options)
    {
        var layout = DevBenchToken.Layout();
        using var token = DevBenchToken.Open(layout);
        var store = new Pkcs11KeyStore(token);
        var uri = Pkcs11Uri.Parse($"pkcs11:token={DevLayout.TokenLabel};object={DevLayout.PrintedSealLabel};type=private");
        var key = store.GetSignatureKey(uri);
        var cert = store.FindCertificate(Pkcs11Uri.For(obj: DevLayout.PrintedSealLabel, type: "cert")) ?? throw new InvalidOperationException("no seal-qr certificate on the dev token");
        var signer = new PrintedSealSigner(key, cert, DevLayout.PrintedSealAgencyId);
        var trusted = new SealCertificates([cert]);

        var dir = Directory.CreateTempSubdirectory("seal-bench").FullName;
        try
        {
            var decision = DecisionJson.Load(Path.Combine(BenchOptions.RepoRoot(), "samples", "decisions", "giay-phep.json"));
            var rendered = ResultRenderer.Render(decision, new RenderOptions { Seal = signer });
            var pdf = Path.Combine(dir, "page.pdf");
            File.WriteAllBytes(pdf, rendered.Pdf);
            Tool("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-gray", "-singlefile", pdf, Path.Combine(dir, "page"));
            var scan = Path.Combine(dir, "page.png");
            var photo = Path.Combine(dir, "photo.jpg");
            Tool("convert", scan, "-rotate", "17", "-attenuate", "0.4", "+noise", "Gaussian", "-quality", "60", photo);
            Console.WriteLine($"seal: QR text {rendered.QrText.Length} characters; page image {new FileInfo(scan).Length / 1024} KiB PNG");

            var images = new[] { ("150 dpi A4 scan (PNG)", scan), ("turned noisy photo (JPEG q60)", photo) };
            foreach (var (name, file) in images)
            {
                var bytes = File.ReadAllBytes(file);
                if (SealVerifier.Verify(QrImageReader.ReadFile(bytes) ?? throw new InvalidOperationException($"no QR in the {name}"), trusted).Verdict != SealVerdict.Authentic)
                {
                    throw new InvalidOperationException($"the {name} does not verify");
                }

                var (grey, width, height) = QrImageReader.DecodeGrey(bytes);
                var text = QrImageReader.ReadGrey(grey, width, height)!;
                var total = Time(options.Seconds, () => SealVerifier.Verify(QrImageReader.ReadFile(bytes)!, trusted));
                var decode = Time(options.Seconds, () => QrImageReader.DecodeGrey(bytes));
                var find = Time(options.Seconds, () => QrImageReader.ReadGrey(grey, width, height));
                var verify = Time(options.Seconds, () => SealVerifier.Verify(text, trusted));
                var zbar = Time(Math.Max(1, options.Seconds / 2), () => Tool("zbarimg", "--quiet", "--raw", file), children: true);
                Console.WriteLine($"  {name} ({width}x{height}): decode + verify {total} per image on one thread (target <= 30 ms)");
                Console.WriteLine($"    image decoding (Skia) {decode}, QR finding (ZXing) {find}, signature and fields {verify}");
                Console.WriteLine($"    peer: zbarimg on the same file {zbar} per image, process start included (ours / zbarimg, CPU = {total.Cpu / zbar.Cpu:0.00})");
            }

            SealBrowserBench.Run(options, images, cert);
            var sample = rendered.Seal!;
            var sign = Time(options.Seconds, () => signer.Sign(sample));
            Console.WriteLine($"  signing one seal on the dev token (SoftHSM2, P-256): {sign}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Mean wall and CPU milliseconds of one call; CPU is this thread's (or the children's, for a tool), which a loaded machine inflates far less than wall time.</summary>
    internal readonly record struct Cost(double Wall, double Cpu)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Cpu:0.00} ms CPU ({Wall:0.00} ms wall)");
    }

    /// <summary>Mean cost per call after a warm-up, over about <paramref name="seconds"/> seconds on this thread.</summary>
    private static Cost Time(int seconds, Action action, bool children = false)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed < TimeSpan.FromSeconds(1); i++) action();
        var n = 0;
        var cpu0 = children ? CpuClock.Children() : CpuClock.Thread();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds) || n < 5)
        {
            action();
            n++;
        }

        var cpu = (children ? CpuClock.Children() : CpuClock.Thread()) - cpu0;
        return new Cost(sw.Elapsed.TotalMilliseconds / n, cpu.TotalMilliseconds / n);
    }

    private static void Tool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} exited {p.ExitCode}");
    }
}
