using Signing.Pades;
using System.Security.Cryptography;
using System.Text;
using Signing.Core;
using Signing.Cms;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using Signing.Testing;
using Xunit.Abstractions;

namespace Signing.Validation.Tests;

/// <summary>Hostile input gives a report or a one-line SigningException: never a crash, a hang or an unbounded allocation.</summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private static readonly TestPki Pki = TestPki.Shared;

    private static VerificationPolicy Policy => new() { TrustAnchors = Pki.TrustAnchors };

    [Fact]
    public void Streams_whose_indirect_lengths_refer_to_each_other_are_read_by_their_endstream_not_recursed_into()
    {
        var pdf = HandWrittenPdf.Minimal(
            "<</Type/Catalog/Pages 2 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]/Contents[4 0 R 5 0 R]>>",
            "<</Length 5 0 R>>\nstream\nq Q\nendstream",
            "<</Length 4 0 R>>\nstream\nq Q\nendstream");
        var file = PdfFile.Parse(pdf);
        Assert.IsType<PdfStream>(file.GetObject(4));
        Assert.IsType<PdfStream>(file.GetObject(5));
        var report = PdfSignatureVerifier.Verify(pdf, Policy);
        Assert.Equal(Indication.INDETERMINATE, report.Indication);
        Assert.Empty(report.Signatures);
    }

    [Fact]
    public void A_reference_loop_is_detected_and_a_deep_chain_is_refused_in_one_line()
    {
        var loop = HandWrittenPdf.Minimal("<</Type/Catalog/Pages 2 0 R>>", "3 0 R", "2 0 R");
        var file = PdfFile.Parse(loop);
        var e = Assert.Throws<PdfFormatException>(() => file.Resolve(new PdfReference(2, 0)));
        Assert.DoesNotContain('\n', e.Message);

        var nested = HandWrittenPdf.Minimal("<</Type/Catalog/Pages 2 0 R/X " + new string('[', 5000) + new string(']', 5000) + ">>", "<</Type/Pages/Kids[]/Count 0>>");
        var deep = Assert.Throws<PdfFormatException>(() => PdfFile.Parse(nested).GetObject(1));
        Assert.Contains("nests objects deeper than the limit of 64", deep.Message);
        Assert.Empty(PdfSignatureVerifier.Verify(nested, Policy).Signatures);
    }

    [Fact]
    public void Limits_are_enforced_with_one_line_messages()
    {
        var small = PdfReadLimits.Default with { MaxFileBytes = 1000 };
        var big = Assert.ThrowsAny<SigningException>(() => PdfSignatureVerifier.Verify(SignedResults.HeadThenSeal, Policy with { Limits = small }));
        Assert.Contains("larger than the limit", big.Message);

        var fewRevisions = PdfReadLimits.Default with { MaxRevisions = 2 };
        var revisions = Assert.ThrowsAny<SigningException>(() => PdfSignatureVerifier.Verify(SignedResults.HeadThenSeal, Policy with { Limits = fewRevisions }));
        Assert.Contains("more revisions than the limit", revisions.Message);

        // An object stream that inflates 1000-fold: a decompression bomb.
        var zeros = new byte[8 * 1024 * 1024];
        var bomb = IncrementalUpdateWriter.Deflate(zeros);
        var header = Encoding.Latin1.GetString(bomb);
        var pdf = HandWrittenPdf.Minimal("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[]/Count 0>>", $"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length {bomb.Length}>>\nstream\n{header}\nendstream");
        var file = PdfFile.Parse(pdf, PdfReadLimits.Default with { MaxDecompressionRatio = 100 });
        var ratio = Assert.Throws<PdfFormatException>(() => file.DecodeStream((PdfStream)file.GetObject(3)!));
        Assert.Contains("decompression bomb", ratio.Message);
        Assert.DoesNotContain('\n', ratio.Message);
    }

    [Fact]
    public void Two_changed_bytes_in_the_unsigned_padding_of_contents_give_a_report()
    {
        var pdf = (byte[])SignedResults.HeadThenSeal.Clone();
        var seal = PdfSignatureVerifier.Verify(pdf, Policy).Signatures.Single(s => s.FieldName == "AgencySeal");
        var gapEnd = (int)seal.ByteRange.Values[2] - 1; // the closing '>'
        pdf[gapEnd - 10] = (byte)'F';
        pdf[gapEnd - 3] = (byte)'7';

        // The gap is unsigned by design and the padding lies after the CMS's DER end: the CMS is unchanged.
        var report = PdfSignatureVerifier.Verify(pdf, Policy);
        var changed = report.Signatures.Single(s => s.FieldName == "AgencySeal");
        output.WriteLine($"{changed.Indication} {changed.SubIndication}");
        Assert.True(changed.DigestOk && changed.SignatureOk);
        Assert.Equal(Indication.TOTAL_PASSED, report.Indication);

        // Inside the DER, the same change breaks the CMS: a report with a failed signature, not an internal error.
        var inside = (byte[])SignedResults.HeadThenSeal.Clone();
        var gapStart = (int)seal.ByteRange.Values[1] + 1;
        inside[gapStart + 2] = (byte)'F';
        inside[gapStart + 3] = (byte)'F';
        var broken = PdfSignatureVerifier.Verify(inside, Policy).Signatures.Single(s => s.FieldName == "AgencySeal");
        Assert.Equal(Indication.TOTAL_FAILED, broken.Indication);
    }

    [Fact]
    public void A_genuine_sha1_signature_today_is_indeterminate_crypto_constraints_failure_no_poe()
    {
        using var key = RSA.Create(2048);
        var cert = SignedResults.SelfSigned(key, "CN=SHA-1 signer");
        var signed = SignedResults.SignWithLegacyCms(TestPdfs.Classic, key, cert, HashAlgorithmName.SHA1, Oids.Sha1);

        var s = Assert.Single(PdfSignatureVerifier.Verify(signed, Policy).Signatures);
        Assert.True(s.DigestOk, "the SHA-1 digest itself matches");
        Assert.True(s.SignatureOk, "the SHA-1 signature value itself verifies");
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        // The default policy accepts SHA-1 only before 2010, and nothing proves this signature that old.
        Assert.Equal("CRYPTO_CONSTRAINTS_FAILURE_NO_POE", s.SubIndication);
        Assert.Contains(s.Messages, m => m.Contains("broken digest algorithm", StringComparison.Ordinal));
    }

    [Fact]
    public void A_1024_bit_rsa_signature_today_is_indeterminate_crypto_constraints_failure_no_poe()
    {
        using var key = RSA.Create(1024);
        var cert = SignedResults.SelfSigned(key, "CN=Short key signer");
        var signed = SignedResults.SignWithLegacyCms(TestPdfs.Classic, key, cert, HashAlgorithmName.SHA256, Oids.Sha256);

        var s = Assert.Single(PdfSignatureVerifier.Verify(signed, Policy).Signatures);
        Assert.True(s.DigestOk && s.SignatureOk);
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        // The default policy accepts RSA-1024 only before 2014.
        Assert.Equal("CRYPTO_CONSTRAINTS_FAILURE_NO_POE", s.SubIndication);
        Assert.Contains(s.Messages, m => m.Contains("1024 bits", StringComparison.Ordinal));
    }
}
