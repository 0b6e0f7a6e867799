using System.Diagnostics;
using System.Globalization;
using Signing.Core.Decisions;
using Signing.DevPki;
using Signing.Pdf.Rendering;
using Signing.Pkcs11;
using Signing.Seal;
using StbImageSharp;

namespace Signing.Bench;

/// <summary>
/// The printed seal: decode + verify per 150 dpi A4 page image (target ≤ 30 ms on one core), split
/// into image decoding, QR finding and the signature check; the same for a turned, noisy JPEG photo;
/// zbarimg on the same images as the peer; and signing one seal on the dev token.
/// </summary>
internal static class SealBench
{
    public static void Run(BenchOptions options)
    {
        var layout = DevLayout.Default();
        if (!File.Exists(layout.SoftHsmConfig)) throw new InvalidOperationException("No dev token: run hsm-config/setup.sh first.");
        NativeEnvironment.Set("SOFTHSM2_CONF", layout.SoftHsmConfig);
        using var token = Pkcs11Token.Open(DevLayout.ModulePath, Pkcs11Uri.For(token: DevLayout.TokenLabel), new FilePinSource(layout.UserPinFile));
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

            foreach (var (name, file) in new[] { ("150 dpi A4 scan (PNG)", scan), ("turned noisy photo (JPEG q60)", photo) })
            {
                var bytes = File.ReadAllBytes(file);
                if (SealVerifier.Verify(QrImageReader.ReadFile(bytes) ?? throw new InvalidOperationException($"no QR in the {name}"), trusted).Verdict != SealVerdict.Authentic)
                {
                    throw new InvalidOperationException($"the {name} does not verify");
                }

                var image = ImageResult.FromMemory(bytes, ColorComponents.Grey);
                var text = QrImageReader.ReadGrey(image.Data, image.Width, image.Height)!;
                var total = Time(options.Seconds, () => SealVerifier.Verify(QrImageReader.ReadFile(bytes)!, trusted));
                var decode = Time(options.Seconds, () => ImageResult.FromMemory(bytes, ColorComponents.Grey));
                var find = Time(options.Seconds, () => QrImageReader.ReadGrey(image.Data, image.Width, image.Height));
                var verify = Time(options.Seconds, () => SealVerifier.Verify(text, trusted));
                var zbar = Time(Math.Max(1, options.Seconds / 2), () => Tool("zbarimg", "--quiet", "--raw", file));
                Console.WriteLine($"  {name} ({image.Width}x{image.Height}): decode + verify {Ms(total)} per image on one thread (target <= 30 ms)");
                Console.WriteLine($"    image decoding {Ms(decode)}, QR finding {Ms(find)}, signature and fields {Ms(verify)}");
                Console.WriteLine($"    peer: zbarimg on the same file {Ms(zbar)} per image, process start included (ours / zbarimg = {total / zbar:0.00})");
            }

            var sample = rendered.Seal!;
            var sign = Time(options.Seconds, () => signer.Sign(sample));
            Console.WriteLine($"  signing one seal on the dev token (SoftHSM2, P-256): {Ms(sign)}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.00", CultureInfo.InvariantCulture) + " ms";

    /// <summary>Mean seconds per call after a warm-up, over about <paramref name="seconds"/> seconds on this thread.</summary>
    private static double Time(int seconds, Action action)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed < TimeSpan.FromSeconds(1); i++) action();
        var n = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds) || n < 5)
        {
            action();
            n++;
        }

        return sw.Elapsed.TotalSeconds / n;
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
