using System.Text;
using Signing.Validation;
using Signing.Testing;
using Signing.Testing.ForeignSigners;
using Xunit.Abstractions;

namespace Signing.Validation.Tests;

/// <summary>
/// Signatures made by other tools (openssl cms, mutool, @signpdf, PDFBox) are judged by our
/// verifier, pdfsig and mutool side by side. Valid ones must pass (or be INDETERMINATE for weak
/// algorithms), every tampered copy must fail, and we are never laxer than an outside tool on
/// integrity: where pdfsig or mutool finds the digest or signature invalid, we do not pass.
/// </summary>
public sealed class ForeignSignatureTests(ITestOutputHelper output)
{
    /// <summary>What the three judges said of one file, signature by signature in file order.</summary>
    private sealed record Judged(VerificationReport Ours, IReadOnlyList<OutsideVerdict> PdfSig, IReadOnlyList<OutsideVerdict> Mutool, IReadOnlyList<OutsideVerdict>? OpenSsl);

    [Theory]
    [MemberData(nameof(ForeignFiles.Names), MemberType = typeof(ForeignFiles))]
    public void Foreign_signature_gets_the_expected_verdict(string name)
    {
        var file = ForeignFiles.Named(name);
        var judged = Judge(file, ForeignFiles.Get(name), "as signed");

        Assert.Equal(file.Expected.Count, judged.Ours.Signatures.Count);
        for (var i = 0; i < file.Expected.Count; i++)
        {
            var s = judged.Ours.Signatures[i];
            var expected = file.Expected[i];
            Assert.True(expected.Indication == s.Indication && expected.SubIndication == s.SubIndication,
                $"{name} signature {i + 1} ({s.SubFilter}): expected {expected}, got {s.Indication}/{s.SubIndication}: {string.Join(" | ", s.Messages)}");
            if (expected == ExpectedVerdict.Passed) Assert.True(s.DigestOk && s.SignatureOk, $"{name} signature {i + 1} passed without digest and signature checks");
        }

        // Where the outside tools could check a valid foreign file, they agree it is intact.
        Assert.All(judged.Mutool, v => Assert.NotEqual(IntegrityVerdict.Invalid, v.Integrity));
        if (file.PdfSigCannotVerify)
        {
            // Kept as a known pdfsig limitation: when poppler learns it, this file joins the plain rule.
            Assert.All(judged.PdfSig, v => Assert.Equal(IntegrityVerdict.Invalid, v.Integrity));
            Assert.All(judged.OpenSsl!, v => Assert.Equal(IntegrityVerdict.Valid, v.Integrity));
        }
        else
        {
            Assert.All(judged.PdfSig, v => Assert.NotEqual(IntegrityVerdict.Invalid, v.Integrity));
        }
    }

    [Theory]
    [MemberData(nameof(ForeignFiles.Names), MemberType = typeof(ForeignFiles))]
    public void A_byte_flipped_inside_the_signed_range_fails_every_signature(string name)
    {
        var judged = Judge(ForeignFiles.Named(name), ForeignPdfs.FlipSignedByte(ForeignFiles.Get(name)), "byte flipped");

        Assert.Equal(Indication.TOTAL_FAILED, judged.Ours.Indication);
        Assert.All(judged.Ours.Signatures, s => Assert.Equal(Indication.TOTAL_FAILED, s.Indication));
        Assert.All(judged.Ours.Signatures, s => Assert.False(s.DigestOk));

        // The flip is inside what pdfsig checks, so it must have seen it too (else the tampering missed).
        Assert.Contains(judged.PdfSig, v => v.Integrity == IntegrityVerdict.Invalid);
    }

    [Theory]
    [MemberData(nameof(ForeignFiles.Names), MemberType = typeof(ForeignFiles))]
    public void An_appended_update_that_changes_the_page_fails_the_file(string name)
    {
        var judged = Judge(ForeignFiles.Named(name), ForeignPdfs.AppendContentChange(ForeignFiles.Get(name)), "page content changed by an appended update");

        Assert.Equal(Indication.TOTAL_FAILED, judged.Ours.Indication);
        Assert.All(judged.Ours.Signatures, s => Assert.Equal(Indication.TOTAL_FAILED, s.Indication));
        Assert.Contains(judged.Ours.Modifications, m => m.ObjectNumber == 4);
    }

    /// <summary>The side-by-side table of docs/foreign-signatures.md, printed and written to .dev/reports/.</summary>
    [Fact]
    public void Verdict_table_of_every_foreign_file_and_its_tampered_copies()
    {
        var table = new StringBuilder("| file | copy | # | ours | pdfsig | mutool |\n|---|---|---|---|---|---|\n");
        foreach (var file in ForeignFiles.All)
        {
            var signed = ForeignFiles.Get(file.Name);
            foreach (var (copy, pdf) in new[] { ("as signed", signed), ("byte flipped", ForeignPdfs.FlipSignedByte(signed)), ("page changed", ForeignPdfs.AppendContentChange(signed)) })
            {
                var judged = Judge(file, pdf, copy);
                for (var i = 0; i < judged.Ours.Signatures.Count; i++)
                {
                    var s = judged.Ours.Signatures[i];
                    var ours = s.SubIndication is null ? s.Indication.ToString() : $"{s.Indication}/{s.SubIndication}";
                    table.Append(System.Globalization.CultureInfo.InvariantCulture,
                        $"| {file.Name} | {copy} | {i + 1} | {ours} | {Words(judged.PdfSig, i)}{(judged.OpenSsl is null ? "" : $" (openssl cms: {Words(judged.OpenSsl, i)})")} | {Words(judged.Mutool, i)} |\n");
                }
            }
        }

        output.WriteLine(table.ToString());
        var reports = Path.Combine(RepoPaths.Dev, "reports");
        Directory.CreateDirectory(reports);
        File.WriteAllText(Path.Combine(reports, "foreign-signatures-table.md"), table.ToString());

        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "foreign-signatures.md"));
        Assert.All(ForeignFiles.All, f => Assert.Contains($"| {f.Name} |", doc, StringComparison.Ordinal));
    }

    private static string Words(IReadOnlyList<OutsideVerdict> verdicts, int i) =>
        i < verdicts.Count ? $"{verdicts[i].Integrity}: {verdicts[i].Words}" : "(not listed)";

    /// <summary>Runs the three judges and enforces the one rule that holds for every file: never laxer than an outside tool on integrity.</summary>
    private Judged Judge(ForeignFile file, byte[] pdf, string copy)
    {
        var ours = PdfSignatureVerifier.Verify(pdf, new VerificationPolicy { TrustAnchors = ForeignPki.Shared.TrustAnchors() });
        var thirdOpinion = file.PdfSigCannotVerify && copy == "as signed";
        var judged = new Judged(ours, OutsideVerdicts.PdfSig(pdf), OutsideVerdicts.Mutool(pdf), thirdOpinion ? OutsideVerdicts.OpenSslCms(pdf) : null);
        for (var i = 0; i < ours.Signatures.Count; i++)
        {
            var s = ours.Signatures[i];
            output.WriteLine($"{copy}, signature {i + 1} ({s.FieldName}, {s.SubFilter}): ours {s.Indication}/{s.SubIndication}; pdfsig {Words(judged.PdfSig, i)}; mutool {Words(judged.Mutool, i)}");
            foreach (var m in s.Modifications) output.WriteLine($"  change: revision {m.Revision}, object {m.ObjectNumber}, {m.Kind}: {m.Detail}");
        }

        Assert.Equal(ours.Signatures.Count, judged.PdfSig.Count);
        Assert.Equal(ours.Signatures.Count, judged.Mutool.Count);
        for (var i = 0; i < ours.Signatures.Count; i++)
        {
            var pdfSigInvalid = judged.PdfSig[i].Integrity == IntegrityVerdict.Invalid && judged.OpenSsl?[i].Integrity != IntegrityVerdict.Valid;
            if (pdfSigInvalid || judged.Mutool[i].Integrity == IntegrityVerdict.Invalid)
            {
                Assert.True(ours.Signatures[i].Indication != Indication.TOTAL_PASSED, $"{copy}: an outside tool finds signature {i + 1} invalid, and we passed it");
                Assert.NotEqual(Indication.TOTAL_PASSED, ours.Indication);
            }
        }

        return judged;
    }
}
