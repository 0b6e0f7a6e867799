using System.Collections.Concurrent;
using System.Text;

namespace Signing.PdfSyntax;

/// <summary>
/// One shared <see cref="PdfName"/> per name without #-escapes: every file repeats /Type, /Font,
/// /Length and the like thousands of times. Bounded in count and length, so hostile files cannot
/// grow it; names beyond the bounds are made afresh.
/// </summary>
internal static class PdfNames
{
    private const int MaxEntries = 4096;
    private const int MaxLength = 64;
    private static readonly ConcurrentDictionary<string, PdfName> Known = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, PdfName>.AlternateLookup<ReadOnlySpan<char>> ByChars = Known.GetAlternateLookup<ReadOnlySpan<char>>();
    private static int _count;

    /// <summary>The name whose bytes (each one character, as the parser reads names) are <paramref name="bytes"/>.</summary>
    public static PdfName Get(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength) return new PdfName(Encoding.Latin1.GetString(bytes));
        Span<char> chars = stackalloc char[bytes.Length];
        Encoding.Latin1.GetChars(bytes, chars);
        if (ByChars.TryGetValue(chars, out var known)) return known;
        var name = new PdfName(new string(chars));
        if (Volatile.Read(ref _count) < MaxEntries && Known.TryAdd(name.Value, name)) Interlocked.Increment(ref _count);
        return name;
    }
}
