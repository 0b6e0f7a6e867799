using System.Diagnostics;
using Signing.Core;
using Signing.PdfSyntax;

namespace Signing.Cli;

/// <summary>
/// The verification code page 1 of a PDF prints ("Mã xác minh: XXXX-XXXX-XXX"), read from its text
/// layer by pdftotext. The PDF may be anyone's, so it passes the hardened reader's limits first, and
/// pdftotext runs under 1 GiB of address space, 20 s of CPU and 30 s in all. Nothing is rasterised.
/// </summary>
internal static class PdfPrintedCode
{
    private static readonly TimeSpan WallClock = TimeSpan.FromSeconds(30);

    /// <summary>The printed code, or null when page 1 prints none.</summary>
    public static string? Read(byte[] pdf)
    {
        _ = PdfFile.Parse(pdf); // throws SigningException when a read limit is hit or it is not a PDF
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
            throw new SigningException("reading the code a PDF prints needs pdftotext (poppler-utils) and prlimit (util-linux) on the PATH");
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
                    // the tool stopped reading; its exit code says why.
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
