using System.Text;
using Signing.Testing;

namespace Signing.PdfSyntax.Tests;

/// <summary>The incremental writer, the revisions it makes, and the reader's limits; qpdf judges the structure.</summary>
public sealed class RevisionsTests : IDisposable
{
    private static readonly string[] OnePage =
    [
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("pdfsyntax-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_incremental_update_keeps_the_original_as_prefix_and_adds_one_revision_qpdf_accepts()
    {
        var original = HandWrittenPdf.Minimal(OnePage);
        var writer = new IncrementalUpdateWriter(PdfFile.Parse(original));
        var added = writer.Allocate();
        writer.SetObject(added, new PdfDictionary { ["Type"] = new PdfName("Annot") });
        writer.SetObject(new PdfReference(3, 0), new PdfDictionary { ["Type"] = new PdfName("Page"), ["Parent"] = new PdfReference(2, 0), ["Annots"] = new PdfArray([added]) });
        var updated = writer.Write().Bytes;

        Assert.True(updated.AsSpan(0, original.Length).SequenceEqual(original));
        var file = PdfFile.Parse(updated);
        var history = RevisionHistory.Read(file);
        Assert.Equal(2, history.Count);
        Assert.Empty(history.Anomalies);
        Assert.Equal(1, history.RevisionEndingAt(original.Length));
        Assert.NotNull(file.ResolveDictionary(file.GetObject(3))?["Annots"]);
        Assert.Null(history.State(1, out _)!.ResolveDictionary(history.State(1, out _)!.GetObject(3))?["Annots"]);

        var path = Path.Combine(_dir, "updated.pdf");
        File.WriteAllBytes(path, updated);
        var qpdf = ExternalTool.Run("qpdf", "--check", path);
        Assert.True(qpdf.ExitCode == 0, qpdf.All);
    }

    [Fact]
    public void Bytes_after_the_last_eof_are_an_anomaly_of_the_revision_structure()
    {
        var original = HandWrittenPdf.Minimal(OnePage);
        var appended = original.Concat(Encoding.ASCII.GetBytes("3 0 obj <</Type/Page>> endobj\n")).ToArray();

        var history = RevisionHistory.Read(PdfFile.Parse(appended));

        var anomaly = Assert.Single(history.Anomalies);
        Assert.Equal(RevisionAnomalyKind.TrailingData, anomaly.Kind);
        Assert.Equal(2, anomaly.Revision);
    }

    [Fact]
    public void The_reader_refuses_what_exceeds_its_limits_with_a_format_error()
    {
        var pdf = HandWrittenPdf.Minimal(OnePage);

        Assert.Throws<PdfFormatException>(() => PdfFile.Parse(pdf, new PdfReadLimits { MaxFileBytes = 100 }));
        Assert.Throws<PdfFormatException>(() => PdfFile.Parse(pdf, new PdfReadLimits { MaxObjects = 2 }));
        Assert.Throws<PdfFormatException>(() => PdfFile.Parse("%PDF-1.7\nnot a pdf"u8.ToArray()));
    }

    [Fact]
    public void A_length_that_refers_to_itself_through_another_object_is_a_format_error_not_a_crash()
    {
        var pdf = HandWrittenPdf.Minimal([.. OnePage, "<</Length 5 0 R>>\nstream\nabc\nendstream", "6 0 R", "5 0 R"]);
        var file = PdfFile.Parse(pdf);

        var e = Assert.Throws<PdfFormatException>(() => file.GetObject(4));
        Assert.Contains("reference chain", e.Message, StringComparison.Ordinal);
    }
}
