using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Signing.Pades;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using static Signing.Validation.Tests.Modifications.AttackAssertions;

namespace Signing.Validation.Tests.Modifications.Attacks;

/// <summary>
/// SWA (signature wrapping, Mladenov et al. 2019): the signed bytes stay where the ByteRange says,
/// but the document a reader sees is assembled elsewhere: objects and a cross-reference section
/// hidden in the zero padding of /Contents, or a new document appended that the old revisions'
/// chain does not reach, or the signed revision moved behind another. Expected: never
/// TOTAL_PASSED; the wrapped signature fails its ByteRange check and the others fail as modified.
/// </summary>
public sealed class SignatureWrappingAttackTests
{
    private static (long[] Range, int CmsHexLength) SealGap(byte[] pdf)
    {
        var file = PdfFile.Parse(pdf);
        var seal = file.ResolveDictionary(file.ResolveDictionary(SignedResults.FieldNamed(file, "AgencySeal"))!["V"])!;
        var range = ((PdfArray)seal["ByteRange"]!).Items.Select(i => ((PdfNumber)i).AsLong()).ToArray();
        var hex = Encoding.Latin1.GetString(pdf, (int)range[1] + 1, (int)(range[2] - range[1] - 2));
        return (range, hex.TrimEnd('0').Length + 8);
    }

    [Fact]
    public async Task Objects_and_an_xref_wrapped_in_the_seals_contents_padding_fail_the_seal_and_the_head()
    {
        // A seal with room reserved for revocation data, as a B-LT signer leaves it: kilobytes of zeros.
        var pki = TestPki.Shared;
        var pdf = await PadesSigner.SignAsync(SignedResults.Headed, SignedResults.SealRequest(pki) with { RevocationReserveBytes = 4096 }, pki.Seal.Key, null);
        AssertPasses(pdf);
        var file = PdfFile.Parse(pdf);
        var (range, cmsHex) = SealGap(pdf);
        var page = file.ResolveDictionary(SignedResults.FirstPage(file))!;
        var content = page["Contents"] as PdfReference ?? (PdfReference)((PdfArray)file.Resolve(page["Contents"])!).Items[0];

        // In the padding: a replacement page content and a cross-reference section for it.
        var at = (int)range[1] + 1 + cmsHex;
        var body = "0 0 1 rg 85 70 425 120 re f";
        var objectText = string.Create(CultureInfo.InvariantCulture, $"\n{content.ObjectNumber} 0 obj\n<</Length {body.Length}>>\nstream\n{body}\nendstream\nendobj\n");
        var xrefAt = at + objectText.Length;
        var xref = string.Create(CultureInfo.InvariantCulture, $"xref\n{content.ObjectNumber} 1\n{at + 1:D10} 00000 n\r\ntrailer\n<</Size {file.Size}/Root {file.Trailer["Root"]}/Info {file.Trailer["Info"]}/Prev {file.StartXref}>>\n");
        var wrapped = objectText + xref;
        Assert.True(at + wrapped.Length < range[2] - 1, "the wrapped revision must fit the padding");
        var attacked = (byte[])pdf.Clone();
        Encoding.ASCII.GetBytes(wrapped).CopyTo(attacked, at);
        attacked = [.. attacked, .. Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"startxref\n{xrefAt}\n%%EOF\n"))];

        var report = Verify(attacked);
        Assert.Equal(Indication.TOTAL_FAILED, report.Indication);
        var seal = report.Signatures.Single(s => s.FieldName == "AgencySeal");
        Assert.Equal(Indication.TOTAL_FAILED, seal.Indication);
        Assert.Equal("FORMAT_FAILURE", seal.SubIndication);
        var head = report.Signatures.Single(s => s.FieldName == "Head");
        Assert.Equal(Indication.TOTAL_FAILED, head.Indication);
        Assert.Equal(PdfSignatureVerifier.DisallowedModification, head.SubIndication);
        Assert.Contains(head.Modifications, m => m.Kind == ModificationKind.STREAM_CHANGED && m.ObjectNumber == content.ObjectNumber);
    }

    [Fact]
    public void A_new_document_appended_without_a_prev_chain_orphans_the_signed_revisions()
    {
        // The signed bytes are untouched and still first; a reader follows the last startxref only.
        var pdf = SignedResults.HeadThenSeal;
        var n = PdfFile.Parse(pdf).Size;
        var sb = new StringBuilder("\n");
        var offsets = new long[4];
        string[] bodies =
        [
            $"<</Type/Catalog/Pages {n + 1} 0 R>>",
            $"<</Type/Pages/Kids[{n + 2} 0 R]/Count 1>>",
            $"<</Type/Page/Parent {n + 1} 0 R/MediaBox[0 0 595 842]/Contents {n + 3} 0 R>>",
            "<</Length 27>>\nstream\n0 0 1 rg 85 70 425 120 re f\nendstream",
        ];
        for (var i = 0; i < 4; i++)
        {
            offsets[i] = pdf.Length + Encoding.ASCII.GetByteCount(sb.ToString());
            sb.Append(CultureInfo.InvariantCulture, $"{n + i} 0 obj\n{bodies[i]}\nendobj\n");
        }

        var xrefAt = pdf.Length + Encoding.ASCII.GetByteCount(sb.ToString());
        sb.Append(CultureInfo.InvariantCulture, $"xref\n0 1\n0000000000 65535 f\r\n{n} 4\n");
        foreach (var o in offsets) sb.Append(CultureInfo.InvariantCulture, $"{o:D10} 00000 n\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"trailer\n<</Size {n + 4}/Root {n} 0 R>>\nstartxref\n{xrefAt}\n%%EOF\n");
        byte[] attacked = [.. pdf, .. Encoding.ASCII.GetBytes(sb.ToString())];
        Assert.Single(PdfFile.Parse(attacked).GetPageReferences());

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.TRAILER_CHANGED);
        Assert.Contains(report.Modifications, m => m.Kind == ModificationKind.REVISION_OUTSIDE_CHAIN);
        Assert.All(report.Signatures, s => Assert.Contains(s.Messages, m => m.Contains("no longer in the document", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_seals_revision_moved_behind_an_attackers_revision_fails_both()
    {
        // Head's revision, then the attacker's (new page content), then the seal's revision moved up,
        // its xref offsets shifted so that the file reads; its /Prev still names the head's section.
        var headed = SignedResults.Headed;
        var attackerUpdate = SignedResults.Append(headed, (file, w) =>
        {
            var page = file.ResolveDictionary(SignedResults.FirstPage(file))!;
            var content = page["Contents"] as PdfReference ?? (PdfReference)((PdfArray)file.Resolve(page["Contents"])!).Items[0];
            w.SetStream(content, new PdfDictionary(), "0 0 1 rg 85 70 425 120 re f"u8);
        });
        var delta = attackerUpdate.Length - headed.Length;
        var sealRevision = Encoding.Latin1.GetString(SignedResults.HeadThenSeal[headed.Length..]);
        var xrefAt = sealRevision.LastIndexOf("\nxref\n", StringComparison.Ordinal);
        var shifted = sealRevision[..xrefAt] + Regex.Replace(sealRevision[xrefAt..], @"(\d{10}) (\d{5}) n", m =>
            (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + delta).ToString("D10", CultureInfo.InvariantCulture) + " " + m.Groups[2].Value + " n");
        shifted = Regex.Replace(shifted, @"startxref\n(\d+)", m => "startxref\n" + (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + delta).ToString(CultureInfo.InvariantCulture));
        byte[] attacked = [.. attackerUpdate, .. Encoding.Latin1.GetBytes(shifted)];

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.REVISION_OUTSIDE_CHAIN, "Head");
        var seal = report.Signatures.Single(s => s.FieldName == "AgencySeal");
        Assert.Equal(Indication.TOTAL_FAILED, seal.Indication);
        Assert.Equal("FORMAT_FAILURE", seal.SubIndication);
    }
}
