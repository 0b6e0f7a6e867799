using Signing.Pades;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Signing.Core.Keys;
using Signing.Pades.Appearance;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;

namespace Signing.Validation.Tests.Modifications;

/// <summary>
/// Incremental-update attacks on our own issued result (head-signed, then sealed), crafted here.
/// Each states what it must give: the signatures made before the attack are TOTAL_FAILED with
/// sub-indication DISALLOWED_MODIFICATION, and the report names the change.
/// </summary>
public sealed class ModificationAttackTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    private static VerificationPolicy Policy => new() { TrustAnchors = Pki.TrustAnchors };

    private static VerificationReport Verify(byte[] pdf) => PdfSignatureVerifier.Verify(pdf, Policy);

    /// <summary>Both our signatures fail as modified, and the report lists a change of <paramref name="kind"/> in revision 4.</summary>
    private static VerificationReport AssertBothSignaturesFailAsModified(byte[] attacked, ModificationKind kind, int? objectNumber = null)
    {
        var report = Verify(attacked);
        Assert.Equal(Indication.TOTAL_FAILED, report.Indication);
        foreach (var field in new[] { "Head", "AgencySeal" })
        {
            var s = report.Signatures.Single(x => x.FieldName == field);
            Assert.True(s.DigestOk && s.SignatureOk, $"{field}: the signature value itself stays valid for its revision");
            Assert.Equal(Indication.TOTAL_FAILED, s.Indication);
            Assert.Equal(PdfSignatureVerifier.DisallowedModification, s.SubIndication);
            Assert.Equal(LaterChangesAssessment.DISALLOWED_CHANGES, s.LaterChanges.Assessment);
            Assert.Contains(s.Modifications, m => m.Kind == kind && (objectNumber is null || m.ObjectNumber == objectNumber));
        }

        Assert.Contains(report.Modifications, m => m.Kind == kind);
        return report;
    }

    [Fact]
    public void Our_head_then_seal_result_passes_with_only_the_seal_as_a_later_change()
    {
        var report = Verify(SignedResults.HeadThenSeal);
        Assert.Equal(Indication.TOTAL_PASSED, report.Indication);
        Assert.Empty(report.Modifications);
        var head = report.Signatures.Single(s => s.FieldName == "Head");
        Assert.Equal(2, head.Revision);
        Assert.Equal(LaterChangesAssessment.SIGNATURES_ONLY, head.LaterChanges.Assessment);
        Assert.Contains(head.LaterChanges.Details, d => d.Contains("'AgencySeal'", StringComparison.Ordinal));
        Assert.Empty(head.Modifications);
        Assert.Equal(LaterChangesAssessment.NONE, report.Signatures.Single(s => s.FieldName == "AgencySeal").LaterChanges.Assessment);
    }

    [Fact]
    public void An_appended_content_stream_overlaying_page_1_fails_both_signatures_as_a_page_change()
    {
        PdfReference page = null!;
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            page = SignedResults.FirstPage(file);
            var dict = file.ResolveDictionary(page)!.CloneShallow();
            var (resources, content) = SignedResults.TextContent(w, "SO TIEN: 900.000.000 VND");
            var overlay = w.Allocate();
            w.SetStream(overlay, new PdfDictionary(), content);
            var contents = file.Resolve(dict["Contents"]) is PdfArray a ? new PdfArray(a.Items) : new PdfArray([dict["Contents"]!]);
            contents.Items.Add(overlay);
            dict["Contents"] = contents;
            var res = file.ResolveDictionary(dict["Resources"])!.CloneShallow();
            res["Font"] = resources["Font"]!;
            dict["Resources"] = res;
            w.SetObject(page, dict);
        });

        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.PAGE_CHANGED, page.ObjectNumber);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.OBJECT_ADDED);
    }

    [Fact]
    public void A_freetext_annotation_pasted_over_the_body_is_an_added_annotation_and_a_page_change()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var page = SignedResults.FirstPage(file);
            var dict = file.ResolveDictionary(page)!.CloneShallow();
            var annot = w.Allocate();
            w.SetObject(annot, new PdfDictionary
            {
                ["Type"] = new PdfName("Annot"),
                ["Subtype"] = new PdfName("FreeText"),
                ["Rect"] = PdfArray.OfNumbers(80, 600, 520, 720),
                ["Contents"] = PdfString.FromText("ĐÃ HỦY"),
                ["DA"] = PdfString.FromText("/Helv 24 Tf 1 0 0 rg"),
                ["C"] = PdfArray.OfNumbers(1, 1, 1),
            });
            var annots = file.Resolve(dict["Annots"]) is PdfArray a ? new PdfArray(a.Items) : new PdfArray();
            annots.Items.Add(annot);
            dict["Annots"] = annots;
            w.SetObject(page, dict);
        });

        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.ANNOTATION_ADDED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.PAGE_CHANGED);
    }

    [Fact]
    public void A_new_root_with_a_replaced_page_1_is_a_trailer_change()
    {
        PdfReference newRoot = null!;
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var oldCatalog = file.ResolveDictionary(file.Trailer["Root"])!;
            var oldPages = file.ResolveDictionary(oldCatalog["Pages"])!;
            var oldKids = (PdfArray)file.Resolve(oldPages["Kids"])!;
            var firstPage = file.ResolveDictionary(oldKids.Items[0])!;
            var (resources, content) = SignedResults.TextContent(w, "QUYET DINH DA SUA");
            var contentRef = w.Allocate();
            w.SetStream(contentRef, new PdfDictionary(), content);
            var pagesRef = w.Allocate();
            var newPage = w.Allocate();
            w.SetObject(newPage, new PdfDictionary
            {
                ["Type"] = new PdfName("Page"),
                ["Parent"] = pagesRef,
                ["MediaBox"] = firstPage["MediaBox"] ?? file.ResolveDictionary(oldPages)!["MediaBox"]!,
                ["Resources"] = resources,
                ["Contents"] = contentRef,
            });
            var kids = new PdfArray(oldKids.Items) { };
            kids.Items[0] = newPage;
            var pages = oldPages.CloneShallow();
            pages["Kids"] = kids;
            w.SetObject(pagesRef, pages);
            var catalog = oldCatalog.CloneShallow();
            catalog["Pages"] = pagesRef;
            var catalogRef = w.Allocate();
            w.SetObject(catalogRef, catalog);
            newRoot = catalogRef;
        });
        attacked = SignedResults.ReplaceInLastTrailer(attacked, "/Root " + PdfFile.Parse(SignedResults.HeadThenSeal).Trailer["Root"], "/Root " + newRoot);

        Assert.Equal(newRoot, PdfFile.Parse(attacked).Trailer["Root"]);
        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.TRAILER_CHANGED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.PAGE_ADDED);
    }

    [Fact]
    public void Redefining_the_signed_page_content_stream_is_a_stream_change()
    {
        PdfReference content = null!;
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var page = file.ResolveDictionary(SignedResults.FirstPage(file))!;
            content = page["Contents"] as PdfReference ?? (PdfReference)((PdfArray)file.Resolve(page["Contents"])!).Items[0];
            w.SetStream(content, new PdfDictionary(), "0 0 1 rg 85 70 425 120 re f"u8);
        });

        AssertBothSignaturesFailAsModified(attacked, ModificationKind.STREAM_CHANGED, content.ObjectNumber);
    }

    [Fact]
    public void An_xref_entry_in_use_at_offset_0_for_a_redefined_object_is_a_broken_entry_not_the_old_object()
    {
        PdfReference content = null!;
        var redefined = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var page = file.ResolveDictionary(SignedResults.FirstPage(file))!;
            content = page["Contents"] as PdfReference ?? (PdfReference)((PdfArray)file.Resolve(page["Contents"])!).Items[0];
            w.SetStream(content, new PdfDictionary(), "0 0 1 rg 85 70 425 120 re f"u8);
        });

        // The attacker's object is in the update; its xref entry says "in use at offset 0", which poppler repairs by scanning.
        var attacked = SignedResults.RewriteLastXrefEntry(redefined, content.ObjectNumber, "0000000000 00000 n\r\n");

        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.BROKEN_XREF_ENTRY, content.ObjectNumber);
        Assert.Equal(4, report.Revisions);
    }

    [Fact]
    public void A_freed_seal_field_still_reports_the_seal_and_fails_both_signatures()
    {
        var sealField = SignedResults.FieldNamed(PdfFile.Parse(SignedResults.HeadThenSeal), "AgencySeal");
        var attacked = SignedResults.AppendFreeing(SignedResults.HeadThenSeal, sealField.ObjectNumber);

        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.OBJECT_FREED, sealField.ObjectNumber);
        Assert.Equal(2, report.Signatures.Count);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.SIGNATURE_FIELD_REMOVED);
        Assert.Contains(report.Signatures.Single(s => s.FieldName == "AgencySeal").Messages, m => m.Contains("no longer in the document", StringComparison.Ordinal));
    }

    [Fact]
    public void Garbage_appended_after_the_last_eof_fails_both_signatures_as_trailing_data()
    {
        byte[] attacked = [.. SignedResults.HeadThenSeal, .. "1 0 obj (not signed) endobj\n"u8];

        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.TRAILING_DATA);
        Assert.False(report.Signatures.Single(s => s.FieldName == "AgencySeal").CoversWholeDocument);

        // Only whitespace after %%EOF is not a change.
        byte[] whitespace = [.. SignedResults.HeadThenSeal, .. "\r\n  \n"u8];
        Assert.Equal(Indication.TOTAL_PASSED, Verify(whitespace).Indication);
    }

    [Fact]
    public void A_new_unsigned_signature_field_whose_widget_shows_fake_text_is_an_added_annotation()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var pageRef = SignedResults.FirstPage(file);
            var page = file.ResolveDictionary(pageRef)!.CloneShallow();
            var (resources, content) = SignedResults.TextContent(w, "Da duyet lai: khong hop le", 10, 50, 20);
            var appearance = w.Allocate();
            w.SetStream(appearance, new PdfDictionary { ["Type"] = new PdfName("XObject"), ["Subtype"] = new PdfName("Form"), ["BBox"] = PdfArray.OfNumbers(0, 0, 440, 120), ["Resources"] = resources }, content);
            var widget = w.Allocate();
            w.SetObject(widget, new PdfDictionary
            {
                ["Type"] = new PdfName("Annot"),
                ["Subtype"] = new PdfName("Widget"),
                ["FT"] = new PdfName("Sig"),
                ["T"] = PdfString.FromText("Fake"),
                ["F"] = new PdfNumber(4),
                ["P"] = pageRef,
                ["Rect"] = PdfArray.OfNumbers(80, 600, 520, 720),
                ["AP"] = new PdfDictionary { ["N"] = appearance },
            });
            var annots = new PdfArray(((PdfArray)file.Resolve(page["Annots"])!).Items);
            annots.Items.Add(widget);
            page["Annots"] = annots;
            w.SetObject(pageRef, page);
            var catalog = file.ResolveDictionary(file.Trailer["Root"])!;
            var formRef = (PdfReference)catalog["AcroForm"]!;
            var form = file.ResolveDictionary(formRef)!.CloneShallow();
            var fields = new PdfArray(((PdfArray)file.Resolve(form["Fields"])!).Items);
            fields.Items.Add(widget);
            form["Fields"] = fields;
            w.SetObject(formRef, form);
        });

        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.ANNOTATION_ADDED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.PAGE_CHANGED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.FORM_CHANGED);
    }

    [Fact]
    public async Task A_new_signature_field_signed_by_an_untrusted_key_is_not_an_allowed_later_signature()
    {
        // AddSignedSignatureFieldRule must not allow it: the new field's signature does not pass.
        using var caKey = RSA.Create(2048);
        var key = SoftwareSignatureKey.CreateRsa(2048, "software:attacker");
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        var req = new CertificateRequest(new X500DistinguishedName("CN=Nguyễn Văn A, O=UBND Tỉnh Lâm Đồng, C=VN"), publicKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        var cert = req.Create(new X500DistinguishedName("CN=Attacker CA"), X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), [0x01, 0x02, 0x03]);
        var request = new SignatureRequest
        {
            SignerCertificate = cert,
            FieldName = "Fake",
            Placement = new SignaturePlacement(80, 600, 440, 120),
            Appearance = SignatureAppearance.TextOnly("Đã hủy — không còn hiệu lực"),
        };
        var attacked = await PadesSigner.SignAsync(SignedResults.HeadThenSeal, request, key, null);

        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.PAGE_CHANGED);
        var fake = report.Signatures.Single(s => s.FieldName == "Fake");
        Assert.Equal(Indication.INDETERMINATE, fake.Indication);
        Assert.Equal("NO_CERTIFICATE_CHAIN_FOUND", fake.SubIndication);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.ANNOTATION_ADDED);
    }

    [Fact]
    public async Task A_later_trusted_signature_in_a_new_field_passes_and_a_failing_one_fails_the_earlier_signatures()
    {
        // AddSignedSignatureFieldRule: allowed only while the new field's own signature passes.
        var third = await PadesSigner.SignAsync(SignedResults.HeadThenSeal, Pki.RequestFor(Pki.Ecdsa) with { FieldName = "Third" }, Pki.Ecdsa.Key, null);
        Assert.Equal(Indication.TOTAL_PASSED, Verify(third).Indication);

        var broken = (byte[])third.Clone();
        var at = Encoding.Latin1.GetString(broken).LastIndexOf("/Type/Sig", StringComparison.Ordinal);
        broken[at + 6] = (byte)'X'; // "/Type/Xig": inside the third signature's signed range
        var report = Verify(broken);
        Assert.Equal("HASH_FAILURE", report.Signatures.Single(s => s.FieldName == "Third").SubIndication);
        Assert.All(report.Signatures.Where(s => s.FieldName != "Third"), s => Assert.Equal(PdfSignatureVerifier.DisallowedModification, s.SubIndication));
    }

    [Fact]
    public async Task Signing_an_empty_signature_field_that_existed_when_the_head_signed_passes_but_changing_the_field_more_does_not()
    {
        // SignEmptySignatureFieldRule: /V and /AP may change, nothing else of the field.
        var withEmptyField = SignedResults.Append(TestPdfs.Classic, (file, w) => SignedResults.AddEmptySignatureField(file, w, "Later"));
        var headed = await PadesSigner.SignAsync(withEmptyField, Pki.RequestFor(Pki.Head) with { FieldName = "Head" }, Pki.Head.Key, null);
        var later = SignedResults.FieldNamed(PdfFile.Parse(headed), "Later");

        var signed = SignedResults.SignExistingField(headed, later, Pki.Seal);
        var report = Verify(signed);
        Assert.Equal(Indication.TOTAL_PASSED, report.Indication);
        Assert.Equal(2, report.Signatures.Count);
        Assert.Contains(report.Signatures.Single(s => s.FieldName == "Head").LaterChanges.Details, d => d.Contains("sign an existing empty signature field", StringComparison.Ordinal));

        var moved = SignedResults.SignExistingField(headed, later, Pki.Seal, field => field["Rect"] = PdfArray.OfNumbers(80, 600, 520, 720));
        var movedReport = Verify(moved);
        var head = movedReport.Signatures.Single(s => s.FieldName == "Head");
        Assert.Equal(PdfSignatureVerifier.DisallowedModification, head.SubIndication);
        Assert.Contains(head.Modifications, m => m.Kind == ModificationKind.FORM_CHANGED && m.ObjectNumber == later.ObjectNumber);
        Assert.Equal(Indication.TOTAL_PASSED, movedReport.Signatures.Single(s => s.FieldName == "Later").Indication);
    }

    [Fact]
    public void The_acroform_may_only_gain_signature_fields_and_sigflags()
    {
        // SignatureFieldListRule must not allow /NeedAppearances (viewers would redraw every field).
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var formRef = (PdfReference)file.ResolveDictionary(file.Trailer["Root"])!["AcroForm"]!;
            var form = file.ResolveDictionary(formRef)!.CloneShallow();
            form["NeedAppearances"] = new PdfBoolean(true);
            w.SetObject(formRef, form);
        });

        AssertBothSignaturesFailAsModified(attacked, ModificationKind.FORM_CHANGED);
    }

    [Fact]
    public void A_catalog_open_action_added_later_is_a_catalog_change()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var rootRef = (PdfReference)file.Trailer["Root"]!;
            var catalog = file.ResolveDictionary(rootRef)!.CloneShallow();
            catalog["OpenAction"] = new PdfDictionary { ["S"] = new PdfName("JavaScript"), ["JS"] = PdfString.FromText("app.alert('x')") };
            w.SetObject(rootRef, catalog);
        });

        var report = AssertBothSignaturesFailAsModified(attacked, ModificationKind.CATALOG_CHANGED);
        Assert.Contains(report.Modifications, m => m.Detail.Contains("/OpenAction", StringComparison.Ordinal));
    }
}
