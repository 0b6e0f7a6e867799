using Signing.Core;
using Signing.Core.Decisions;
using Signing.Pdf.Rendering;
using Signing.Testing;

namespace Signing.Seal.Tests;

/// <summary>
/// Reading pictures: the fast corner pass finds the QR where the renderer prints it, however the
/// page is turned by quarter turns; anything that is not a whole PNG or JPEG is refused by name.
/// </summary>
public sealed class QrImageReaderTests(SealTokenFixture fx) : IClassFixture<SealTokenFixture>, IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("qr-reader");

    private (string Png, string QrText) PrintedPage()
    {
        var decision = DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", "giay-phep.json"));
        var rendered = ResultRenderer.Render(decision, new RenderOptions { Seal = fx.Signer });
        var pdf = Path.Combine(_dir, "page.pdf");
        File.WriteAllBytes(pdf, rendered.Pdf);
        ExternalTool.RunChecked("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", pdf, Path.Combine(_dir, "page"));
        return (Path.Combine(_dir, "page.png"), rendered.QrText);
    }

    [Fact]
    public void The_printed_qr_is_read_upright_and_turned_by_quarter_turns_mostly_by_the_corner_pass()
    {
        var (png, qrText) = PrintedPage();
        var cornerHits = 0;
        foreach (var degrees in new[] { 0, 90, 180, 270 })
        {
            var turned = Path.Combine(_dir, $"turned-{degrees}.png");
            ExternalTool.RunChecked("convert", png, "-rotate", degrees.ToString(System.Globalization.CultureInfo.InvariantCulture), turned);
            var (grey, width, height) = QrImageReader.DecodeGrey(File.ReadAllBytes(turned));
            Assert.True(qrText == QrImageReader.ReadGrey(grey, width, height), $"turned {degrees}°: the QR was not read");
            if (QrImageReader.FindWherePrinted(grey, width, height) == qrText) cornerHits++;
        }

        // The corner pass only saves time (a miss falls through to the whole page), and each page's
        // seal is a new ECDSA signature, so the QR's pattern differs per run: ZXing misses a corner now and then.
        Assert.True(cornerHits >= 2, $"the corner pass found the QR in {cornerHits} of 4 turns");
    }

    [Fact]
    public void A_qr_elsewhere_than_a_printed_corner_falls_through_to_the_whole_picture()
    {
        var (_, qrText) = PrintedPage();
        var qr = Path.Combine(_dir, "qr.png");
        Signing.Testing.Seal.SealForgery.WriteQrPng(qrText, qr);
        // The QR in the middle of a page-sized sheet, where no turn of a printed page puts it.
        var middle = Path.Combine(_dir, "middle.png");
        ExternalTool.RunChecked("convert", "-size", "1240x1754", "xc:white", qr, "-gravity", "center", "-composite", middle);
        var (grey, width, height) = QrImageReader.DecodeGrey(File.ReadAllBytes(middle));
        Assert.Null(QrImageReader.FindWherePrinted(grey, width, height));
        Assert.Equal(qrText, QrImageReader.ReadGrey(grey, width, height));
    }

    [Fact]
    public void Other_formats_and_truncated_files_are_refused_by_name()
    {
        var (png, _) = PrintedPage();
        var gif = Path.Combine(_dir, "page.gif");
        ExternalTool.RunChecked("convert", png, gif);
        var e = Assert.Throws<SigningException>(() => QrImageReader.ReadFile(File.ReadAllBytes(gif)));
        Assert.Contains("neither PNG nor JPEG", e.Message, StringComparison.Ordinal);

        var bytes = File.ReadAllBytes(png);
        e = Assert.Throws<SigningException>(() => QrImageReader.ReadFile(bytes[..(bytes.Length / 2)]));
        Assert.Contains("cannot be decoded", e.Message, StringComparison.Ordinal);

        Assert.Throws<SigningException>(() => QrImageReader.ReadFile("not an image"u8.ToArray()));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
