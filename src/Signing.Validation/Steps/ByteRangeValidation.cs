using Signing.PdfSyntax;

namespace Signing.Validation.Steps;

/// <summary>
/// ByteRange step: the ranges start at 0, lie ascending inside the file, and their gap is exactly
/// the signature dictionary's own /Contents hex string, so no signed byte can be shown twice or hidden.
/// </summary>
public static class ByteRangeValidation
{
    /// <summary>Starts at 0, two ascending ranges inside the file, and the gap is exactly this dictionary's /Contents string.</summary>
    public static ByteRangeCheck Check(PdfFile file, PdfReference? sigRef, PdfDictionary sig, out long[] br, out byte[]? contents) =>
        Check(file, sigRef is not null && file.Xref.TryGetValue(sigRef.ObjectNumber, out var e) ? e : null, sig, out br, out contents);

    internal static ByteRangeCheck Check(PdfFile file, XrefEntry? sigEntry, PdfDictionary sig, out long[] br, out byte[]? contents)
    {
        contents = null;
        br = (file.Resolve(sig["ByteRange"]) as PdfArray)?.Items.Select(i => (file.Resolve(i) as PdfNumber) is { IsInteger: true } n ? n.AsLong() : -1).ToArray() ?? [];
        if (br.Length != 4) return new ByteRangeCheck(br, false, "the ByteRange does not have four numbers");
        long len = file.Data.LongLength;
        if (br[0] != 0) return new ByteRangeCheck(br, false, "the ByteRange does not start at 0");
        if (br.Any(v => v < 0 || v > len) || br[1] <= 0 || br[2] <= br[1] || br[3] > len - br[2]) return new ByteRangeCheck(br, false, "the ByteRange ranges are not ascending inside the file");
        if (sig["Contents"] is not PdfString contentsString) return new ByteRangeCheck(br, false, "the signature has no /Contents string");
        if (sigEntry is not { IsInUse: true, InObjectStream: false } entry || entry.Offset >= br[1])
        {
            return new ByteRangeCheck(br, false, "the signature dictionary is not a plain object before its /Contents");
        }

        // The gap must be one hex string, the /Contents of this very object.
        if (file.Data.AsSpan((int)entry.Offset, (int)(br[1] - entry.Offset)).IndexOf("endobj"u8) >= 0 || file.Data[br[1]] != '<' || file.Data[br[2] - 1] != '>')
        {
            return new ByteRangeCheck(br, false, "the ByteRange gap is not this signature's /Contents");
        }

        var parser = new PdfObjectParser(file.Data, (int)br[1], (int)br[2], file.Limits.MaxNestingDepth);
        PdfObject gap;
        try
        {
            gap = parser.ReadObject();
        }
        catch (PdfFormatException)
        {
            return new ByteRangeCheck(br, false, "the ByteRange gap is not a hex string");
        }

        if (gap is not PdfString gapString || parser.Position != br[2] || !gapString.Bytes.AsSpan().SequenceEqual(contentsString.Bytes))
        {
            return new ByteRangeCheck(br, false, "the ByteRange gap is not this signature's /Contents");
        }

        contents = contentsString.Bytes;
        return new ByteRangeCheck(br, true, null);
    }
}
