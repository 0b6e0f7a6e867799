using Signing.Testing;

namespace Signing.PdfSyntax.Tests;

/// <summary>The states of a file's revisions share the definitions that read alike in both, and only those.</summary>
public sealed class RevisionStatesTests
{
    // Object 4's data "abc\nendstream" is valid with /Length 3 and with /Length 4: which one a state sees depends on object 5.
    private static readonly string[] WithIndirectLength =
    [
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R>>",
        "<</Length 5 0 R>>\nstream\nabc\nendstream",
        "3",
    ];

    [Fact]
    public void An_object_no_later_revision_touches_is_one_instance_in_every_state()
    {
        var (file, earlier) = TwoRevisions(w => w.SetObject(new PdfReference(2, 0), new PdfDictionary { ["Type"] = new PdfName("Pages"), ["Kids"] = new PdfArray([new PdfReference(3, 0)]), ["Count"] = new PdfNumber(1) }));

        Assert.Same(earlier.GetObject(3), file.GetObject(3));
        Assert.NotSame(earlier.GetObject(2), file.GetObject(2));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_stream_whose_indirect_length_a_later_revision_redefines_reads_per_state(bool latestFirst)
    {
        var (file, earlier) = TwoRevisions(w => w.SetObject(new PdfReference(5, 0), new PdfNumber(4)));

        var (first, second) = latestFirst ? (file, earlier) : (earlier, file);
        var firstLength = ((PdfStream)first.GetObject(4)!).DataLength;
        var secondLength = ((PdfStream)second.GetObject(4)!).DataLength;

        Assert.Equal(latestFirst ? 4 : 3, firstLength);
        Assert.Equal(latestFirst ? 3 : 4, secondLength);
    }

    [Fact]
    public void A_state_covers_only_its_prefix_of_the_shared_bytes()
    {
        var (file, earlier) = TwoRevisions(w => w.SetObject(w.Allocate(), new PdfDictionary { ["Type"] = new PdfName("Annot") }));

        Assert.Same(file.Data, earlier.Data);
        Assert.True(earlier.Length < file.Length);
        Assert.Null(earlier.GetObject(6));
        Assert.NotNull(file.GetObject(6));
    }

    private static (PdfFile File, PdfFile Earlier) TwoRevisions(Action<IncrementalUpdateWriter> change)
    {
        var original = HandWrittenPdf.Minimal(WithIndirectLength);
        var writer = new IncrementalUpdateWriter(PdfFile.Parse(original));
        change(writer);
        var file = PdfFile.Parse(writer.Write().Bytes);
        var earlier = RevisionHistory.Read(file).State(1, out var problem) ?? throw new InvalidOperationException(problem);
        Assert.Equal(original.Length, earlier.Length);
        return (file, earlier);
    }
}
