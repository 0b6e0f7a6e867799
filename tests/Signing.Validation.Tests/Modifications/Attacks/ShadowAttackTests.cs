using System.Text;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using static Signing.Validation.Tests.Modifications.AttackAssertions;

namespace Signing.Validation.Tests.Modifications.Attacks;

/// <summary>
/// Shadow attacks (Mainka et al. 2021): the document is prepared before signing with content that
/// is not shown (an optional-content layer that is off, an unused form XObject, an unused content
/// stream, a font), signed as it is, and afterwards an update hides, replaces, or hides and
/// replaces what the signers saw. Expected: the shadow document as signed passes; every reveal
/// is a change no rule allows, so Head and AgencySeal are TOTAL_FAILED / DISALLOWED_MODIFICATION
/// with the kind named.
/// </summary>
public sealed class ShadowAttackTests
{
    private static readonly Lazy<Shadow> Prepared = new(MakeShadow);

    private sealed record Shadow(byte[] Signed, PdfReference Ocg, PdfReference Font, PdfReference Form, PdfReference HiddenForm, PdfReference HiddenContent);

    private static Shadow MakeShadow()
    {
        PdfReference ocg = null!, font = null!, form = null!, hiddenForm = null!, hiddenContent = null!;
        var shadow = SignedResults.Append(TestPdfs.Classic, (file, w) =>
        {
            var pageRef = SignedResults.FirstPage(file);
            var page = file.ResolveDictionary(pageRef)!.CloneShallow();
            font = w.Allocate();
            w.SetObject(font, new PdfDictionary { ["Type"] = new PdfName("Font"), ["Subtype"] = new PdfName("Type1"), ["BaseFont"] = new PdfName("Helvetica") });
            ocg = w.Allocate();
            w.SetObject(ocg, new PdfDictionary { ["Type"] = new PdfName("OCG"), ["Name"] = PdfString.FromText("Overlay") });
            var fontResources = new PdfDictionary { ["Font"] = new PdfDictionary { ["FS"] = font } };
            form = Stream(w, Form(fontResources), "BT /FS 12 Tf 90 500 Td (Dieu 1: so tien 9.000.000 VND) Tj ET");
            hiddenForm = Stream(w, Form(fontResources), "BT /FS 12 Tf 90 500 Td (Dieu 1: so tien 900.000.000 VND) Tj ET");
            hiddenContent = Stream(w, new PdfDictionary(), "BT /FS 28 Tf 90 640 Td (QUYET DINH BI HUY BO) Tj ET");
            var overlay = Stream(w, new PdfDictionary(), "/OC /L BDC q 1 1 1 rg 80 600 440 120 re f 1 0 0 rg BT /FS 28 Tf 90 640 Td (DA HUY) Tj ET Q EMC");
            var drawForm = Stream(w, new PdfDictionary(), "q /Fm0 Do Q");

            var contents = file.Resolve(page["Contents"]) is PdfArray a ? new PdfArray(a.Items) : new PdfArray([page["Contents"]!]);
            contents.Items.Add(overlay);
            contents.Items.Add(drawForm);
            page["Contents"] = contents;
            var resources = file.ResolveDictionary(page["Resources"])?.CloneShallow() ?? new PdfDictionary();
            resources["Font"] = new PdfDictionary { ["FS"] = font };
            resources["XObject"] = new PdfDictionary { ["Fm0"] = form };
            resources["Properties"] = new PdfDictionary { ["L"] = ocg };
            page["Resources"] = resources;
            w.SetObject(pageRef, page);

            var rootRef = (PdfReference)file.Trailer["Root"]!;
            var catalog = file.ResolveDictionary(rootRef)!.CloneShallow();
            catalog["OCProperties"] = OcProperties(ocg, off: true);
            w.SetObject(rootRef, catalog);
        });

        return new Shadow(SignedResults.MakeHeadThenSeal(shadow).Sealed, ocg, font, form, hiddenForm, hiddenContent);
    }

    private static PdfDictionary OcProperties(PdfReference ocg, bool off) => new()
    {
        ["OCGs"] = new PdfArray([ocg]),
        ["D"] = new PdfDictionary { ["Order"] = new PdfArray([ocg]), ["OFF"] = off ? new PdfArray([ocg]) : new PdfArray() },
    };

    private static PdfDictionary Form(PdfDictionary resources) => new()
    {
        ["Type"] = new PdfName("XObject"),
        ["Subtype"] = new PdfName("Form"),
        ["BBox"] = PdfArray.OfNumbers(0, 0, 595, 842),
        ["Resources"] = resources,
    };

    private static PdfReference Stream(IncrementalUpdateWriter w, PdfDictionary dictionary, string content)
    {
        var r = w.Allocate();
        w.SetStream(r, dictionary, Encoding.ASCII.GetBytes(content));
        return r;
    }

    private static byte[] EditPage(Action<PdfDictionary, PdfFile> edit) => SignedResults.Append(Prepared.Value.Signed, (file, w) =>
    {
        var pageRef = SignedResults.FirstPage(file);
        var page = file.ResolveDictionary(pageRef)!.CloneShallow();
        edit(page, file);
        w.SetObject(pageRef, page);
    });

    [Fact]
    public void The_shadow_document_as_it_was_signed_passes()
    {
        AssertPasses(Prepared.Value.Signed);
    }

    [Fact]
    public void Hide_by_switching_on_an_optional_content_layer_is_a_catalog_change()
    {
        var attacked = SignedResults.Append(Prepared.Value.Signed, (file, w) =>
        {
            var rootRef = (PdfReference)file.Trailer["Root"]!;
            var catalog = file.ResolveDictionary(rootRef)!.CloneShallow();
            catalog["OCProperties"] = OcProperties(Prepared.Value.Ocg, off: false);
            w.SetObject(rootRef, catalog);
        });

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.CATALOG_CHANGED);
        Assert.Contains(report.Modifications, m => m.Detail.Contains("/OCProperties", StringComparison.Ordinal));
    }

    [Fact]
    public void Hide_by_redefining_the_layer_itself_is_an_object_change()
    {
        // /Intent /Design: some viewers then always draw it.
        var attacked = SignedResults.Append(Prepared.Value.Signed, (file, w) =>
            w.SetObject(Prepared.Value.Ocg, new PdfDictionary { ["Type"] = new PdfName("OCG"), ["Name"] = PdfString.FromText("Overlay"), ["Intent"] = new PdfName("Design") }));

        AssertSignaturesFailAsModified(attacked, ModificationKind.OBJECT_REDEFINED, "Head", "AgencySeal");
    }

    [Fact]
    public void Replace_by_redefining_the_form_xobject_is_a_stream_change()
    {
        var attacked = SignedResults.Append(Prepared.Value.Signed, (file, w) =>
            w.SetStream(Prepared.Value.Form, Form(new PdfDictionary { ["Font"] = new PdfDictionary { ["FS"] = Prepared.Value.Font } }), "BT /FS 12 Tf 90 500 Td (Dieu 1: so tien 900.000.000 VND) Tj ET"u8));

        AssertSignaturesFailAsModified(attacked, ModificationKind.STREAM_CHANGED);
    }

    [Fact]
    public void Replace_by_pointing_the_xobject_resource_at_the_hidden_form_is_a_page_change()
    {
        var attacked = EditPage((page, file) =>
        {
            var resources = file.ResolveDictionary(page["Resources"])!.CloneShallow();
            resources["XObject"] = new PdfDictionary { ["Fm0"] = Prepared.Value.HiddenForm };
            page["Resources"] = resources;
        });

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.PAGE_CHANGED);
        Assert.Contains(report.Modifications, m => m.Detail.Contains("/Resources", StringComparison.Ordinal));
    }

    [Fact]
    public void Replace_by_redefining_the_font_is_an_object_change()
    {
        // Same text bytes, other glyphs: an /Encoding whose /Differences draw other letters.
        var attacked = SignedResults.Append(Prepared.Value.Signed, (file, w) => w.SetObject(Prepared.Value.Font, new PdfDictionary
        {
            ["Type"] = new PdfName("Font"),
            ["Subtype"] = new PdfName("Type1"),
            ["BaseFont"] = new PdfName("Helvetica"),
            ["Encoding"] = new PdfDictionary { ["Type"] = new PdfName("Encoding"), ["Differences"] = new PdfArray([new PdfNumber(57), new PdfName("zero")]) },
        }));

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.OBJECT_REDEFINED);
        Assert.Contains(report.Modifications, m => m.ObjectNumber == Prepared.Value.Font.ObjectNumber);
    }

    [Fact]
    public void Hide_and_replace_by_pointing_the_page_at_the_hidden_content_is_a_page_change()
    {
        var attacked = EditPage((page, _) => page["Contents"] = new PdfArray([Prepared.Value.HiddenContent]));

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.PAGE_CHANGED);
        Assert.Contains(report.Modifications, m => m.Detail.Contains("/Contents", StringComparison.Ordinal));
    }

    [Fact]
    public void Hide_and_replace_by_a_new_page_tree_of_hidden_objects_is_a_catalog_change()
    {
        var attacked = SignedResults.Append(Prepared.Value.Signed, (file, w) =>
        {
            var rootRef = (PdfReference)file.Trailer["Root"]!;
            var catalog = file.ResolveDictionary(rootRef)!.CloneShallow();
            var pagesRef = w.Allocate();
            var pageRef = w.Allocate();
            w.SetObject(pageRef, new PdfDictionary { ["Type"] = new PdfName("Page"), ["Parent"] = pagesRef, ["MediaBox"] = PdfArray.OfNumbers(0, 0, 595, 842), ["Contents"] = Prepared.Value.HiddenContent, ["Resources"] = new PdfDictionary { ["Font"] = new PdfDictionary { ["FS"] = Prepared.Value.Font } } });
            w.SetObject(pagesRef, new PdfDictionary { ["Type"] = new PdfName("Pages"), ["Kids"] = new PdfArray([pageRef]), ["Count"] = new PdfNumber(1) });
            catalog["Pages"] = pagesRef;
            w.SetObject(rootRef, catalog);
        });

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.CATALOG_CHANGED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.PAGE_ADDED);
    }
}
