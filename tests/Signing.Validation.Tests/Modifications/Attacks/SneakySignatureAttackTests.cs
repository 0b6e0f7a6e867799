using System.Text;
using Signing.Pades.Appearance;
using Signing.Pades;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using static Signing.Validation.Tests.Modifications.AttackAssertions;

namespace Signing.Validation.Tests.Modifications.Attacks;

/// <summary>
/// SSA (sneaky signature attack, Mainka et al. 2021): signature fields or widgets added after our
/// signatures that show fake text, or that borrow a real signature, without a signature that
/// itself passes. Expected: Head and AgencySeal TOTAL_FAILED / DISALLOWED_MODIFICATION with the
/// kind named. (An unsigned new signature field, and one signed by an untrusted key, are in
/// <see cref="ModificationAttackTests"/>.)
/// </summary>
public sealed class SneakySignatureAttackTests
{
    private static TestPki Pki => TestPki.Shared;

    private static PdfReference FakeAppearance(IncrementalUpdateWriter w)
    {
        var (resources, content) = SignedResults.TextContent(w, "Da ky: Chu tich UBND", 10, 50, 20);
        var appearance = w.Allocate();
        w.SetStream(appearance, new PdfDictionary { ["Type"] = new PdfName("XObject"), ["Subtype"] = new PdfName("Form"), ["BBox"] = PdfArray.OfNumbers(0, 0, 440, 120), ["Resources"] = resources }, content);
        return appearance;
    }

    [Fact]
    public void A_signature_widget_only_on_the_page_and_in_no_form_is_an_added_annotation()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var pageRef = SignedResults.FirstPage(file);
            var page = file.ResolveDictionary(pageRef)!.CloneShallow();
            var widget = w.Allocate();
            w.SetObject(widget, new PdfDictionary
            {
                ["Type"] = new PdfName("Annot"), ["Subtype"] = new PdfName("Widget"), ["FT"] = new PdfName("Sig"), ["T"] = PdfString.FromText("Ghost"),
                ["F"] = new PdfNumber(4), ["P"] = pageRef, ["Rect"] = PdfArray.OfNumbers(80, 600, 520, 720), ["AP"] = new PdfDictionary { ["N"] = FakeAppearance(w) },
            });
            page["Annots"] = new PdfArray([.. ((PdfArray)file.Resolve(page["Annots"])!).Items, widget]);
            w.SetObject(pageRef, page);
        });

        AssertSignaturesFailAsModified(attacked, ModificationKind.ANNOTATION_ADDED);
    }

    [Fact]
    public void A_second_widget_given_to_the_signed_seal_field_is_a_form_change()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var sealRef = SignedResults.FieldNamed(file, "AgencySeal");
            var seal = file.ResolveDictionary(sealRef)!.CloneShallow();
            var pageRef = SignedResults.FirstPage(file);
            var kid = w.Allocate();
            w.SetObject(kid, new PdfDictionary
            {
                ["Type"] = new PdfName("Annot"), ["Subtype"] = new PdfName("Widget"), ["Parent"] = sealRef, ["F"] = new PdfNumber(4), ["P"] = pageRef,
                ["Rect"] = PdfArray.OfNumbers(80, 600, 520, 720), ["AP"] = new PdfDictionary { ["N"] = FakeAppearance(w) },
            });
            seal["Kids"] = new PdfArray([kid]);
            w.SetObject(sealRef, seal);
            var page = file.ResolveDictionary(pageRef)!.CloneShallow();
            page["Annots"] = new PdfArray([.. ((PdfArray)file.Resolve(page["Annots"])!).Items, kid]);
            w.SetObject(pageRef, page);
        });

        AssertSignaturesFailAsModified(attacked, ModificationKind.FORM_CHANGED);
    }

    [Fact]
    public void A_new_field_that_borrows_the_heads_signature_is_a_shared_signature()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var head = file.ResolveDictionary(SignedResults.FieldNamed(file, "Head"))!;
            var pageRef = SignedResults.FirstPage(file);
            var widget = w.Allocate();
            w.SetObject(widget, new PdfDictionary
            {
                ["Type"] = new PdfName("Annot"), ["Subtype"] = new PdfName("Widget"), ["FT"] = new PdfName("Sig"), ["T"] = PdfString.FromText("Borrowed"),
                ["V"] = head["V"]!, ["F"] = new PdfNumber(4), ["P"] = pageRef, ["Rect"] = PdfArray.OfNumbers(80, 600, 520, 720), ["AP"] = new PdfDictionary { ["N"] = FakeAppearance(w) },
            });
            var page = file.ResolveDictionary(pageRef)!.CloneShallow();
            page["Annots"] = new PdfArray([.. ((PdfArray)file.Resolve(page["Annots"])!).Items, widget]);
            w.SetObject(pageRef, page);
            var formRef = (PdfReference)file.ResolveDictionary(file.Trailer["Root"])!["AcroForm"]!;
            var form = file.ResolveDictionary(formRef)!.CloneShallow();
            form["Fields"] = new PdfArray([.. ((PdfArray)file.Resolve(form["Fields"])!).Items, widget]);
            w.SetObject(formRef, form);
        });

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.SIGNATURE_SHARED_BY_FIELDS, "Head");
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.ANNOTATION_ADDED);
    }

    [Fact]
    public void A_trusted_later_signature_whose_widget_carries_actions_is_not_an_allowed_signature()
    {
        var prepared = PadesSigner.Prepare(SignedResults.HeadThenSeal, Pki.RequestFor(Pki.Seal) with
        {
            FieldName = "Third",
            Placement = new SignaturePlacement(80, 600, 440, 120),
            Appearance = SignatureAppearance.TextOnly("Đã duyệt"),
        });
        var range = Encoding.Latin1.GetString(prepared.PreparedPdf, SignedResults.ByteRangeText(prepared).At, SignedResults.ByteRangeText(prepared).Width);
        AssertPasses(SignedResults.SignOver(prepared, Pki.Seal, range, prepared.ByteRange));

        // The same widget with an /AA (additional actions) entry, signed honestly: not a plain signature widget any more.
        var widgetAt = Encoding.Latin1.GetString(prepared.PreparedPdf).IndexOf("<</Type /Annot/Subtype /Widget/FT /Sig", SignedResults.HeadThenSeal.Length, StringComparison.Ordinal);
        Assert.True(widgetAt > 0);
        Encoding.ASCII.GetBytes("<</AA <<>>    ").CopyTo(prepared.PreparedPdf, widgetAt);
        var report = AssertSignaturesFailAsModified(SignedResults.SignOver(prepared, Pki.Seal, range, prepared.ByteRange), ModificationKind.ANNOTATION_ADDED);
        Assert.Equal(Indication.TOTAL_PASSED, report.Signatures.Single(s => s.FieldName == "Third").Indication);
    }

    [Fact]
    public async Task A_document_timestamp_with_a_visible_appearance_is_an_added_annotation()
    {
        // A document timestamp says nothing a reader should see; one drawn on the page is a sneaky signature.
        var tsa = new OpenSslTimestampClient(Pki);
        var attacked = await LongTermUpdates.AppendDocumentTimestampAsync(SignedResults.HeadThenSeal, tsa, rect: [80, 600, 520, 720], alsoEdit: (file, w) => { });
        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.ANNOTATION_ADDED);
        Assert.Equal(Indication.TOTAL_PASSED, report.Signatures.Single(s => s.FieldName == "DocTimeStamp").Indication);
    }
}
