using Signing.Validation.Modifications;
using Signing.Pades;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using static Signing.Validation.Tests.Modifications.AttackAssertions;

namespace Signing.Validation.Tests.Modifications.Attacks;

/// <summary>
/// EAA (evil annotation attack, Mainka et al. 2021): an annotation of any type a viewer draws,
/// added after our signatures, shows text or covers the body. Our results are certified with
/// P=2, which does not permit annotations. Expected for every subtype: Head and AgencySeal
/// TOTAL_FAILED / DISALLOWED_MODIFICATION with ANNOTATION_ADDED (and PAGE_CHANGED for /Annots).
/// </summary>
public sealed class EvilAnnotationAttackTests
{
    public static TheoryData<string> Subtypes =>
    [
        "FreeText", "Square", "Circle", "Stamp", "Ink", "Widget", "Link", "Popup", "Text", "Line", "Polygon", "PolyLine",
        "Highlight", "Underline", "StrikeOut", "Squiggly", "Caret", "FileAttachment", "Redact", "Sound", "Movie", "Screen", "Watermark", "3D", "RichMedia",
    ];

    /// <summary>Adds one annotation of <paramref name="subtype"/> with an appearance stream that paints over the body.</summary>
    public static byte[] WithAnnotation(byte[] pdf, string subtype) => SignedResults.Append(pdf, (file, w) =>
    {
        var pageRef = SignedResults.FirstPage(file);
        var page = file.ResolveDictionary(pageRef)!.CloneShallow();
        var (resources, content) = SignedResults.TextContent(w, "SO TIEN: 900.000.000 VND", 10, 50, 20);
        var appearance = w.Allocate();
        w.SetStream(appearance, new PdfDictionary { ["Type"] = new PdfName("XObject"), ["Subtype"] = new PdfName("Form"), ["BBox"] = PdfArray.OfNumbers(0, 0, 440, 120), ["Resources"] = resources }, content);
        var annot = w.Allocate();
        var dict = new PdfDictionary
        {
            ["Type"] = new PdfName("Annot"),
            ["Subtype"] = new PdfName(subtype),
            ["Rect"] = PdfArray.OfNumbers(80, 600, 520, 720),
            ["F"] = new PdfNumber(4),
            ["P"] = pageRef,
            ["Contents"] = PdfString.FromText("ĐÃ HỦY"),
            ["AP"] = new PdfDictionary { ["N"] = appearance },
        };
        switch (subtype)
        {
            case "Ink": dict["InkList"] = new PdfArray([PdfArray.OfNumbers(80, 600, 520, 720)]); break;
            case "Line": dict["L"] = PdfArray.OfNumbers(80, 600, 520, 720); break;
            case "Polygon" or "PolyLine": dict["Vertices"] = PdfArray.OfNumbers(80, 600, 520, 600, 520, 720); break;
            case "Highlight" or "Underline" or "StrikeOut" or "Squiggly" or "Redact": dict["QuadPoints"] = PdfArray.OfNumbers(80, 720, 520, 720, 80, 600, 520, 600); break;
            case "Link": dict["A"] = new PdfDictionary { ["S"] = new PdfName("URI"), ["URI"] = PdfString.FromText("https://example.invalid/") }; break;
            case "FileAttachment": dict["FS"] = new PdfDictionary { ["Type"] = new PdfName("Filespec"), ["F"] = PdfString.FromText("x.exe") }; break;
            case "Widget": dict["FT"] = new PdfName("Tx"); dict["T"] = PdfString.FromText("Note"); break;
        }

        w.SetObject(annot, dict);
        var annots = file.Resolve(page["Annots"]) is PdfArray a ? new PdfArray(a.Items) : new PdfArray();
        annots.Items.Add(annot);
        page["Annots"] = annots;
        w.SetObject(pageRef, page);
    });

    [Theory]
    [MemberData(nameof(Subtypes))]
    public void An_annotation_drawn_over_our_result_fails_both_signatures(string subtype)
    {
        var report = AssertSignaturesFailAsModified(WithAnnotation(SignedResults.HeadThenSeal, subtype), ModificationKind.ANNOTATION_ADDED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.PAGE_CHANGED);
    }

    [Fact]
    public void An_existing_annotation_whose_appearance_is_replaced_fails_both_signatures()
    {
        // The seal's widget is an annotation of the signed revision: a new /AP is a new look.
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var sealRef = SignedResults.FieldNamed(file, "AgencySeal");
            var seal = file.ResolveDictionary(sealRef)!.CloneShallow();
            var (resources, content) = SignedResults.TextContent(w, "KHONG HOP LE", 10, 40, 24);
            var appearance = w.Allocate();
            w.SetStream(appearance, new PdfDictionary { ["Type"] = new PdfName("XObject"), ["Subtype"] = new PdfName("Form"), ["BBox"] = PdfArray.OfNumbers(0, 0, 230, 110), ["Resources"] = resources }, content);
            seal["AP"] = new PdfDictionary { ["N"] = appearance };
            w.SetObject(sealRef, seal);
        });

        AssertSignaturesFailAsModified(attacked, ModificationKind.FORM_CHANGED);
    }

    [Fact]
    public async Task Under_a_p3_certification_a_comment_is_allowed_but_a_content_change_is_not()
    {
        var pki = TestPki.Shared;
        var certified = await PadesSigner.SignAsync(TestPdfs.Classic, pki.RequestFor(pki.Head) with { FieldName = "Head", CertifyIfFirst = DocMdpPermission.FormFillingSigningAndAnnotations }, pki.Head.Key, null);

        var commented = WithAnnotation(certified, "Text");
        var report = AssertPasses(commented);
        Assert.Contains(report.Signatures.Single().LaterChanges.Details, d => d.Contains("annotation", StringComparison.Ordinal));

        // P=3 covers annotations, not a widget that pretends to be a form field, nor the page content.
        AssertSignaturesFailAsModified(WithAnnotation(certified, "Widget"), ModificationKind.ANNOTATION_ADDED, "Head");
        var overlaid = SignedResults.Append(commented, (file, w) =>
        {
            var page = file.ResolveDictionary(SignedResults.FirstPage(file))!;
            var content = page["Contents"] as PdfReference ?? (PdfReference)((PdfArray)file.Resolve(page["Contents"])!).Items[0];
            w.SetStream(content, new PdfDictionary(), "0 0 1 rg 85 70 425 120 re f"u8);
        });
        AssertSignaturesFailAsModified(overlaid, ModificationKind.STREAM_CHANGED, "Head");
    }
}
