using System.Globalization;
using System.Text;
using QRCoder;
using Signing.Core;
using Signing.Core.Decisions;
using Signing.Pdf.Rendering;
using Signing.Testing;

namespace Signing.Seal.Tests;

/// <summary>
/// The QR code of page 1 read from the PDF's own drawing, with no rasteriser: our sealed result, a QR
/// drawn turned by another generator, a scanned copy (one JPEG image), a QR painted over in white, and hostile pages.
/// </summary>
public sealed class PdfPageQrReaderTests(SealTokenFixture fx) : IClassFixture<SealTokenFixture>
{
    private const string Text = "https://tracuu.example.gov.vn/v/ABCD-EFGH-JK0";

    private static byte[] OnePage(string content, string resources = "") => HandWrittenPdf.Minimal(
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1/MediaBox[0 0 595 842]>>",
        $"<</Type/Page/Parent 2 0 R/Contents 4 0 R/Resources<<{resources}>>>>",
        $"<</Length {Encoding.Latin1.GetByteCount(content)}>>\nstream\n{content}\nendstream");

    /// <summary>The QR of <paramref name="text"/> as one rectangle per dark module, 2 points a module, at the origin of user space.</summary>
    private static string QrRectangles(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var sb = new StringBuilder();
        var n = data.ModuleMatrix.Count;
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < n; col++)
            {
                if (data.ModuleMatrix[row][col]) sb.Append(CultureInfo.InvariantCulture, $"{col * 2} {(n - row - 1) * 2} 2 2 re\n");
            }
        }

        return sb.Append("f\n").ToString();
    }

    [Fact]
    public void A_sealed_result_reads_as_the_text_it_was_rendered_with()
    {
        var rendered = ResultRenderer.Render(DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", "giay-phep.json")), new RenderOptions { Seal = fx.Signer });
        Assert.Equal(rendered.QrText, PdfPageQrReader.ReadFirstPage(rendered.Pdf));
    }

    [Fact]
    public void A_qr_drawn_turned_and_coloured_by_another_generator_reads()
    {
        Assert.Equal(Text, PdfPageQrReader.ReadFirstPage(OnePage($"q 0 0.7071 -0.7071 0.7071 300 100 cm 0.1 0.1 0.2 rg\n{QrRectangles(Text)}Q")));
    }

    [Fact]
    public void A_qr_painted_over_in_white_is_not_read()
    {
        Assert.Null(PdfPageQrReader.ReadFirstPage(OnePage($"q 1 0 0 1 40 40 cm 0 g\n{QrRectangles(Text)}1 g -5 -5 200 200 re f Q")));
    }

    [Fact]
    public void A_scanned_copy_reads_from_its_jpeg_image()
    {
        var dir = RepoPaths.NewTempDirectory("pdf-page-qr");
        var qrPdf = Path.Combine(dir, "qr.pdf");
        File.WriteAllBytes(qrPdf, OnePage($"q 1 0 0 1 40 40 cm\n{QrRectangles(Text)}Q"));
        ExternalTool.RunChecked("pdftoppm", "-r", "100", "-gray", "-jpeg", "-singlefile", qrPdf, Path.Combine(dir, "scan"));
        var jpeg = Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(dir, "scan.jpg")));
        var scanned = HandWrittenPdf.Minimal(
            "<</Type/Catalog/Pages 2 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</XObject<</Im0 5 0 R>>>>>>",
            "<</Length 34>>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q    \nendstream",
            $"<</Type/XObject/Subtype/Image/Width 827/Height 1170/ColorSpace/DeviceGray/BitsPerComponent 8/Filter/DCTDecode/Length {jpeg.Length}>>\nstream\n{jpeg}\nendstream");
        Assert.Equal(Text, PdfPageQrReader.ReadFirstPage(scanned));
    }

    [Fact]
    public void Hostile_pages_are_refused_with_one_line_errors_not_hangs()
    {
        var huge = new StringBuilder().Insert(0, "0 0 595 842 re f\n", 500).ToString();
        Assert.Contains("fills more area", Assert.Throws<SigningException>(() => PdfPageQrReader.ReadFirstPage(OnePage(huge))).Message, StringComparison.Ordinal);
        var deep = new StringBuilder().Insert(0, "q ", 300).ToString();
        Assert.Contains("nests graphics states", Assert.Throws<SigningException>(() => PdfPageQrReader.ReadFirstPage(OnePage(deep))).Message, StringComparison.Ordinal);
        Assert.Null(PdfPageQrReader.ReadFirstPage(OnePage("BT /F1 12 Tf (no QR here) Tj ET 1 0 0 1 NaN 0 cm")));
    }
}
