using System.Text;

namespace Signing.PdfSyntax.Tests;

/// <summary>The object parser: references against plain numbers, and numbers kept as their source text.</summary>
public sealed class PdfObjectParserTests
{
    [Fact]
    public void Integers_become_references_only_when_a_generation_and_an_R_token_follow()
    {
        Assert.Equal("[1 0 R 2 3 0 R 007 4 6 0 R 7 +8 9.5 10 11]", Parse("[1 0 R 2 3 0 R 007 4 6 0 %c\n R 7 +8 9.5 10 11]"));
        Assert.Equal("[5 0 /R]", Parse("[5 0/R]"));
        Assert.StartsWith("error: ", Parse("[5 0 Rx]"), StringComparison.Ordinal);
    }

    [Fact]
    public void Names_with_and_without_escapes_read_as_their_characters()
    {
        Assert.Equal(Parse("<</Type /Font /A#20B /C>>"), Parse("<</Type/Font/A#20B/C>>"));
        Assert.Equal("A B", ((PdfName)((PdfDictionary)new PdfObjectParser("<</K/A#20B>>"u8.ToArray()).ReadObject())["K"]!).Value);
    }

    private static string Parse(string source)
    {
        try
        {
            return new PdfObjectParser(Encoding.Latin1.GetBytes(source)).ReadObject().ToString();
        }
        catch (PdfFormatException e)
        {
            return "error: " + e.Message;
        }
    }
}
