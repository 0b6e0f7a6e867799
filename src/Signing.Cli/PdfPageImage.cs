using System.Diagnostics;
using Signing.Core;
using Signing.PdfSyntax;

namespace Signing.Cli;

/// <summary>
/// Page 1 of a PDF as a grey PNG at 150 dpi (A4), for finding its QR code, and the code it prints. The PDF may be anyone's,
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
        return Run("pdftoppm", ["-f", "1", "-l", "1", "-png", "-gray", "-scale-to", LongSidePixels.ToString(System.Globalization.CultureInfo.InvariantCulture), "-"], pdf);
    }

    /// <summary>
    /// The verification code printed on page 1 ("Mã xác minh: XXXX-XXXX-XXX"), read from the text
    /// layer under the same limits, or null when the page prints none.
    /// </summary>
    public static string? PrintedCode(byte[] pdf)
    {
        var text = System.Text.Encoding.UTF8.GetString(Run("pdftotext", ["-f", "1", "-l", "1", "-enc", "UTF-8", "-", "-"], pdf));
        var m = System.Text.RegularExpressions.Regex.Match(text, @"Mã xác minh:\s*([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3})");
        return m.Success ? m.Groups[1].Value : null;
    }

    private static byte[] Run(string tool, string[] args, byte[] pdf)
    {
        var psi = new ProcessStartInfo("prlimit")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in (string[])["--as=1073741824", "--cpu=20", "--", tool, .. args]) psi.ArgumentList.Add(a);

        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new SigningException($"could not start {tool}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new SigningException("reading a PDF's QR code needs pdftoppm and pdftotext (poppler-utils) and prlimit (util-linux) on the PATH");
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
            using var output = new MemoryStream();
            var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
            if (!copy.Wait(WallClock) || !p.WaitForExit(WallClock))
            {
                p.Kill(entireProcessTree: true);
                throw new SigningException($"{tool} took longer than {WallClock.TotalSeconds} s on page 1");
            }

            stdin.Wait(WallClock);
            if (p.ExitCode != 0) throw new SigningException($"{tool} could not read page 1: {stderr.Result.ReplaceLineEndings(" ").Trim()}");
            return output.ToArray();
        }
    }
}
