using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Signing.Pdf.PdfA;

/// <summary>One Liberation Serif face as ready-made PDF objects: the subset font program, its widths and ToUnicode map.</summary>
internal sealed record SharedFace(
    string BaseFont,
    string DescriptorEntries,
    string Widths,
    byte[] FontFileDeflated,
    int FontFileLength,
    byte[] ToUnicodeDeflated);

/// <summary>
/// Subsetting the fonts was most of PDFsharp's save time, and it was redone for every result. Here
/// PDFsharp subsets each face once per process for the whole Vietnamese repertoire (Latin-1, the
/// Vietnamese letters, common punctuation); every result whose text stays inside that repertoire
/// embeds these shared subsets. Glyph ids are the original font's, as in PDFsharp's own subsets,
/// so content streams drawn by PDFsharp refer to the same glyphs. Text outside the repertoire
/// falls back to PDFsharp's per-document subsetting.
/// </summary>
internal static partial class SharedFontSubsets
{
    /// <summary>PDFsharp's names for the four faces (its BaseFont without the subset tag).</summary>
    public static readonly string[] FaceNames = ["Liberation Serif", "Liberation Serif,Bold", "Liberation Serif,Italic", "Liberation Serif,BoldItalic"];

    private static readonly Lazy<Built> Shared = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed record Built(bool[] Covered, Dictionary<string, SharedFace> Faces, string Producer);

    /// <summary>Builds the shared subsets now (once per process) rather than in the middle of a page's drawing.</summary>
    public static void EnsureBuilt() => _ = Shared.Value;

    /// <summary>True when every character of <paramref name="text"/> has a glyph of its own in every shared face.</summary>
    public static bool Covers(string text)
    {
        var covered = Shared.Value.Covered;
        foreach (var ch in text)
        {
            if (!covered[ch]) return false;
        }

        return true;
    }

    /// <summary>The shared face for PDFsharp's font name (without subset tag), or null for a face it does not know.</summary>
    public static SharedFace? Face(string pdfSharpName) => Shared.Value.Faces.GetValueOrDefault(pdfSharpName);

    /// <summary>The /Producer PDFsharp writes, so a file written here names the same producer as one it saved.</summary>
    public static string Producer => Shared.Value.Producer;

    /// <summary>
    /// The characters the shared subsets are built for (before dropping any without a glyph of their
    /// own): ASCII, the Vietnamese letters and the punctuation and signs official documents use. Kept
    /// tight because every glyph adds to every file; other text takes the per-document path.
    /// </summary>
    public static IEnumerable<char> Repertoire()
    {
        for (var c = 0x20; c <= 0x7E; c++) yield return (char)c;
        foreach (var c in "\u00A0ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư§°±×«»·²³") yield return c;
        for (var c = 0x1EA0; c <= 0x1EF9; c++) yield return (char)c;
        foreach (var c in "–—‘’“”…•‰₫€№") yield return c;
    }

    private static Built Build()
    {
        Rendering.PdfSharpRuntime.EnsureInitialized();
        var repertoire = Repertoire().ToArray();
        byte[] pdf;
        using (var doc = new PdfDocument())
        {
            doc.Options.NoCompression = true;
            doc.Options.CompressContentStreams = false;
            var page = doc.AddPage();
            using (var g = XGraphics.FromPdfPage(page))
            {
                var options = new XPdfFontOptions(PdfFontEncoding.Unicode);
                var styles = new[] { XFontStyleEx.Regular, XFontStyleEx.Bold, XFontStyleEx.Italic, XFontStyleEx.BoldItalic };
                var y = 20.0;
                foreach (var style in styles)
                {
                    var font = new XFont(Rendering.LiberationSerifResolver.Family, 10, style, options);
                    for (var i = 0; i < repertoire.Length; i += 40)
                    {
                        g.DrawString(new string(repertoire.AsSpan(i, Math.Min(40, repertoire.Length - i))), font, XBrushes.Black, 10, y, XStringFormats.BaseLineLeft);
                        y += 2;
                    }
                }
            }

            using var ms = new MemoryStream();
            doc.Save(ms, closeStream: false);
            pdf = ms.ToArray();
        }

        var file = PdfFileRewriter.Parse(pdf);
        var byNumber = file.Objects.ToDictionary(o => o.Number);
        var infoHead = byNumber[PdfFileRewriter.Reference(file.Trailer, "/Info")].Head;
        var producer = PdfFileRewriter.LiteralString(infoHead, "/Producer") ?? throw new InvalidOperationException("PDFsharp wrote no /Producer");

        var faces = new Dictionary<string, SharedFace>(StringComparer.Ordinal);
        HashSet<char>? everywhere = null;
        foreach (var type0 in file.Objects.Where(o => o.Head.Contains("/Subtype/Type0", StringComparison.Ordinal)))
        {
            var head = type0.Head;
            var name = UntaggedName(FontName().Match(head).Groups[1].Value);
            var toUnicode = StreamData(byNumber[PdfFileRewriter.Reference(head, "/ToUnicode")]);
            var cid = byNumber[int.Parse(DescendantFont().Match(head).Groups[1].Value, CultureInfo.InvariantCulture)].Head;
            var widths = WidthsArray().Match(cid);
            var descriptor = byNumber[PdfFileRewriter.Reference(cid, "/FontDescriptor")].Head;
            var fontFile = StreamData(byNumber[PdfFileRewriter.Reference(descriptor, "/FontFile2")]);
            if (!widths.Success) throw new InvalidOperationException($"PDFsharp wrote no /W for {name}");
            var used = WidthEntry().Matches(widths.Groups[1].Value).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToHashSet();
            ClearUnusedMetrics(fontFile, used);

            // The descriptor's own entries minus the ones written per file (name, font program reference).
            var entries = descriptor[(descriptor.IndexOf("<<", StringComparison.Ordinal) + 2)..descriptor.LastIndexOf(">>", StringComparison.Ordinal)];
            entries = DescriptorPerFileEntries().Replace(entries, "");

            // A subset tag derived from the subset itself: same subset, same tag, in every file.
            var hash = SHA256.HashData(fontFile);
            var tag = new string(hash.Take(6).Select(b => (char)('A' + b % 26)).ToArray());
            faces[name] = new SharedFace(tag + "+" + name, entries, widths.Groups[1].Value, PdfAMetadata.Deflate(fontFile, CompressionLevel.SmallestSize), fontFile.Length, PdfAMetadata.Deflate(toUnicode, CompressionLevel.SmallestSize));

            var mapped = MappedCharacters(Encoding.Latin1.GetString(toUnicode));
            if (everywhere is null) everywhere = mapped;
            else everywhere.IntersectWith(mapped);
        }

        if (faces.Count != FaceNames.Length || FaceNames.Any(n => !faces.ContainsKey(n)))
        {
            throw new InvalidOperationException("PDFsharp did not produce the four Liberation Serif faces: " + string.Join(", ", faces.Keys));
        }

        // A character is shared only if it has a glyph to itself in every face: a glyph the ToUnicode
        // map gives to another character (or .notdef) would read back wrong, so it goes the slow way.
        var covered = new bool[char.MaxValue + 1];
        foreach (var c in repertoire)
        {
            if (everywhere!.Contains(c)) covered[c] = true;
        }

        return new Built(covered, faces, producer);
    }

    /// <summary>
    /// PDFsharp's subsets keep the whole horizontal-metrics table (about 10 KB of hard-to-compress
    /// numbers per face) although only the subset's glyphs are ever drawn. The metrics of glyphs that
    /// are neither drawn (not in /W) nor have an outline (a component of a drawn glyph) are set to
    /// zero in place, then the table and font checksums are recomputed. Viewers take widths from /W.
    /// </summary>
    private static void ClearUnusedMetrics(byte[] font, HashSet<int> drawn)
    {
        static int U16(byte[] b, int at) => (b[at] << 8) | b[at + 1];
        static uint U32(byte[] b, int at) => ((uint)b[at] << 24) | ((uint)b[at + 1] << 16) | ((uint)b[at + 2] << 8) | b[at + 3];
        static void Put32(byte[] b, int at, uint v) { b[at] = (byte)(v >> 24); b[at + 1] = (byte)(v >> 16); b[at + 2] = (byte)(v >> 8); b[at + 3] = (byte)v; }
        static uint Checksum(byte[] b, int at, int length)
        {
            uint sum = 0;
            for (var i = 0; i < length; i += 4)
            {
                uint word = 0;
                for (var k = 0; k < 4; k++) word = (word << 8) | (i + k < length ? b[at + i + k] : 0u);
                sum += word;
            }

            return sum;
        }

        var tables = new Dictionary<string, (int Entry, int Offset, int Length)>(StringComparer.Ordinal);
        for (var i = 0; i < U16(font, 4); i++)
        {
            var entry = 12 + (16 * i);
            tables[Encoding.ASCII.GetString(font, entry, 4)] = (entry, (int)U32(font, entry + 8), (int)U32(font, entry + 12));
        }

        if (!tables.TryGetValue("head", out var head) || !tables.TryGetValue("hhea", out var hhea) || !tables.TryGetValue("hmtx", out var hmtx) || !tables.TryGetValue("loca", out var loca))
        {
            throw new InvalidOperationException("PDFsharp's font subset lacks head, hhea, hmtx or loca");
        }

        var longLoca = U16(font, head.Offset + 50) == 1;
        var glyphs = (loca.Length / (longLoca ? 4 : 2)) - 1;
        var longMetrics = U16(font, hhea.Offset + 34);
        if (longMetrics > glyphs || hmtx.Length < (4 * longMetrics) + (2 * (glyphs - longMetrics)))
        {
            throw new InvalidOperationException("PDFsharp's font subset has inconsistent hmtx and loca tables");
        }

        long Location(int glyph) => longLoca ? U32(font, loca.Offset + (4 * glyph)) : 2L * U16(font, loca.Offset + (2 * glyph));
        for (var g = 1; g < glyphs; g++)
        {
            if (drawn.Contains(g) || Location(g) != Location(g + 1)) continue;
            if (g < longMetrics) Array.Clear(font, hmtx.Offset + (4 * g), 4);
            else Array.Clear(font, hmtx.Offset + (4 * longMetrics) + (2 * (g - longMetrics)), 2);
        }

        Put32(font, hmtx.Entry + 4, Checksum(font, hmtx.Offset, hmtx.Length));
        Put32(font, head.Offset + 8, 0);
        Put32(font, head.Offset + 8, 0xB1B0AFBA - Checksum(font, 0, font.Length));
    }

    private static string UntaggedName(string pdfName)
    {
        var name = pdfName.Replace("#20", " ", StringComparison.Ordinal);
        var plus = name.IndexOf('+', StringComparison.Ordinal);
        return plus == 6 ? name[7..] : name;
    }

    /// <summary>PDFsharp's BaseFont name of a font dictionary, without its subset tag.</summary>
    public static string UntaggedBaseFont(string pdfSharpBaseFont) => UntaggedName(pdfSharpBaseFont.TrimStart('/'));

    /// <summary>Characters a ToUnicode CMap maps some glyph to (bfchar entries and bfrange runs).</summary>
    private static HashSet<char> MappedCharacters(string cmap)
    {
        var result = new HashSet<char>();
        var inChar = false;
        var inRange = false;
        foreach (var raw in cmap.Split('\n'))
        {
            var line = raw.Trim();
            if (line.EndsWith("beginbfchar", StringComparison.Ordinal)) { inChar = true; continue; }
            if (line.EndsWith("beginbfrange", StringComparison.Ordinal)) { inRange = true; continue; }
            if (line == "endbfchar") { inChar = false; continue; }
            if (line == "endbfrange") { inRange = false; continue; }
            var hex = HexToken().Matches(line).Select(m => int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToList();
            if (inChar && hex.Count == 2) result.Add((char)hex[1]);
            else if (inRange && hex.Count == 3)
            {
                for (var g = hex[0]; g <= hex[1]; g++) result.Add((char)(hex[2] + g - hex[0]));
            }
        }

        return result;
    }

    /// <summary>The raw data of a stream object PDFsharp wrote without compression.</summary>
    private static byte[] StreamData(PdfFileRewriter.PdfObject o)
    {
        var head = o.Head;
        if (head.Contains("/Filter", StringComparison.Ordinal)) throw new InvalidOperationException("expected an uncompressed stream from PDFsharp");
        var length = int.Parse(StreamLength().Match(head).Groups[1].Value, CultureInfo.InvariantCulture);
        var start = head.Length + "stream".Length;
        if (o.Bytes[start] == '\r') start++;
        if (o.Bytes[start] == '\n') start++;
        return o.Bytes[start..(start + length)];
    }

    [GeneratedRegex(@"/BaseFont/(\S+?)(?=[/>\[])")]
    private static partial Regex FontName();

    [GeneratedRegex(@"/DescendantFonts\s*\[\s*(\d+)\s+0\s+R")]
    private static partial Regex DescendantFont();

    [GeneratedRegex(@"/W\s*(\[(?:[^\[\]]|\[[^\[\]]*\])*\])")]
    private static partial Regex WidthsArray();

    [GeneratedRegex(@"/(?:FontName/[^/>\s]+|FontFile2\s+\d+\s+0\s+R|Type/FontDescriptor)")]
    private static partial Regex DescriptorPerFileEntries();

    [GeneratedRegex(@"(\d+)\s*\[")]
    private static partial Regex WidthEntry();

    [GeneratedRegex(@"/Length\s+(\d+)")]
    private static partial Regex StreamLength();

    [GeneratedRegex(@"<([0-9A-Fa-f]+)>")]
    private static partial Regex HexToken();
}
