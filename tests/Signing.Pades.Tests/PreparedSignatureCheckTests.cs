using System.Security.Cryptography;
using System.Text;
using Signing.Core;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using Xunit;

namespace Signing.Pades.Tests;

/// <summary>What the desk agent checks before it lets the token sign a hash the service prepared.</summary>
public class PreparedSignatureCheckTests
{
    private static TestPki Pki => TestPki.Shared;

    private static (byte[] Draft, byte[] Revision, PreparedSignature Prepared) Prepare(byte[]? draft = null)
    {
        draft ??= TestPdfs.Classic;
        var prepared = PadesSigner.Prepare(draft, Pki.RequestFor(Pki.Head));
        Assert.True(prepared.PreparedPdf.AsSpan(0, draft.Length).SequenceEqual(draft));
        return (draft, prepared.PreparedPdf[draft.Length..], prepared);
    }

    [Fact]
    public void An_honest_preparation_passes_and_its_signature_verifies()
    {
        var (draft, revision, prepared) = Prepare();
        PreparedSignatureCheck.Check(draft, revision, prepared.ByteRange, prepared.ToBeSignedHash, Pki.Head.Certificate);

        var signed = PadesSigner.Complete(prepared, Pki.Head.Key.SignHash(prepared.ToBeSignedHash, HashAlgorithmName.SHA256));
        var report = PdfSignatureVerifier.Verify(signed, new VerificationPolicy { TrustAnchors = [Pki.Root] });
        Assert.Single(report.Signatures);
        Assert.True(report.Signatures[0].DigestOk && report.Signatures[0].SignatureOk && report.Signatures[0].SigningCertificateV2Ok);
    }

    [Fact]
    public void Works_for_drafts_with_cross_reference_streams()
    {
        var (draft, revision, prepared) = Prepare(TestPdfs.XrefStream);
        PreparedSignatureCheck.Check(draft, revision, prepared.ByteRange, prepared.ToBeSignedHash, Pki.Head.Certificate);
    }

    [Fact]
    public void A_hash_over_another_document_is_refused()
    {
        var (draft, revision, prepared) = Prepare();
        var other = PadesSigner.Prepare(TestPdfs.XrefStream, Pki.RequestFor(Pki.Head));
        var e = Assert.ThrowsAny<SigningException>(() => PreparedSignatureCheck.Check(draft, revision, prepared.ByteRange, other.ToBeSignedHash, Pki.Head.Certificate));
        Assert.Contains("not the hash of a signature by this certificate over this draft", e.Message);
    }

    [Fact]
    public void A_hash_for_another_certificate_is_refused()
    {
        var (draft, revision, prepared) = Prepare();
        var e = Assert.ThrowsAny<SigningException>(() => PreparedSignatureCheck.Check(draft, revision, prepared.ByteRange, prepared.ToBeSignedHash, Pki.Ecdsa.Certificate));
        Assert.Contains("not the hash of a signature", e.Message);
    }

    [Fact]
    public void A_draft_other_than_the_one_shown_is_refused()
    {
        var (_, revision, prepared) = Prepare();
        var shown = (byte[])TestPdfs.Classic.Clone();
        // Same length and structure, one byte of the page's content stream different.
        var file = PdfFile.Parse(shown);
        var content = (PdfStream)file.Resolve(file.ResolveDictionary(file.GetPageReferences()[0])!["Contents"])!;
        shown[content.DataOffset + (content.DataLength / 2)] ^= 0x01;
        var e = Assert.ThrowsAny<SigningException>(() => PreparedSignatureCheck.Check(shown, revision, prepared.ByteRange, prepared.ToBeSignedHash, Pki.Head.Certificate));
        Assert.Contains("not the hash of a signature", e.Message);
    }

    [Fact]
    public void A_revision_that_rewrites_page_content_is_refused_even_with_a_matching_hash()
    {
        // A dishonest preparer appends a revision that replaces the page's content stream and hashes it honestly.
        var draft = TestPdfs.Classic;
        var file = PdfFile.Parse(draft);
        var page = file.ResolveDictionary(file.GetPageReferences()[0])!;
        var contentRef = (PdfReference)page["Contents"]!;
        var writer = new IncrementalUpdateWriter(file);
        writer.SetObject(contentRef, new PdfDictionary { ["Length"] = new PdfNumber(0) });
        var tampered = writer.Write(new byte[16]).Bytes;
        var prepared = PadesSigner.Prepare(tampered, Pki.RequestFor(Pki.Head));

        var revision = prepared.PreparedPdf[draft.Length..];
        var e = Assert.ThrowsAny<SigningException>(() => PreparedSignatureCheck.Check(draft, revision, prepared.ByteRange, prepared.ToBeSignedHash, Pki.Head.Certificate));
        Assert.Contains("exactly one revision", e.Message);
    }

    [Fact]
    public void A_byte_range_that_differs_from_the_file_is_refused()
    {
        var (draft, revision, prepared) = Prepare();
        var wrong = prepared.ByteRange.ToArray();
        wrong[3] -= 1;
        var e = Assert.ThrowsAny<SigningException>(() => PreparedSignatureCheck.Check(draft, revision, wrong, prepared.ToBeSignedHash, Pki.Head.Certificate));
        Assert.Contains("ByteRange", e.Message);
    }

    [Fact]
    public void A_revision_that_is_not_a_pdf_is_refused()
    {
        var (draft, _, prepared) = Prepare();
        Assert.ThrowsAny<SigningException>(() => PreparedSignatureCheck.Check(draft, "garbage"u8.ToArray(), prepared.ByteRange, prepared.ToBeSignedHash, Pki.Head.Certificate));
        Assert.ThrowsAny<SigningException>(() => PreparedSignatureCheck.Check(draft, [], prepared.ByteRange, prepared.ToBeSignedHash, Pki.Head.Certificate));
    }

    [Fact]
    public void A_certifying_first_signature_passes_and_its_revision_names_it_in_perms()
    {
        var (draft, revision, prepared) = Prepare();
        var file = PdfFile.Parse(prepared.PreparedPdf);
        Assert.NotNull(file.ResolveDictionary(file.ResolveDictionary(file.Trailer["Root"])!["Perms"])!["DocMDP"]);
        PreparedSignatureCheck.Check(draft, revision, prepared.ByteRange, prepared.ToBeSignedHash, Pki.Head.Certificate);
    }

    [Fact]
    public void The_seal_prepared_after_a_certifying_head_passes()
    {
        var headed = SignedResults.Headed;
        var prepared = PadesSigner.Prepare(headed, SignedResults.SealRequest(Pki));
        PreparedSignatureCheck.Check(headed, prepared.PreparedPdf[headed.Length..], prepared.ByteRange, prepared.ToBeSignedHash, Pki.Seal.Certificate);
    }

    [Fact]
    public void A_first_revision_whose_perms_names_another_object_is_refused()
    {
        // /Perms /DocMDP must name the new signature itself; here it names the widget.
        var (draft, revision, prepared) = Prepare();
        var file = PdfFile.Parse(prepared.PreparedPdf);
        var perms = file.ResolveDictionary(file.ResolveDictionary(file.Trailer["Root"])!["Perms"])!;
        var sig = (PdfReference)perms["DocMDP"]!;
        var widget = new PdfReference(sig.ObjectNumber + 1, 0);
        Assert.Equal(sig.ToString().Length, widget.ToString().Length);
        var text = Encoding.Latin1.GetString(revision);
        var at = text.IndexOf("/DocMDP " + sig, StringComparison.Ordinal);
        Assert.True(at >= 0);
        var tampered = (byte[])revision.Clone();
        Encoding.ASCII.GetBytes("/DocMDP " + widget).CopyTo(tampered, at);
        var e = Assert.ThrowsAny<SigningException>(() => PreparedSignatureCheck.Check(draft, tampered, prepared.ByteRange, prepared.ToBeSignedHash, Pki.Head.Certificate));
        Assert.Contains("beyond adding a signature", e.Message);
    }
}
