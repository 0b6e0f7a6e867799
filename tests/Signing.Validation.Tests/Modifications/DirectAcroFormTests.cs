using System.Text;
using System.Text.RegularExpressions;
using Signing.Testing.ForeignSigners;

namespace Signing.Validation.Tests.Modifications;

/// <summary>
/// PDFBox keeps the AcroForm as a direct dictionary of the catalog. New signature fields may be
/// listed there (ForeignSignatureTests: a PDFBox approval after a PDFBox certification passes);
/// these are the attacks the same rule must not let through.
/// </summary>
public sealed class DirectAcroFormTests
{
    private static VerificationReport Verify(byte[] pdf) => PdfSignatureVerifier.Verify(pdf, new VerificationPolicy { TrustAnchors = ForeignPki.Shared.TrustAnchors() });

    /// <summary>The PDFBox-certified file and its catalog (object 1) as PDFBox wrote it.</summary>
    private static (byte[] Pdf, string Catalog) Certified()
    {
        var pdf = ForeignFiles.Get("pdfbox-certify-cades");
        var m = Regex.Matches(Encoding.Latin1.GetString(pdf), @"(?s)\n1 0 obj\s*(<<\s*/Type /Catalog.*?)\s*endobj").Last();
        Assert.Contains("/AcroForm <<", m.Groups[1].Value, StringComparison.Ordinal);
        return (pdf, m.Groups[1].Value);
    }

    [Fact]
    public void The_certified_file_itself_passes()
    {
        Assert.Equal(Indication.TOTAL_PASSED, Verify(Certified().Pdf).Indication);
    }

    [Fact]
    public void NeedAppearances_set_in_the_direct_AcroForm_fails_the_signature()
    {
        var (pdf, catalog) = Certified();
        var attacked = ForeignPdfs.AppendUpdate(pdf, (1, catalog.Replace("/AcroForm <<", "/AcroForm <<\n/NeedAppearances true", StringComparison.Ordinal)));

        var s = Assert.Single(Verify(attacked).Signatures);
        Assert.Equal(Indication.TOTAL_FAILED, s.Indication);
        Assert.Equal(PdfSignatureVerifier.DisallowedModification, s.SubIndication);
        Assert.Contains(s.Modifications, m => m.Kind == ModificationKind.CATALOG_CHANGED && m.ObjectNumber == 1);
    }

    [Fact]
    public void A_text_field_added_to_the_direct_AcroForm_fails_the_signature()
    {
        var (pdf, catalog) = Certified();
        var attacked = ForeignPdfs.AppendUpdate(pdf,
            (40, "<</FT/Tx/T(Amount)/V(1000000000)/Type/Annot/Subtype/Widget/Rect[72 500 300 520]/P 3 0 R>>"),
            (1, Regex.Replace(catalog, @"/Fields \[([^\]]*)\]", "/Fields [$1 40 0 R]")));

        var s = Assert.Single(Verify(attacked).Signatures);
        Assert.Equal(Indication.TOTAL_FAILED, s.Indication);
        Assert.Equal(PdfSignatureVerifier.DisallowedModification, s.SubIndication);
    }

    [Fact]
    public void A_catalog_that_also_gains_an_OpenAction_fails_even_when_the_AcroForm_only_lists_a_signature()
    {
        var (pdf, catalog) = Certified();
        var attacked = ForeignPdfs.AppendUpdate(pdf, (1, catalog.Replace("/Type /Catalog", "/Type /Catalog\n/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", StringComparison.Ordinal)));

        var s = Assert.Single(Verify(attacked).Signatures);
        Assert.Equal(Indication.TOTAL_FAILED, s.Indication);
        Assert.Contains(s.Modifications, m => m.Kind == ModificationKind.CATALOG_CHANGED);
    }
}
