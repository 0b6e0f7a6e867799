using System.Diagnostics;
using System.Globalization;
using Signing.Core;
using Signing.Core.IO;

namespace Signing.Service.Issuance;

/// <summary>
/// PNG previews of an issued result, rendered once at issuance from our own file with
/// <c>pdftoppm -png -r 60</c> (uploads are never rasterised). Stored under
/// &lt;data&gt;/previews/&lt;pdf sha256&gt;/page-N.png; the folder appears complete or not at all
/// (rendered into a temp folder, then renamed).
/// </summary>
public sealed class PagePreviews(string dataDirectory)
{
    private readonly string _root = Path.Combine(dataDirectory, "previews");

    public bool Exists(string pdfSha256) => Directory.Exists(FolderOf(pdfSha256));

    /// <summary>The PNG of page <paramref name="page"/> (1-based), or null.</summary>
    public string? PagePath(string pdfSha256, int page)
    {
        var path = Path.Combine(FolderOf(pdfSha256), $"page-{page.ToString(CultureInfo.InvariantCulture)}.png");
        return page >= 1 && File.Exists(path) ? path : null;
    }

    public int PageCount(string pdfSha256)
    {
        var dir = FolderOf(pdfSha256);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "page-*.png").Length : 0;
    }

    /// <summary>Renders the previews unless they already exist; returns the page count.</summary>
    public async Task<int> RenderAsync(byte[] pdf, string pdfSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        var target = FolderOf(pdfSha256);
        if (Directory.Exists(target)) return PageCount(pdfSha256);
        Directory.CreateDirectory(_root);
        var work = Path.Combine(_root, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var input = Path.Combine(work, "input.pdf");
            AtomicFile.Write(input, pdf);
            var psi = new ProcessStartInfo("pdftoppm") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-png", "-r", "60", input, Path.Combine(work, "p") }) psi.ArgumentList.Add(a);
            Process process;
            try
            {
                process = Process.Start(psi) ?? throw new SigningException("pdftoppm could not be started");
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new SigningException("page previews need pdftoppm (poppler-utils) on the PATH");
            }

            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (process.ExitCode != 0) throw new SigningException($"pdftoppm failed: {(await stderr.ConfigureAwait(false)).ReplaceLineEndings(" ").Trim()}");
            }

            File.Delete(input);
            // pdftoppm pads page numbers to the width of the page count (p-1.png or p-01.png).
            var count = 0;
            foreach (var file in Directory.GetFiles(work, "p-*.png"))
            {
                var number = int.Parse(Path.GetFileNameWithoutExtension(file)[2..], NumberStyles.None, CultureInfo.InvariantCulture);
                File.Move(file, Path.Combine(work, $"page-{number.ToString(CultureInfo.InvariantCulture)}.png"));
                count++;
            }
            if (count == 0) throw new SigningException("pdftoppm produced no page images");
            try
            {
                Directory.Move(work, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another request rendered the same file first; theirs is identical.
            }
            return count;
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    private string FolderOf(string pdfSha256)
    {
        if (pdfSha256.Length != 64 || !pdfSha256.All(char.IsAsciiHexDigitLower)) throw new ArgumentException("not a lower-case SHA-256 hex string", nameof(pdfSha256));
        return Path.Combine(_root, pdfSha256);
    }
}
