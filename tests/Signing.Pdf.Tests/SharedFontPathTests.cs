using System.Globalization;
using System.Text;
using QRCoder;
using Signing.Pdf.PdfA;
using Signing.Pdf.Rendering;
using Signing.Testing;

namespace Signing.Pdf.Tests;

/// <summary>
/// The fast path (shared per-process font subsets, file written in one pass) and the general path
/// (PDFsharp subsets and saves) must both give files the outside tools accept.
/// </summary>
public sealed class SharedFontPathTests
{
    [Fact]
    public void Every_sample_text_is_inside_the_shared_repertoire_so_samples_take_the_fast_path()
    {
        foreach (var template in Samples.Templates)
        {
            using var json = System.Text.Json.JsonDocument.Parse(Signing.Core.Decisions.DecisionJson.Serialize(Samples.Render(template).Decision));
            var outside = Strings(json.RootElement).SelectMany(s => s).Where(c => !SharedFontSubsets.Covers(c.ToString())).Distinct().ToList();
            Assert.True(outside.Count == 0, template + ": " + string.Concat(outside));
        }

        Assert.True(SharedFontSubsets.Covers("Ủy ban nhân dân tỉnh Lâm Đồng – “Điều 1.” … ₫ №"));
        Assert.False(SharedFontSubsets.Covers("Müller"));
    }

    [Fact]
    public void A_one_page_result_is_under_150_KB_with_shared_subsets_whose_streams_all_decode()
    {
        var a = Samples.Render("mau-04-xin-loi");
        var b = Samples.Render("giay-phep");
        Assert.Equal(1, a.PageCount);
        Assert.True(a.Pdf.Length < 150 * 1024, $"{a.Pdf.Length} bytes");

        using var judgeA = new PdfJudge(a.Pdf);
        using var judgeB = new PdfJudge(b.Pdf);
        // qpdf decodes every stream (fonts and ICC profile included) when it rewrites the file; a
        // zlib stream without its checksum would be reported here.
        var qdf = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(judgeA.Path)!, "qdf.pdf");
        var rewrite = ExternalTool.Run("qpdf", "--qdf", "--object-streams=disable", judgeA.Path, qdf);
        Assert.True(rewrite.ExitCode == 0, rewrite.All);
        Assert.DoesNotContain("WARNING", rewrite.All, StringComparison.Ordinal);

        // The same face is the same shared subset (same tag) in different results.
        static List<string> Fonts(PdfJudge j) => ExternalTool.RunChecked("pdffonts", j.Path).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(l => l[..36].Trim()).ToList();
        Assert.Contains(Fonts(judgeA).Single(f => f.EndsWith("+Liberation Serif", StringComparison.Ordinal)), Fonts(judgeB));
    }

    [Fact]
    public void Text_outside_the_shared_repertoire_goes_through_pdfsharp_and_still_reads_back_exactly()
    {
        var decision = Samples.Load("mau-04-xin-loi");
        decision = decision with { Applicant = decision.Applicant with { Name = "Bà Øster-Müller Schröder" } };
        Assert.False(SharedFontSubsets.Covers(decision.Applicant.Name));
        var result = ResultRenderer.Render(decision, Samples.Options());
        using var judge = new PdfJudge(result.Pdf);

        Assert.Contains("Kính gửi: Bà Øster-Müller Schröder", judge.Text(), StringComparison.Ordinal);
        foreach (var line in ExternalTool.RunChecked("pdffonts", judge.Path).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2))
        {
            Assert.Matches(@"^[A-Z]{6}\+Liberation Serif\S*\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s", line);
        }

        var check = ExternalTool.Run("qpdf", "--check", judge.Path);
        Assert.True(check.ExitCode == 0, check.All);
        Assert.DoesNotContain("WARNING", check.All, StringComparison.Ordinal);
        Assert.Equal("3", judge.Xmp().Descendants(System.Xml.Linq.XName.Get("part", "http://www.aiim.org/pdfa/ns/id/")).Single().Value);
        Assert.Equal(result.Pdf, ResultRenderer.Render(decision, Samples.Options()).Pdf);
    }

    [Fact]
    public void The_printed_qr_code_has_exactly_the_modules_of_the_verification_url()
    {
        var result = Samples.Render("giay-phep");
        using var judge = new PdfJudge(result.Pdf);
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(result.VerificationUrl.AbsoluteUri, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;

        // Rasterise only the QR area of page 1 at 8 pixels per point and read each module's centre.
        const int Scale = 8;
        var left = PageComposer.MarginLeft;
        var top = 841.89 - PageComposer.MarginBottom - DocumentLayout.QrSize;
        var module = DocumentLayout.QrSize / matrix.Count;
        var x0 = (int)Math.Floor(left * Scale);
        var y0 = (int)Math.Floor(top * Scale);
        var size = (int)Math.Ceiling(DocumentLayout.QrSize * Scale) + 2;
        var prefix = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(judge.Path)!, "qr");
        ExternalTool.RunChecked("pdftoppm", "-gray", "-r", (72 * Scale).ToString(CultureInfo.InvariantCulture), "-f", "1", "-l", "1", "-singlefile",
            "-x", x0.ToString(CultureInfo.InvariantCulture), "-y", y0.ToString(CultureInfo.InvariantCulture),
            "-W", size.ToString(CultureInfo.InvariantCulture), "-H", size.ToString(CultureInfo.InvariantCulture), judge.Path, prefix);
        var (width, pixels) = ReadPgm(File.ReadAllBytes(prefix + ".pgm"));

        var wrong = 0;
        for (var row = 0; row < matrix.Count; row++)
        {
            for (var col = 0; col < matrix.Count; col++)
            {
                var px = (int)((left + (col + 0.5) * module) * Scale) - x0;
                var py = (int)((top + (row + 0.5) * module) * Scale) - y0;
                var dark = pixels[(py * width) + px] < 128;
                if (dark != matrix[row][col]) wrong++;
            }
        }

        Assert.Equal(0, wrong);
    }

    private static IEnumerable<string> Strings(System.Text.Json.JsonElement e) => e.ValueKind switch
    {
        System.Text.Json.JsonValueKind.String => [e.GetString()!],
        System.Text.Json.JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Strings(p.Value)),
        System.Text.Json.JsonValueKind.Array => e.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    /// <summary>A binary PGM (P5, 8-bit) as its width and grey values.</summary>
    private static (int Width, byte[] Pixels) ReadPgm(byte[] file)
    {
        var fields = new List<string>();
        var at = 0;
        while (fields.Count < 4)
        {
            while (char.IsWhiteSpace((char)file[at])) at++;
            var start = at;
            while (!char.IsWhiteSpace((char)file[at])) at++;
            fields.Add(Encoding.ASCII.GetString(file, start, at - start));
        }

        Assert.Equal("P5", fields[0]);
        Assert.Equal("255", fields[3]);
        var width = int.Parse(fields[1], CultureInfo.InvariantCulture);
        return (width, file[(at + 1)..]);
    }
}
