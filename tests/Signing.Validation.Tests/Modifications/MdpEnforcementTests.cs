using Signing.Validation.Modifications;
using Signing.Pades;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using static Signing.Validation.Tests.Modifications.AttackAssertions;

namespace Signing.Validation.Tests.Modifications;

/// <summary>
/// DocMDP (P=1 no changes, P=2 form filling and signing, P=3 also annotations) and FieldMDP locks,
/// enforced over every revision after the signature that set them. Our signer refuses to sign a
/// P=1 document; these files are made as an attacker would, signing an existing field by hand.
/// </summary>
public sealed class MdpEnforcementTests
{
    private static TestPki Pki => TestPki.Shared;

    /// <summary>Classic + an empty signature field "Later", then the head certifies with <paramref name="level"/>.</summary>
    private static async Task<byte[]> CertifiedWithEmptyFieldAsync(DocMdpPermission level)
    {
        var withField = SignedResults.Append(TestPdfs.Classic, (file, w) => SignedResults.AddEmptySignatureField(file, w, "Later"));
        return await PadesSigner.SignAsync(withField, Pki.RequestFor(Pki.Head) with { FieldName = "Head", CertifyIfFirst = level }, Pki.Head.Key, null);
    }

    private static byte[] SignLater(byte[] pdf) => SignedResults.SignExistingField(pdf, SignedResults.FieldNamed(PdfFile.Parse(pdf), "Later"), Pki.Seal);

    [Fact]
    public async Task A_p1_certified_file_then_signed_again_fails_the_certifying_signature_although_the_second_passes()
    {
        var certified = await CertifiedWithEmptyFieldAsync(DocMdpPermission.NoChanges);
        AssertPasses(certified);
        Assert.Throws<ModificationForbiddenException>(() => PadesSigner.Prepare(certified, SignedResults.SealRequest(Pki)));

        var report = AssertSignaturesFailAsModified(SignLater(certified), ModificationKind.DOCMDP_VIOLATION, "Head");
        Assert.Equal(Indication.TOTAL_PASSED, report.Signatures.Single(s => s.FieldName == "Later").Indication);
    }

    [Fact]
    public async Task The_same_second_signature_under_p2_passes()
    {
        AssertPasses(SignLater(await CertifiedWithEmptyFieldAsync(DocMdpPermission.FormFillingAndSigning)));
    }

    [Fact]
    public async Task A_p1_certified_file_may_still_get_a_dss_and_a_document_timestamp()
    {
        // ISO 32000-2 Table 257: an update of only DSS and document timestamp data is no change.
        var certified = await CertifiedWithEmptyFieldAsync(DocMdpPermission.NoChanges);
        var withDss = LongTermUpdates.AppendDss(certified, [Pki.Issuing.RawData, Pki.Root.RawData], rewriteMetadata: true);
        AssertPasses(await LongTermUpdates.AppendDocumentTimestampAsync(withDss, new OpenSslTimestampClient(Pki)));
    }

    [Fact]
    public async Task A_comment_passes_under_p3_and_fails_under_p1()
    {
        var certified = await CertifiedWithEmptyFieldAsync(DocMdpPermission.FormFillingSigningAndAnnotations);
        AssertPasses(Attacks.EvilAnnotationAttackTests.WithAnnotation(certified, "Text"));

        var strict = await CertifiedWithEmptyFieldAsync(DocMdpPermission.NoChanges);
        AssertSignaturesFailAsModified(Attacks.EvilAnnotationAttackTests.WithAnnotation(strict, "Text"), ModificationKind.ANNOTATION_ADDED, "Head");
    }

    [Fact]
    public void A_field_lock_with_p1_acts_as_a_certification_from_its_signature_on()
    {
        var withLocker = SignedResults.Append(TestPdfs.Classic, (file, w) =>
        {
            SignedResults.AddEmptySignatureField(file, w, "Locker", new PdfDictionary { ["Type"] = new PdfName("SigFieldLock"), ["Action"] = new PdfName("All"), ["P"] = new PdfNumber(1) });
        });
        var withLater = SignedResults.Append(withLocker, (file, w) => SignedResults.AddEmptySignatureField(file, w, "Later"));
        var locked = SignedResults.SignExistingField(withLater, SignedResults.FieldNamed(PdfFile.Parse(withLater), "Locker"), Pki.Head);
        AssertPasses(locked);

        AssertSignaturesFailAsModified(SignLater(locked), ModificationKind.DOCMDP_VIOLATION, "Locker");
    }

    [Fact]
    public void Signing_a_field_that_an_earlier_signature_locked_fails_that_signature()
    {
        // FieldMDP: "Locker" locks "Later"; signing "Later" afterwards changes a locked field.
        var withFields = SignedResults.Append(TestPdfs.Classic, (file, w) =>
            SignedResults.AddEmptySignatureField(file, w, "Locker", new PdfDictionary { ["Type"] = new PdfName("SigFieldLock"), ["Action"] = new PdfName("Include"), ["Fields"] = new PdfArray([PdfString.FromText("Later")]) }));
        var both = SignedResults.Append(withFields, (file, w) => SignedResults.AddEmptySignatureField(file, w, "Later"));
        var locked = SignedResults.SignExistingField(both, SignedResults.FieldNamed(PdfFile.Parse(both), "Locker"), Pki.Head);

        var report = AssertSignaturesFailAsModified(SignLater(locked), ModificationKind.LOCKED_FIELD_CHANGED, "Locker");
        Assert.Contains(report.Modifications, m => m.Detail.Contains("'Later'", StringComparison.Ordinal));

        // Without the lock the same second signature is allowed.
        var unlockedFields = SignedResults.Append(TestPdfs.Classic, (file, w) => SignedResults.AddEmptySignatureField(file, w, "Locker"));
        var unlockedBoth = SignedResults.Append(unlockedFields, (file, w) => SignedResults.AddEmptySignatureField(file, w, "Later"));
        AssertPasses(SignLater(SignedResults.SignExistingField(unlockedBoth, SignedResults.FieldNamed(PdfFile.Parse(unlockedBoth), "Locker"), Pki.Head)));
    }

    [Fact]
    public void Repointing_our_heads_locked_field_at_another_signature_is_a_locked_field_change()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var headRef = SignedResults.FieldNamed(file, "Head");
            var head = file.ResolveDictionary(headRef)!.CloneShallow();
            head["V"] = file.ResolveDictionary(SignedResults.FieldNamed(file, "AgencySeal"))!["V"]!;
            w.SetObject(headRef, head);
        });

        AssertSignaturesFailAsModified(attacked, ModificationKind.LOCKED_FIELD_CHANGED);
    }
}
