using Signing.Testing;

namespace Signing.PdfSyntax.Tests;

/// <summary>The reading time limit counts the reader's own work, not time the machine gave to others.</summary>
public sealed class ReadClockTests
{
    private static readonly string[] OnePage =
    [
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
    ];

    [Fact]
    public void Reading_that_waits_past_the_limit_without_working_is_not_refused()
    {
        var file = PdfFile.Parse(HandWrittenPdf.Minimal(OnePage), new PdfReadLimits { MaxParseTime = TimeSpan.FromMilliseconds(100) });

        // What a busy machine does to a reader: wall-clock time passes while it gets no CPU.
        Thread.Sleep(300);

        Assert.NotNull(file.GetObject(3));
        file.CheckTime();
    }

    [Fact]
    public void Reading_that_works_past_the_limit_is_refused()
    {
        var file = PdfFile.Parse(HandWrittenPdf.Minimal(OnePage), new PdfReadLimits { MaxParseTime = TimeSpan.FromMilliseconds(50) });

        var e = Assert.Throws<PdfFormatException>(() => WorkUntilRefused(file));
        Assert.Contains("longer than the limit", e.Message, StringComparison.Ordinal);
    }

    private static void WorkUntilRefused(PdfFile file)
    {
        for (var i = 0; i < 1_000_000; i++)
        {
            file.CheckTime();
            System.Security.Cryptography.SHA256.HashData(new byte[64 * 1024]); // work, as a hostile file makes the reader do
        }
    }
}
