using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Signing.Pades.Appearance;
using Signing.Pades;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using static Signing.Validation.Tests.Modifications.AttackAssertions;

namespace Signing.Validation.Tests.Modifications.Attacks;

/// <summary>
/// USF (universal signature forgery, Mladenov et al. 2019): a signature whose /ByteRange or
/// /Contents is missing, malformed or garbage, so a lax viewer skips the check and shows it
/// valid. Each is a third signature "Forged" appended to our issued result over a visible widget.
/// Expected: "Forged" is TOTAL_FAILED (FORMAT_FAILURE, or DISALLOWED_MODIFICATION when its
/// range leaves bytes out), and because it does not pass, its field is a change no rule allows:
/// Head and AgencySeal are TOTAL_FAILED / DISALLOWED_MODIFICATION with ANNOTATION_ADDED.
/// </summary>
public sealed class UniversalSignatureForgeryTests
{
    private static TestPki Pki => TestPki.Shared;

    private static PreparedSignature PrepareForged() => PadesSigner.Prepare(SignedResults.HeadThenSeal, Pki.RequestFor(Pki.Seal) with
    {
        FieldName = "Forged",
        Placement = new SignaturePlacement(80, 600, 440, 120),
        Appearance = SignatureAppearance.TextOnly("Đã ký: hợp lệ"),
    });

    private static void AssertForgedFails(byte[] attacked, string subIndication, string? problem = null)
    {
        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.ANNOTATION_ADDED);
        var forged = report.Signatures.Single(s => s.FieldName == "Forged");
        Assert.Equal(Indication.TOTAL_FAILED, forged.Indication);
        Assert.Equal(subIndication, forged.SubIndication);
        if (problem is not null) Assert.Contains(problem, forged.ByteRange.Problem ?? "", StringComparison.Ordinal);
    }

    private static byte[] Replace(byte[] pdf, int at, string from, string to)
    {
        Assert.Equal(from.Length, to.Length);
        Assert.Equal(from, Encoding.Latin1.GetString(pdf, at, from.Length));
        var copy = (byte[])pdf.Clone();
        Encoding.ASCII.GetBytes(to).CopyTo(copy, at);
        return copy;
    }

    [Fact]
    public void A_zero_filled_contents_is_a_format_failure()
    {
        AssertForgedFails(PrepareForged().PreparedPdf, "FORMAT_FAILURE");
    }

    [Fact]
    public void Garbage_hex_in_the_contents_is_a_format_failure()
    {
        var prepared = PrepareForged();
        var bytes = (byte[])prepared.PreparedPdf.Clone();
        var garbage = Convert.ToHexString(RandomNumberGenerator.GetBytes(prepared.ContentsCapacityBytes));
        Encoding.ASCII.GetBytes(garbage).CopyTo(bytes, prepared.ByteRange[1] + 1);
        AssertForgedFails(bytes, "FORMAT_FAILURE");
    }

    [Fact]
    public void A_signature_without_contents_is_a_format_failure()
    {
        var prepared = PrepareForged();
        var at = (int)prepared.ByteRange[1] - "/Contents ".Length;
        AssertForgedFails(Replace(prepared.PreparedPdf, at, "/Contents ", "/Contentz "), "FORMAT_FAILURE", "no /Contents");
    }

    [Fact]
    public void A_signature_without_byte_range_is_a_format_failure()
    {
        var prepared = PrepareForged();
        var (at, _) = SignedResults.ByteRangeText(prepared);
        AssertForgedFails(Replace(prepared.PreparedPdf, at - "/ByteRange ".Length, "/ByteRange ", "/ByteRangz "), "FORMAT_FAILURE", "four numbers");
    }

    [Theory]
    [InlineData("one range")]
    [InlineData("three ranges")]
    [InlineData("not from 0")]
    [InlineData("past the end")]
    public void A_byte_range_that_is_not_two_ascending_ranges_is_a_format_failure(string shape)
    {
        var prepared = PrepareForged();
        var r = prepared.ByteRange;
        var (text, signed) = shape switch
        {
            "one range" => (Invariant($"[0 {r[1]}]"), new[] { 0, r[1] }),
            "three ranges" => (Invariant($"[0 {r[1]} {r[2]} {r[3] - 10} {r[2] + r[3] - 10} 10]"), new[] { 0, r[1], r[2], r[3] - 10, r[2] + r[3] - 10, 10 }),
            "not from 0" => (Invariant($"[1 {r[1] - 1} {r[2]} {r[3]}]"), new[] { 1, r[1] - 1, r[2], r[3] }),
            _ => (Invariant($"[0 {r[1]} {r[2]} {r[3] + 100}]"), new[] { 0, r[1], r[2], r[3] }),
        };
        AssertForgedFails(SignedResults.SignOver(prepared, Pki.Seal, text, signed), "FORMAT_FAILURE");
    }

    [Fact]
    public void A_gap_wider_than_the_contents_string_is_a_format_failure()
    {
        // The signed value is valid over what the range names; the gap also hides "/Contents".
        var prepared = PrepareForged();
        var r = prepared.ByteRange;
        var start = r[1] - "/Contents ".Length;
        AssertForgedFails(SignedResults.SignOver(prepared, Pki.Seal, Invariant($"[0 {start} {r[2]} {r[3]}]"), [0, start, r[2], r[3]]), "FORMAT_FAILURE", "not this signature's /Contents");
    }

    [Fact]
    public void A_valid_signature_whose_range_stops_before_its_eof_leaves_bytes_unsigned()
    {
        var prepared = PrepareForged();
        var r = prepared.ByteRange;
        var signed = SignedResults.SignOver(prepared, Pki.Seal, Invariant($"[0 {r[1]} {r[2]} {r[3] - 20}]"), [0, r[1], r[2], r[3] - 20]);

        var report = AssertSignaturesFailAsModified(signed, ModificationKind.ANNOTATION_ADDED);
        var forged = report.Signatures.Single(s => s.FieldName == "Forged");
        Assert.True(forged.DigestOk && forged.SignatureOk);
        Assert.Equal(Indication.TOTAL_FAILED, forged.Indication);
        Assert.Equal(PdfSignatureVerifier.DisallowedModification, forged.SubIndication);
        Assert.Contains(forged.Modifications, m => m.Kind == ModificationKind.UNCOVERED_BYTES);
    }

    [Fact]
    public void Shortening_the_seals_own_byte_range_in_place_is_a_hash_failure_and_fails_the_head()
    {
        var file = PdfFile.Parse(SignedResults.HeadThenSeal);
        var seal = file.ResolveDictionary(file.ResolveDictionary(SignedResults.FieldNamed(file, "AgencySeal"))!["V"])!;
        var numbers = ((PdfArray)seal["ByteRange"]!).Items.Select(i => ((PdfNumber)i).AsLong()).ToArray();
        var text = Encoding.Latin1.GetString(SignedResults.HeadThenSeal);
        var original = Invariant($"{numbers[2]} {numbers[3]}]");
        var at = text.LastIndexOf(original, StringComparison.Ordinal);
        var shorter = Invariant($"{numbers[2]} {numbers[3] - 7}").PadRight(original.Length - 1) + "]";
        var attacked = Replace(SignedResults.HeadThenSeal, at, original, shorter);

        var report = AssertSignaturesFailAsModified(attacked, ModificationKind.ANNOTATION_ADDED, "Head");
        Assert.Equal(Indication.TOTAL_FAILED, report.Signatures.Single(s => s.FieldName == "AgencySeal").Indication);
        Assert.Equal("HASH_FAILURE", report.Signatures.Single(s => s.FieldName == "AgencySeal").SubIndication);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
