using System.Diagnostics;
using Signing.Core;
using Signing.PdfSyntax;

namespace Signing.Cli;

/// <summary>
/// Page 1 of a PDF as a grey PNG at 150 dpi (A4), for finding its QR code. The PDF may be anyone's,
/// so it is bounded before and while pdftoppm runs: the hardened reader's limits first, then an
/// image no larger than an A4 page at 150 dpi, 1 GiB of address space, 20 s of CPU and 30 s in all.
/// </summary>
internal static class PdfPageImage
{
    private const int LongSidePixels = 1754; // A4 at 150 dpi
    private static readonly TimeSpan WallClock = TimeSpan.FromSeconds(30);

    public static byte[] FirstPage(byte[] pdf)
    {
        _ = PdfFile.Parse(pdf); // throws SigningException when a read limit is hit or it is not a PDF
        var psi = new ProcessStartInfo("prlimit")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--as=1073741824", "--cpu=20", "--", "pdftoppm", "-f", "1", "-l", "1", "-png", "-gray", "-scale-to", LongSidePixels.ToString(System.Globalization.CultureInfo.InvariantCulture), "-" })
        {
            psi.ArgumentList.Add(a);
        }

        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new SigningException("could not start pdftoppm");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new SigningException("reading a PDF's QR code needs pdftoppm (poppler-utils) and prlimit (util-linux) on the PATH");
        }

        using (p)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            var stdin = Task.Run(() =>
            {
                try
                {
                    using var s = p.StandardInput.BaseStream;
                    s.Write(pdf);
                }
                catch (IOException)
                {
                    // pdftoppm stopped reading; its exit code says why.
                }
            });
            using var png = new MemoryStream();
            var copy = p.StandardOutput.BaseStream.CopyToAsync(png);
            if (!copy.Wait(WallClock) || !p.WaitForExit(WallClock))
            {
                p.Kill(entireProcessTree: true);
                throw new SigningException($"pdftoppm took longer than {WallClock.TotalSeconds} s on page 1");
            }

            stdin.Wait(WallClock);
            if (p.ExitCode != 0) throw new SigningException($"pdftoppm could not render page 1: {stderr.Result.ReplaceLineEndings(" ").Trim()}");
            return png.ToArray();
        }
    }
}
