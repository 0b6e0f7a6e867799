using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

using Signing.PdfSyntax;

namespace Signing.Pdf.PdfA;

/// <summary>
/// Final pass over a file PDFsharp has just written (classic xref table, one revision): replaces
/// whole objects and rebuilds the xref with new offsets. Used for what PDFsharp does not let us
/// control: its own XMP packet (no pdfaid, random InstanceID) and its random font subset tags.
/// Only ever applied to our own freshly written output, never to untrusted files.
/// </summary>
internal static partial class PdfFileRewriter
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    public sealed record PdfObject(int Number, byte[] Bytes)
    {
        /// <summary>The object's dictionary text (everything before its stream data), Latin-1 decoded.</summary>
        public string Head
        {
            get
            {
                var text = Latin1.GetString(Bytes);
                var s = text.IndexOf("stream", StringComparison.Ordinal);
                return s < 0 ? text : text[..s];
            }
        }
    }

    public sealed record ParsedFile(byte[] Header, List<PdfObject> Objects, string Trailer, int Size);

    /// <summary>Splits the file into its objects' bytes, found through the one PDF reader's cross-reference table.</summary>
    public static ParsedFile Parse(byte[] pdf)
    {
        var parsed = PdfFile.Parse(pdf);
        if (parsed.Sections is not [{ IsStream: false }]) throw new InvalidOperationException("PDFsharp output is not one revision with a classic xref table");
        var xrefOffset = (int)parsed.StartXref;
        var rest = Latin1.GetString(pdf, xrefOffset, pdf.Length - xrefOffset);
        var trailerAt = rest.IndexOf("trailer", StringComparison.Ordinal);
        var startxrefAt = rest.LastIndexOf("startxref", StringComparison.Ordinal);
        if (trailerAt < 0 || startxrefAt < trailerAt) throw new InvalidOperationException("PDFsharp output has no trailer");

        var entries = parsed.Xref.Where(e => e.Value.IsInUse).Select(e => (Number: e.Key, Offset: (int)e.Value.Offset)).OrderBy(e => e.Offset).ToList();
        var objects = new List<PdfObject>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var end = i + 1 < entries.Count ? entries[i + 1].Offset : xrefOffset;
            objects.Add(new PdfObject(entries[i].Number, pdf[entries[i].Offset..end]));
        }

        var header = pdf[..(entries.Count > 0 ? entries[0].Offset : xrefOffset)];
        return new ParsedFile(header, objects, rest[trailerAt..startxrefAt], parsed.Size);
    }

    public static byte[] Write(ParsedFile file)
    {
        using var ms = new MemoryStream();
        ms.Write(file.Header);
        var offsets = new SortedDictionary<int, long>();
        foreach (var o in file.Objects)
        {
            offsets[o.Number] = ms.Position;
            ms.Write(o.Bytes);
        }

        var xref = ms.Position;
        var sb = new StringBuilder();
        XrefTable.AppendComplete(sb, file.Size, n => offsets.TryGetValue(n, out var offset) ? offset : null);
        sb.Append(file.Trailer);
        sb.Append(CultureInfo.InvariantCulture, $"startxref\n{xref}\n%%EOF\n");
        ms.Write(Latin1.GetBytes(sb.ToString()));
        return ms.ToArray();
    }

    /// <summary>An object with a new uncompressed stream (the XMP packet must stay readable as text).</summary>
    public static byte[] StreamObject(int number, string dictionaryEntries, byte[] data)
    {
        var head = Latin1.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{number} 0 obj\n<<{dictionaryEntries}/Length {data.Length}>>\nstream\n"));
        var tail = Latin1.GetBytes("\nendstream\nendobj\n");
        return [.. head, .. data, .. tail];
    }

    /// <summary>The object number an indirect reference under <paramref name="key"/> points to.</summary>
    public static int Reference(string dictionary, string key)
    {
        var m = Regex.Match(dictionary, Regex.Escape(key) + @"\s*(\d+)\s+0\s+R");
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"PDFsharp output lacks {key}");
    }

    /// <summary>A literal string value (PDFsharp writes Info values as literal strings), unescaped.</summary>
    public static string? LiteralString(string dictionary, string key)
    {
        var m = Regex.Match(dictionary, Regex.Escape(key) + @"\((?<v>(?:\\.|[^\\)])*)\)");
        return m.Success ? Regex.Replace(m.Groups["v"].Value, @"\\(.)", "$1") : null;
    }

    /// <summary>
    /// Replaces PDFsharp's random six-letter subset tags with tags derived from the document ID and
    /// the font name, so the same input gives the same bytes. Tags keep their length (PDF 9.6.4).
    /// </summary>
    public static void DeterministicSubsetTags(ParsedFile file, ReadOnlySpan<byte> documentId)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in file.Objects)
        {
            foreach (Match m in SubsetTag().Matches(o.Head))
            {
                var old = m.Groups[1].Value;
                if (tags.ContainsKey(old)) continue;
                var hash = SHA256.HashData([.. documentId, .. Encoding.ASCII.GetBytes(m.Groups[2].Value)]);
                tags[old] = new string(hash.Take(6).Select(b => (char)('A' + b % 26)).ToArray());
            }
        }

        for (var i = 0; i < file.Objects.Count; i++)
        {
            var o = file.Objects[i];
            var head = o.Head;
            if (!SubsetTag().IsMatch(head)) continue;
            var newHead = SubsetTag().Replace(head, m => "/" + tags[m.Groups[1].Value] + "+" + m.Groups[2].Value);
            var bytes = (byte[])o.Bytes.Clone();
            Latin1.GetBytes(newHead).CopyTo(bytes, 0); // same length: only tag letters changed
            file.Objects[i] = o with { Bytes = bytes };
        }
    }

    /// <summary>Removes an exact entry from every stream-less object whose dictionary contains <paramref name="marker"/>.</summary>
    public static void RemoveFromDictionaries(ParsedFile file, string marker, string entry)
    {
        for (var i = 0; i < file.Objects.Count; i++)
        {
            var text = Latin1.GetString(file.Objects[i].Bytes);
            if (text.Contains("stream", StringComparison.Ordinal) || !text.Contains(marker, StringComparison.Ordinal) || !text.Contains(entry, StringComparison.Ordinal)) continue;
            file.Objects[i] = file.Objects[i] with { Bytes = Latin1.GetBytes(text.Replace(entry, "", StringComparison.Ordinal)) };
        }
    }

    [GeneratedRegex(@"/([A-Z]{6})\+([A-Za-z0-9#,\-]+)")]
    private static partial Regex SubsetTag();
}
