using System.Globalization;
using System.Text;

namespace Signing.PdfSyntax;

/// <summary>
/// Classic cross-reference tables (ISO 32000-1 §7.5.4), the one writer of them for whole files and
/// incremental updates alike. Entries are exactly 20 bytes, ending in CR LF.
/// </summary>
public static class XrefTable
{
    /// <summary>
    /// The table of a file written from scratch: one subsection 0..<paramref name="size"/>-1, object 0
    /// the head of the free list, and every number without an offset free.
    /// </summary>
    public static void AppendComplete(StringBuilder sb, int size, Func<int, long?> offsetOf)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(offsetOf);
        sb.Append(CultureInfo.InvariantCulture, $"xref\n0 {size}\n0000000000 65535 f\r\n");
        for (var n = 1; n < size; n++)
        {
            if (offsetOf(n) is { } offset) InUse(sb, offset, 0);
            else sb.Append("0000000000 00000 f\r\n");
        }
    }

    /// <summary>The table of an incremental update: one subsection per run of consecutive object numbers in <paramref name="offsets"/>.</summary>
    public static void AppendUpdate(StringBuilder sb, SortedDictionary<int, long> offsets, Func<int, int> generationOf)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(generationOf);
        sb.Append("xref\n");
        foreach (var (start, count) in Runs(offsets.Keys))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{start} {count}\n");
            for (var n = start; n < start + count; n++) InUse(sb, offsets[n], generationOf(n));
        }
    }

    /// <summary>Consecutive runs (start, count) of ascending numbers: the subsections of a table, or a cross-reference stream's /Index.</summary>
    public static IEnumerable<(int Start, int Count)> Runs(IEnumerable<int> ascending)
    {
        ArgumentNullException.ThrowIfNull(ascending);
        int? start = null;
        var count = 0;
        foreach (var n in ascending)
        {
            if (start is { } s && n == s + count)
            {
                count++;
                continue;
            }

            if (start is { } previous) yield return (previous, count);
            start = n;
            count = 1;
        }

        if (start is { } last) yield return (last, count);
    }

    private static void InUse(StringBuilder sb, long offset, int generation) =>
        sb.Append(CultureInfo.InvariantCulture, $"{offset:D10} {generation:D5} n\r\n");
}
