using Signing.Validation.Modifications;
using Signing.PdfSyntax;
using Signing.Testing.Pades;

namespace Signing.Pades.Tests;

/// <summary>
/// The signer's side of DocMDP/FieldMDP: the first signature of a result certifies with P=2,
/// every signature locks its own field, and a document whose signatures forbid another one is
/// refused before anything is written.
/// </summary>
public sealed class CertificationTests
{
    private static TestPki Pki => TestPki.Shared;

    private static PdfDictionary Signature(PdfFile file, string field) =>
        file.ResolveDictionary(file.ResolveDictionary(SignedResults.FieldNamed(file, field))!["V"])!;

    [Fact]
    public void The_head_certifies_with_p2_and_the_catalog_names_it()
    {
        var file = PdfFile.Parse(SignedResults.HeadThenSeal);
        var head = Signature(file, "Head");
        var transforms = ModificationPermissions.Transforms(file, head);
        Assert.Equal(DocMdpPermission.FormFillingAndSigning, transforms.DocMdp);

        var docMdp = ((PdfArray)file.Resolve(head["Reference"])!).Items.Select(file.ResolveDictionary).First(r => r!.GetName("TransformMethod") == "DocMDP")!;
        Assert.Equal("SigRef", docMdp.GetName("Type"));
        var parameters = file.ResolveDictionary(docMdp["TransformParams"])!;
        Assert.Equal("TransformParams", parameters.GetName("Type"));
        Assert.Equal("1.2", parameters.GetName("V"));
        Assert.Equal(2, ((PdfNumber)parameters["P"]!).AsLong());

        var catalog = file.ResolveDictionary(file.Trailer["Root"])!;
        var perms = file.ResolveDictionary(catalog["Perms"])!;
        Assert.Equal(file.ResolveDictionary(SignedResults.FieldNamed(file, "Head"))!["V"], perms["DocMDP"]);

        var permissions = ModificationPermissions.Read(file);
        Assert.Equal(DocMdpPermission.FormFillingAndSigning, permissions.Certification);
        Assert.Equal("Head", permissions.Certifier!.Name);
    }

    [Fact]
    public void The_seal_does_not_certify_and_each_signature_locks_its_own_field()
    {
        var file = PdfFile.Parse(SignedResults.HeadThenSeal);
        Assert.Null(ModificationPermissions.Transforms(file, Signature(file, "AgencySeal")).DocMdp);
        foreach (var name in new[] { "Head", "AgencySeal" })
        {
            var field = file.ResolveDictionary(SignedResults.FieldNamed(file, name))!;
            var fieldLock = file.ResolveDictionary(field["Lock"])!;
            Assert.Equal("SigFieldLock", fieldLock.GetName("Type"));
            var read = FieldLock.Read(file, fieldLock)!;
            Assert.Equal(FieldLockAction.Include, read.Action);
            Assert.Equal([name], read.Fields);
            Assert.Null(read.Permission);

            var fieldMdp = Assert.Single(ModificationPermissions.Transforms(file, Signature(file, name)).FieldLocks);
            Assert.Equal(FieldLockAction.Include, fieldMdp.Action);
            Assert.Equal([name], fieldMdp.Fields);
            var reference = ((PdfArray)file.Resolve(Signature(file, name)["Reference"])!).Items.Select(file.ResolveDictionary).Single(r => r!.GetName("TransformMethod") == "FieldMDP")!;
            Assert.Equal(file.Trailer["Root"], reference["Data"]);
        }
    }

    [Fact]
    public async Task A_document_certified_with_p1_is_refused_and_nothing_is_made()
    {
        var certified = await PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Head) with { FieldName = "Head", CertifyIfFirst = DocMdpPermission.NoChanges }, Pki.Head.Key, null);
        Assert.Equal(DocMdpPermission.NoChanges, ModificationPermissions.Read(PdfFile.Parse(certified)).Certification);

        var e = Assert.Throws<ModificationForbiddenException>(() => PadesSigner.Prepare(certified, SignedResults.SealRequest(Pki)));
        Assert.Equal("The document is certified by the signature 'Head' with no changes allowed (DocMDP P=1); it cannot be signed again.", e.Message);
        await Assert.ThrowsAsync<ModificationForbiddenException>(() => PadesSigner.SignAsync(certified, SignedResults.SealRequest(Pki), Pki.Seal.Key, null));
    }

    [Fact]
    public async Task A_p3_certification_still_allows_the_seal()
    {
        var certified = await PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Head) with { FieldName = "Head", CertifyIfFirst = DocMdpPermission.FormFillingSigningAndAnnotations }, Pki.Head.Key, null);
        var sealedPdf = await PadesSigner.SignAsync(certified, SignedResults.SealRequest(Pki), Pki.Seal.Key, null);
        Assert.Equal(2, ModificationPermissions.Read(PdfFile.Parse(sealedPdf)).Signed.Count);
    }

    [Fact]
    public void A_signed_field_lock_with_p1_is_refused()
    {
        // PDF 2.0 lets a field's /Lock carry /P: once signed, the document takes that DocMDP level.
        var locked = SignedResults.Append(TestPdfs.Classic, (file, w) => SignedResults.AddEmptySignatureField(file, w, "Locker", new PdfDictionary
        {
            ["Type"] = new PdfName("SigFieldLock"),
            ["Action"] = new PdfName("All"),
            ["P"] = new PdfNumber(1),
        }));
        var signed = SignedResults.SignExistingField(locked, SignedResults.FieldNamed(PdfFile.Parse(locked), "Locker"), Pki.Head);
        Assert.Null(ModificationPermissions.Read(PdfFile.Parse(signed)).Certification);

        var e = Assert.Throws<ModificationForbiddenException>(() => PadesSigner.Prepare(signed, SignedResults.SealRequest(Pki)));
        Assert.Contains("'Locker' locks the document against any change (field lock P=1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_locked_by_a_signature_is_refused_before_the_name_clash()
    {
        var e = Assert.Throws<ModificationForbiddenException>(() => PadesSigner.Prepare(SignedResults.HeadThenSeal, Pki.RequestFor(Pki.Ecdsa) with { FieldName = "Head" }));
        Assert.Equal("The field 'Head' is locked by the signature 'Head' (FieldMDP); it cannot be signed again.", e.Message);
    }

    [Fact]
    public async Task A_document_that_already_has_a_signature_is_not_certified_again()
    {
        var third = await PadesSigner.SignAsync(SignedResults.HeadThenSeal, Pki.RequestFor(Pki.Ecdsa) with { FieldName = "Third", CertifyIfFirst = DocMdpPermission.NoChanges }, Pki.Ecdsa.Key, null);
        var file = PdfFile.Parse(third);
        Assert.Null(ModificationPermissions.Transforms(file, Signature(file, "Third")).DocMdp);
        Assert.Equal(DocMdpPermission.FormFillingAndSigning, ModificationPermissions.Read(file).Certification);
    }

    [Fact]
    public async Task Certifying_can_be_turned_off()
    {
        var plain = await PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Head) with { FieldName = "Head", CertifyIfFirst = null }, Pki.Head.Key, null);
        var file = PdfFile.Parse(plain);
        Assert.Null(ModificationPermissions.Read(file).Certification);
        Assert.Null(file.ResolveDictionary(file.Trailer["Root"])!["Perms"]);
    }
}
