using System.Text;

namespace Signing.PdfSyntax.Tests;

/// <summary>Content streams read as operations: operands of every kind, inline images skipped, and the limits.</summary>
public sealed class PdfContentStreamTests
{
    private static readonly PdfFile AnyFile = PdfFile.Parse(Signing.Testing.HandWrittenPdf.Minimal("<</Type/Catalog>>"));

    private static List<PdfContentOperation> Read(string content) => [.. PdfContentStream.Operations(Encoding.Latin1.GetBytes(content), AnyFile)];

    [Fact]
    public void Operators_follow_their_operands_of_every_kind()
    {
        var ops = Read("q 1 0 0 1 10 20 cm\n/F1 12 Tf [(a) -5 (b)] TJ (it's) ' true /Tag <</K 1>> BDC 10 20 30 40 re f* Q % comment\n");
        Assert.Equal(["q", "cm", "Tf", "TJ", "'", "BDC", "re", "f*", "Q"], ops.Select(o => o.Operator));
        Assert.Equal(6, ops[1].Operands.Count);
        Assert.IsType<PdfBoolean>(ops[5].Operands[0]);
        Assert.Equal("40", ops[6].Operands[3].ToString());
    }

    [Fact]
    public void An_inline_image_is_skipped_whole_even_when_its_data_looks_like_operators()
    {
        var ops = Read("BI /W 2 /H 2 /BPC 8 /CS /G ID \u00ffEI re f\u0000 q\nEI 0 g 1 2 3 4 re f");
        Assert.Equal(["g", "re", "f"], ops.Select(o => o.Operator));
    }

    [Fact]
    public void Too_many_operands_or_operations_are_a_format_error()
    {
        Assert.Throws<PdfFormatException>(() => Read(string.Concat(Enumerable.Repeat("1 ", 65)) + "re"));
        Assert.Throws<PdfFormatException>(() => Read(new StringBuilder().Insert(0, "n ", PdfContentStream.MaxOperations + 1).ToString()));
        Assert.Throws<PdfFormatException>(() => Read("BI /W 1 ID xx"));
    }
}
