using System.Globalization;
using System.Text;
using Signing.Pades;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using static Signing.Validation.Tests.Modifications.AttackAssertions;

namespace Signing.Validation.Tests.Modifications.Attacks;

/// <summary>
/// ISA (incremental saving attack): content, pages or objects added in an update after our
/// signatures, and cross-reference tricks that make readers see other objects. Expected for
/// every case: Head and AgencySeal TOTAL_FAILED / DISALLOWED_MODIFICATION with the kind named.
/// (The content overlay, replaced root, redefined content stream, broken xref entry, freed
/// field and trailing garbage cases are in <see cref="ModificationAttackTests"/>.)
/// </summary>
public sealed class IncrementalSavingAttackTests
{
    [Fact]
    public void A_page_appended_to_the_page_tree_is_a_page_tree_change_and_a_new_page()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var catalog = file.ResolveDictionary(file.Trailer["Root"])!;
            var pagesRef = (PdfReference)catalog["Pages"]!;
            var pages = file.ResolveDictionary(pagesRef)!.CloneShallow();
            var (resources, content) = SignedResults.TextContent(w, "PHU LUC: BO SUNG");
            var contentRef = w.Allocate();
            w.SetStream(contentRef, new PdfDictionary(), content);
            var page = w.Allocate();
            w.SetObject(page, new PdfDictionary { ["Type"] = new PdfName("Page"), ["Parent"] = pagesRef, ["MediaBox"] = PdfArray.OfNumbers(0, 0, 595, 842), ["Resources"] = resources, ["Contents"] = contentRef });
            pages["Kids"] = new PdfArray([.. ((PdfArray)file.Resolve(pages["Kids"])!).Items, page]);
            pages["Count"] = new PdfNumber(((PdfNumber)file.Resolve(pages["Count"])!).AsLong() + 1);
            w.SetObject(pagesRef, pages);
        });

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.PAGES_CHANGED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.PAGE_ADDED);
    }

    [Fact]
    public void Objects_that_nothing_refers_to_yet_are_still_findings()
    {
        // Unreferenced today, named tomorrow by an update a viewer repairs its way into.
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var js = w.Allocate();
            w.SetObject(js, new PdfDictionary { ["S"] = new PdfName("JavaScript"), ["JS"] = PdfString.FromText("app.alert('x')") });
        });

        AssertSignaturesFailAsModified(attacked, ModificationKind.OBJECT_ADDED);
    }

    [Fact]
    public void An_xref_entry_that_points_a_signed_object_number_at_another_objects_bytes_is_a_change()
    {
        // No new object body at all: only a cross-reference row that renames old bytes.
        var file = PdfFile.Parse(SignedResults.HeadThenSeal);
        var page = file.ResolveDictionary(SignedResults.FirstPage(file))!;
        var content = page["Contents"] as PdfReference ?? (PdfReference)((PdfArray)file.Resolve(page["Contents"])!).Items[0];
        var other = file.ResolveDictionary(SignedResults.FieldNamed(file, "AgencySeal"))!["AP"] is PdfDictionary ap ? (PdfReference)ap["N"]! : throw new InvalidOperationException();
        var attacked = AppendXrefOnly(SignedResults.HeadThenSeal, content.ObjectNumber, file.Xref[other.ObjectNumber].Offset);

        var report = Verify(attacked);
        Assert.Equal(Indication.TOTAL_FAILED, report.Indication);
        Assert.All(report.Signatures, s => Assert.Equal(PdfSignatureVerifier.DisallowedModification, s.SubIndication));
        Assert.Contains(report.Modifications, m => m.ObjectNumber == content.ObjectNumber);
    }

    [Fact]
    public void Redefining_a_signed_object_with_the_same_bytes_is_no_change_but_one_byte_more_is()
    {
        PdfReference page = null!;
        var same = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            page = SignedResults.FirstPage(file);
            w.SetObject(page, file.ResolveDictionary(page)!);
        });
        Assert.Equal(4, AssertPasses(same).Revisions);

        var rotated = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var d = file.ResolveDictionary(SignedResults.FirstPage(file))!.CloneShallow();
            d["Rotate"] = new PdfNumber(180);
            w.SetObject(SignedResults.FirstPage(file), d);
        });
        var report = AssertSignaturesFailAsModified(rotated, ModificationKind.PAGE_CHANGED);
        Assert.Contains(report.Modifications, m => m.Detail.Contains("/Rotate", StringComparison.Ordinal));
    }

    [Fact]
    public void Rewriting_the_info_dictionary_outside_a_long_term_update_is_a_change()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var infoRef = (PdfReference)file.Trailer["Info"]!;
            var info = file.ResolveDictionary(infoRef)!.CloneShallow();
            info["Title"] = PdfString.FromText("Quyết định đã được sửa");
            w.SetObject(infoRef, info);
        });

        AssertSignaturesFailAsModified(attacked, ModificationKind.OBJECT_REDEFINED);
    }

    [Fact]
    public void A_whole_revision_appended_after_the_last_eof_without_a_startxref_is_trailing_data()
    {
        // Readers that repair by scanning find the new objects; the chain never names them.
        var file = PdfFile.Parse(SignedResults.HeadThenSeal);
        var page = SignedResults.FirstPage(file);
        var tail = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{page.ObjectNumber} 0 obj\n<</Type/Page/MediaBox[0 0 10 10]>>\nendobj\n"));
        byte[] attacked = [.. SignedResults.HeadThenSeal, .. tail];

        AssertSignaturesFailAsModified(attacked, ModificationKind.TRAILING_DATA);
    }

    /// <summary>Appends a revision whose classic xref section has one row, <paramref name="objectNumber"/> in use at <paramref name="offset"/>.</summary>
    private static byte[] AppendXrefOnly(byte[] pdf, int objectNumber, long offset)
    {
        var file = PdfFile.Parse(pdf);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"xref\n{objectNumber} 1\n{offset:D10} 00000 n\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"trailer\n<</Size {file.Size}/Root {file.Trailer["Root"]}/Info {file.Trailer["Info"]}/Prev {file.StartXref}>>\nstartxref\n{pdf.Length}\n%%EOF\n");
        return [.. pdf, .. Encoding.ASCII.GetBytes(sb.ToString())];
    }
}
