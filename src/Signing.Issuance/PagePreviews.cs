using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Signing.Core;
using Signing.PdfSyntax;

namespace Signing.Issuance;

/// <summary>
/// PNG previews of a document's PDF, rendered from our own file on first view (never on the issuance
/// path) with <c>pdftoppm -r 60</c> and encoded here (<see cref="PpmToPng"/>); uploads are never rasterised. Stored under
/// &lt;data&gt;/previews/&lt;pdf sha256&gt;/page-N.png; the folder appears complete or not at all
/// (rendered into a temp folder, then renamed).
/// </summary>
public sealed class PagePreviews(string dataDirectory, string pdftoppm = "pdftoppm")
{
    private readonly string _root = Path.Combine(dataDirectory, "previews");

    // A page list asks for every page at once: the first view of a file rasterises it once, not once per page.
    private readonly ConcurrentDictionary<string, Lazy<Task<int>>> _rendering = new(StringComparer.Ordinal);

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

    /// <summary>
    /// The PNG of page <paramref name="page"/> (1-based) of the PDF whose SHA-256 is
    /// <paramref name="pdfSha256"/>, rendered from <paramref name="pdf"/> on first request; null when
    /// the PDF has no such page.
    /// </summary>
    public async Task<string?> PageAsync(string pdfSha256, int page, Func<CancellationToken, Task<byte[]>> pdf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        if (!Exists(pdfSha256))
        {
            // Shared by every request waiting for this file, so no one request's cancellation stops it.
            var render = _rendering.GetOrAdd(pdfSha256, sha => new Lazy<Task<int>>(() => RenderSharedAsync(sha, pdf)));
            await render.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return PagePath(pdfSha256, page);
    }

    private async Task<int> RenderSharedAsync(string pdfSha256, Func<CancellationToken, Task<byte[]>> pdf)
    {
        try
        {
            return await RenderAsync(await pdf(CancellationToken.None).ConfigureAwait(false), pdfSha256, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _rendering.TryRemove(pdfSha256, out _);
        }
    }

    /// <summary>
    /// Gives <paramref name="toSha256"/>, a later version of <paramref name="fromSha256"/> that only
    /// appended invisible revisions (/DSS, a document timestamp in a zero-size field), the same
    /// images, copied. Nothing when the old set was never rendered: the first view renders the new one.
    /// </summary>
    public void Reuse(string fromSha256, string toSha256)
    {
        var target = FolderOf(toSha256);
        if (Directory.Exists(target)) return;
        var source = FolderOf(fromSha256);
        if (!Directory.Exists(source)) return;
        Directory.CreateDirectory(_root);
        var work = Path.Combine(_root, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            foreach (var file in Directory.GetFiles(source, "page-*.png")) File.Copy(file, Path.Combine(work, Path.GetFileName(file)));
            try
            {
                Directory.Move(work, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another instance copied the same set first.
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
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
            var count = await RasteriseAsync(WithoutSrgbOutputIntent(pdf), work, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// The bytes pdftoppm reads: colour management from an sRGB OutputIntent to pdftoppm's sRGB
    /// display changes no pixel, yet poppler builds that transform from the profile's 1024-point
    /// curves on every run, about two thirds of rasterising a one-page result. So when every
    /// OutputIntent is sRGB, an appended revision gives the catalog without /OutputIntents; the
    /// stored file is untouched and the pixels are the same (PagePreviewsTests compares them).
    /// </summary>
    internal static byte[] WithoutSrgbOutputIntent(byte[] pdf)
    {
        PdfFile file;
        try
        {
            file = PdfFile.Parse(pdf);
        }
        catch (SigningException)
        {
            return pdf; // pdftoppm says what is wrong with it
        }
        if (file.Trailer["Root"] is not PdfReference root || file.ResolveDictionary(root) is not { } catalog) return pdf;
        if (file.Resolve(catalog["OutputIntents"]) is not PdfArray intents) return pdf;
        var allSrgb = intents.Items.All(i => file.ResolveDictionary(i)?["OutputConditionIdentifier"] is PdfString id
            && Encoding.ASCII.GetString(id.Bytes) == "sRGB IEC61966-2.1");
        if (!allSrgb) return pdf;
        var plain = catalog.CloneShallow();
        plain["OutputIntents"] = null;
        var update = new IncrementalUpdateWriter(file);
        update.SetObject(root, plain);
        return update.Write().Bytes;
    }

    // pdftoppm reads the PDF on stdin and writes one PPM per page to stdout; no temp input file.
    private async Task<int> RasteriseAsync(byte[] pdf, string folder, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(pdftoppm)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in new[] { "-r", "60", "-" }) psi.ArgumentList.Add(a);
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
            var input = Task.Run(async () =>
            {
                try
                {
                    await using var stdin = process.StandardInput.BaseStream;
                    await stdin.WriteAsync(pdf, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // pdftoppm stopped reading (it failed); its exit code and stderr say why.
                }
            }, cancellationToken);
            var count = 0;
            try
            {
                await using var stdout = new BufferedStream(process.StandardOutput.BaseStream, 1 << 16);
                while (await PpmToPng.ReadAsync(stdout, cancellationToken).ConfigureAwait(false) is { } page)
                {
                    count++;
                    await File.WriteAllBytesAsync(Path.Combine(folder, $"page-{count.ToString(CultureInfo.InvariantCulture)}.png"),
                        PpmToPng.Encode(page.Width, page.Height, page.Rgb), cancellationToken).ConfigureAwait(false);
                }
                await input.ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch when (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            if (process.ExitCode != 0) throw new SigningException($"pdftoppm failed: {(await stderr.ConfigureAwait(false)).ReplaceLineEndings(" ").Trim()}");
            return count;
        }
    }

    private string FolderOf(string pdfSha256)
    {
        if (pdfSha256.Length != 64 || !pdfSha256.All(char.IsAsciiHexDigitLower)) throw new ArgumentException("not a lower-case SHA-256 hex string", nameof(pdfSha256));
        return Path.Combine(_root, pdfSha256);
    }
}
