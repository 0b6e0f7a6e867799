using Signing.Pades;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using Signing.Testing;

namespace Signing.Testing.Pades;

/// <summary>Input PDFs made by third-party writers: PDFsharp (classic xref table) and qpdf (xref + object streams).</summary>
public static class TestPdfs
{
    private static readonly Lazy<byte[]> ClassicLazy = new(MakeClassic);
    private static readonly Lazy<byte[]> XrefStreamLazy = new(MakeXrefStream);

    /// <summary>A two-page A4 PDF written by PDFsharp (classic cross-reference table).</summary>
    public static byte[] Classic => ClassicLazy.Value;

    /// <summary>The same document rewritten by qpdf with object streams, so its cross-reference is a stream.</summary>
    public static byte[] XrefStream => XrefStreamLazy.Value;

    private static byte[] MakeClassic()
    {
        using var doc = new PdfDocument();
        for (var p = 0; p < 2; p++)
        {
            var page = doc.AddPage();
            page.Width = XUnit.FromMillimeter(210);
            page.Height = XUnit.FromMillimeter(297);
            using var gfx = XGraphics.FromPdfPage(page);
            gfx.DrawRectangle(XPens.Black, XBrushes.LightGray, 85, 70, 425, 120);
            gfx.DrawLine(XPens.DarkBlue, 85, 300, 510, 300);
        }

        using var ms = new MemoryStream();
        doc.Save(ms, false);
        return ms.ToArray();
    }

    private static byte[] MakeXrefStream()
    {
        var dir = RepoPaths.NewTempDirectory("pades-input");
        var input = Path.Combine(dir, "in.pdf");
        var output = Path.Combine(dir, "xref-stream.pdf");
        File.WriteAllBytes(input, Classic);
        ExternalTool.RunChecked("qpdf", "--object-streams=generate", input, output);
        var bytes = File.ReadAllBytes(output);
        Directory.Delete(dir, true);
        return bytes;
    }
}
