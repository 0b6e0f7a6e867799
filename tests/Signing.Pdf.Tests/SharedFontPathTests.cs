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
    public void Shared_font_programs_have_valid_truetype_checksums_after_their_unused_metrics_are_cleared()
    {
        using var judge = new PdfJudge(Samples.Render("quyet-dinh").Pdf);
        var objects = judge.QpdfObjects();
        var fontFiles = objects.EnumerateObject()
            .Where(o => o.Value.TryGetProperty("stream", out var st) && st.GetProperty("dict").TryGetProperty("/Length1", out _))
            .Select(o => o.Name["obj:".Length..].Split(' ')[0])
            .ToList();
        Assert.NotEmpty(fontFiles);
        // qpdf writes every stream, decoded, to PREFIX-<object number>.
        var prefix = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(judge.Path)!, "stream");
        ExternalTool.RunChecked("qpdf", "--json=2", "--json-stream-data=file", "--json-stream-prefix=" + prefix, "--decode-level=generalized", judge.Path, prefix + ".json");
        foreach (var number in fontFiles)
        {
            var font = File.ReadAllBytes(prefix + "-" + number);
            // OpenType: each table's checksum matches its directory entry, and the whole font sums to 0xB1B0AFBA.
            static uint Sum(byte[] b, int at, int length)
            {
                uint sum = 0;
                for (var i = 0; i < length; i += 4)
                {
                    uint word = 0;
                    for (var k = 0; k < 4; k++) word = (word << 8) | (i + k < length ? b[at + i + k] : 0u);
                    sum += word;
                }

                return sum;
            }

            static uint U32(byte[] b, int at) => ((uint)b[at] << 24) | ((uint)b[at + 1] << 16) | ((uint)b[at + 2] << 8) | b[at + 3];
            Assert.Equal(0xB1B0AFBAu, Sum(font, 0, font.Length));
            for (var i = 0; i < ((font[4] << 8) | font[5]); i++)
            {
                var entry = 12 + (16 * i);
                var tag = Encoding.ASCII.GetString(font, entry, 4);
                var copy = (byte[])font.Clone();
                if (tag == "head") Array.Clear(copy, (int)U32(font, entry + 8) + 8, 4);
                Assert.True(U32(font, entry + 4) == Sum(copy, (int)U32(font, entry + 8), (int)U32(font, entry + 12)), $"object {number}: table {tag} checksum");
            }
        }
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
