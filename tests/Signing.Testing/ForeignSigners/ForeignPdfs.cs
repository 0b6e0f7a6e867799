using System.Globalization;
using System.Text;

namespace Signing.Testing.ForeignSigners;

/// <summary>
/// The unsigned inputs of the foreign signers and the placeholder they sign into, written byte by
/// byte here (not by our PDF writer or signer), and the two tamperings every signed file gets.
/// </summary>
public static class ForeignPdfs
{
    /// <summary>Text on the page, inside every signature's signed range; the byte-flip tampering changes it.</summary>
    public const string PageText = "Quyet dinh so 42: foreign signers";

    /// <summary>The object number of the empty signature field in <see cref="WithEmptySignatureField"/> (mutool signs fields by number).</summary>
    public const int EmptyFieldObject = 6;

    private const int ContentsBytes = 16384;
    private const string ByteRangePlaceholder = "[0 0000000000 0000000000 0000000000]";

    private static string Content => $"BT /F1 20 Tf 72 720 Td ({PageText}) Tj ET";

    /// <summary>One page of text, no form.</summary>
    public static byte[] Plain() => HandWrittenPdf.Minimal(
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        Stream(Content),
        "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>");

    /// <summary>One page with an unsigned signature field (object <see cref="EmptyFieldObject"/>), the input `mutool sign` needs.</summary>
    public static byte[] WithEmptySignatureField() => HandWrittenPdf.Minimal(
        "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[6 0 R]/SigFlags 3>>>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>/Annots[6 0 R]>>",
        Stream(Content),
        "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        "<</FT/Sig/T(Signature1)/Type/Annot/Subtype/Widget/Rect[0 0 0 0]/F 132/P 3 0 R>>");

    /// <summary>
    /// A one-revision PDF whose signature field already holds a signature dictionary with a zeroed
    /// /Contents of 16 KiB and the final /ByteRange: what a placeholder tool (like @signpdf's
    /// helpers) hands to an external CMS signer. <paramref name="signedBytes"/> is what the CMS must cover.
    /// </summary>
    public static byte[] WithPlaceholder(string subFilter, out long[] byteRange, out byte[] signedBytes)
    {
        var zeros = new string('0', ContentsBytes * 2);
        var pdf = HandWrittenPdf.Minimal(
            "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[6 0 R]/SigFlags 3>>>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>/Annots[6 0 R]>>",
            Stream(Content),
            "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
            "<</FT/Sig/T(Signature1)/Type/Annot/Subtype/Widget/Rect[0 0 0 0]/F 132/P 3 0 R/V 7 0 R>>",
            $"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/{subFilter}/M(D:20261201120000Z)/ByteRange{ByteRangePlaceholder}/Contents<{zeros}>>>");
        var text = Encoding.Latin1.GetString(pdf);
        var rangeAt = text.IndexOf(ByteRangePlaceholder, StringComparison.Ordinal);
        var contentsAt = text.IndexOf("/Contents<" + zeros, StringComparison.Ordinal) + "/Contents".Length;
        var afterContents = contentsAt + zeros.Length + 2;
        byteRange = [0, contentsAt, afterContents, pdf.Length - afterContents];
        var filled = string.Create(CultureInfo.InvariantCulture, $"[0 {byteRange[1],10} {byteRange[2],10} {byteRange[3],10}]");
        Encoding.Latin1.GetBytes(filled).CopyTo(pdf, rangeAt);
        signedBytes = [.. pdf.AsSpan(0, contentsAt), .. pdf.AsSpan(afterContents)];
        return pdf;
    }

    /// <summary>Writes <paramref name="cms"/> as hex into the zeroed /Contents of a <see cref="WithPlaceholder"/> file.</summary>
    public static byte[] Embed(byte[] prepared, long[] byteRange, byte[] cms)
    {
        var hex = Encoding.Latin1.GetBytes(Convert.ToHexString(cms));
        if (hex.Length > byteRange[2] - byteRange[1] - 2) throw new InvalidOperationException("the CMS does not fit the placeholder");
        var pdf = (byte[])prepared.Clone();
        hex.CopyTo(pdf, byteRange[1] + 1);
        return pdf;
    }

    /// <summary>A copy with one letter of <see cref="PageText"/> changed (inside every signed range).</summary>
    public static byte[] FlipSignedByte(byte[] pdf)
    {
        var at = pdf.AsSpan().IndexOf(Encoding.Latin1.GetBytes(PageText));
        if (at < 0) throw new InvalidOperationException("the page text is not in the file");
        var copy = (byte[])pdf.Clone();
        copy[at + PageText.IndexOf('f', StringComparison.Ordinal)] ^= 0x20; // 'f' -> 'F'
        return copy;
    }

    /// <summary>
    /// A copy with one more incremental update that redefines the page's content stream (object 4):
    /// the page then shows other text while every signed byte stays as signed.
    /// </summary>
    public static byte[] AppendContentChange(byte[] pdf) =>
        AppendUpdate(pdf, (4, Stream("BT /F1 20 Tf 72 720 Td (Quyet dinh so 43: changed after signing) Tj ET")));

    /// <summary>A copy with one more incremental update (classic xref section, /Prev to the last one) that (re)defines <paramref name="objects"/>.</summary>
    public static byte[] AppendUpdate(byte[] pdf, params (int Number, string Body)[] objects)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(objects);
        var text = Encoding.Latin1.GetString(pdf);
        var prev = long.Parse(LastMatch(text, @"startxref\s+(\d+)"), CultureInfo.InvariantCulture);
        var size = System.Text.RegularExpressions.Regex.Matches(text, @"/Size\s+(\d+)").Max(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        size = Math.Max(size, objects.Max(o => o.Number) + 1);
        var root = LastMatch(text, @"/Root\s+(\d+\s+\d+)\s+R");
        var sb = new StringBuilder(text.EndsWith('\n') ? "" : "\n");
        var offsets = new List<(int Number, long Offset)>();
        foreach (var (number, body) in objects)
        {
            offsets.Add((number, pdf.Length + sb.Length));
            sb.Append(CultureInfo.InvariantCulture, $"{number} 0 obj\n{body}\nendobj\n");
        }

        var xrefAt = pdf.Length + sb.Length;
        sb.Append("xref\n0 1\n0000000000 65535 f\r\n");
        foreach (var (number, offset) in offsets) sb.Append(CultureInfo.InvariantCulture, $"{number} 1\n{offset:D10} 00000 n\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"trailer\n<</Size {size}/Root {root} R/Prev {prev}>>\nstartxref\n{xrefAt}\n%%EOF\n");
        return [.. pdf, .. Encoding.Latin1.GetBytes(sb.ToString())];
    }

    /// <summary>A stream object's text (dictionary with /Length, the content as Latin-1).</summary>
    public static string Stream(string content) => $"<</Length {content.Length}>>\nstream\n{content}\nendstream";

    private static string LastMatch(string text, string pattern) =>
        System.Text.RegularExpressions.Regex.Matches(text, pattern).LastOrDefault()?.Groups[1].Value
        ?? throw new InvalidOperationException($"no {pattern} in the file");
}
