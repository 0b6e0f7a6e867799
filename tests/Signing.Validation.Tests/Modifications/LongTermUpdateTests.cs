using Signing.Pades;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using static Signing.Validation.Tests.Modifications.AttackAssertions;

namespace Signing.Validation.Tests.Modifications;

/// <summary>
/// The allow-list's long-term updates: a revision that only adds a /DSS (with /VRI), only adds a
/// document timestamp in a new invisible field, and the XMP metadata / Info rewritten by such a
/// revision. Each must still pass; the same revision with anything else in it must not.
/// </summary>
public sealed class LongTermUpdateTests
{
    private static TestPki Pki => TestPki.Shared;

    private static IEnumerable<byte[]> Certificates => [Pki.Issuing.RawData, Pki.Root.RawData];

    [Fact]
    public void An_update_that_only_adds_a_dss_with_vri_passes()
    {
        var report = AssertPasses(LongTermUpdates.AppendDss(SignedResults.HeadThenSeal, Certificates));
        Assert.Equal(4, report.Revisions);
        var head = report.Signatures.Single(s => s.FieldName == "Head");
        Assert.Equal(LaterChangesAssessment.SIGNATURES_ONLY, head.LaterChanges.Assessment);
        Assert.Contains(head.LaterChanges.Details, d => d.Contains("/DSS", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dss_update_that_also_rewrites_the_metadata_passes()
    {
        AssertPasses(LongTermUpdates.AppendDss(SignedResults.HeadThenSeal, Certificates, rewriteMetadata: true));
    }

    [Fact]
    public void A_second_dss_update_that_replaces_the_first_passes()
    {
        var once = LongTermUpdates.AppendDss(SignedResults.HeadThenSeal, Certificates);
        AssertPasses(LongTermUpdates.AppendDss(once, [.. Certificates, Pki.Tsa.RawData]));
    }

    [Fact]
    public async Task A_document_timestamp_passes_and_is_reported()
    {
        var stamped = await LongTermUpdates.AppendDocumentTimestampAsync(SignedResults.HeadThenSeal, new OpenSslTimestampClient(Pki));
        var report = AssertPasses(stamped);
        var dts = report.Signatures.Single(s => s.FieldName == "DocTimeStamp");
        Assert.Equal("ETSI.RFC3161", dts.SubFilter);
        Assert.True(dts.DigestOk && dts.SignatureOk);
        Assert.True(dts.Timestamp.Valid);
        Assert.Contains(report.Signatures.Single(s => s.FieldName == "Head").LaterChanges.Details, d => d.Contains("document timestamp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dss_then_document_timestamp_with_metadata_passes()
    {
        var withDss = LongTermUpdates.AppendDss(SignedResults.HeadThenSeal, Certificates);
        var stamped = await LongTermUpdates.AppendDocumentTimestampAsync(withDss, new OpenSslTimestampClient(Pki), rewriteMetadata: true);
        Assert.Equal(5, AssertPasses(stamped).Revisions);
    }

    [Fact]
    public async Task A_document_timestamp_whose_token_is_over_other_bytes_fails_and_fails_the_earlier_signatures()
    {
        var stamped = await LongTermUpdates.AppendDocumentTimestampAsync(SignedResults.HeadThenSeal, new OpenSslTimestampClient(Pki));
        var at = System.Text.Encoding.Latin1.GetString(stamped).LastIndexOf("Adobe.PPKLite/SubFilter/ETSI.RFC3161", StringComparison.Ordinal);
        stamped[at + "Adobe.PPKLit".Length] = (byte)'f'; // inside the timestamp's first signed range
        var report = Verify(stamped);
        var dts = report.Signatures.Single(s => s.FieldName == "DocTimeStamp");
        Assert.Equal(Indication.TOTAL_FAILED, dts.Indication);
        Assert.Equal("HASH_FAILURE", dts.SubIndication);
        Assert.All(report.Signatures.Where(s => s.FieldName != "DocTimeStamp"), s => Assert.Equal(PdfSignatureVerifier.DisallowedModification, s.SubIndication));
    }

    [Fact]
    public void A_dss_update_that_also_adds_an_open_action_is_a_catalog_change()
    {
        var attacked = LongTermUpdates.AppendDss(SignedResults.HeadThenSeal, Certificates, alsoEdit: (file, w, catalog) =>
            catalog["OpenAction"] = new PdfDictionary { ["S"] = new PdfName("JavaScript"), ["JS"] = PdfString.FromText("app.alert('x')") });

        AssertSignaturesFailAsModified(attacked, ModificationKind.CATALOG_CHANGED);
    }

    [Fact]
    public void A_dss_that_hangs_a_page_off_itself_is_not_a_dss()
    {
        var attacked = LongTermUpdates.AppendDss(SignedResults.HeadThenSeal, Certificates, alsoEdit: (file, w, catalog) =>
        {
            var dss = file.ResolveDictionary(catalog["DSS"]);
            var extra = w.Allocate();
            w.SetObject(extra, new PdfDictionary { ["Type"] = new PdfName("Page"), ["MediaBox"] = PdfArray.OfNumbers(0, 0, 10, 10) });
            var replaced = w.Allocate();
            w.SetObject(replaced, new PdfDictionary { ["Type"] = new PdfName("DSS"), ["Certs"] = new PdfArray(), ["Pages"] = extra });
            catalog["DSS"] = replaced;
        });

        AssertSignaturesFailAsModified(attacked, ModificationKind.CATALOG_CHANGED);
    }

    [Fact]
    public void Metadata_rewritten_without_a_long_term_update_is_a_change()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var rootRef = (PdfReference)file.Trailer["Root"]!;
            var catalog = file.ResolveDictionary(rootRef)!.CloneShallow();
            if (LongTermUpdates.RewriteMetadata(file, w, catalog)) w.SetObject(rootRef, catalog);
        });

        // Our results carry XMP (PDF/A): its stream and the Info dictionary are redefined in place.
        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.STREAM_CHANGED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.OBJECT_REDEFINED && m.Detail.Contains("/ModDate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_document_timestamp_update_that_also_changes_page_content_fails()
    {
        var attacked = await LongTermUpdates.AppendDocumentTimestampAsync(SignedResults.HeadThenSeal, new OpenSslTimestampClient(Pki), alsoEdit: (file, w) =>
        {
            var page = file.ResolveDictionary(SignedResults.FirstPage(file))!;
            var content = page["Contents"] as PdfReference ?? (PdfReference)((PdfArray)file.Resolve(page["Contents"])!).Items[0];
            w.SetStream(content, new PdfDictionary(), "0 0 1 rg 85 70 425 120 re f"u8);
        });

        AssertSignaturesFailAsModified(attacked, ModificationKind.STREAM_CHANGED);
    }
}
