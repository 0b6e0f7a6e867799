using System.Globalization;
using System.Text;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Advanced;

namespace Signing.Pdf.PdfA;

/// <summary>
/// Writes the final PDF/A-3b file in one pass from the pages PDFsharp has drawn: their content
/// streams and resources, the shared font subsets, and our own catalog, XMP, OutputIntent and
/// associated file. This replaces PDFsharp's save (per-document font subsetting was most of its
/// cost) and the re-parse that fixed its output afterwards. It returns null for a document it
/// cannot write exactly (text outside the shared fonts, resources other than fonts and graphics
/// states), which then goes through PDFsharp's save and <see cref="PdfAMetadata.Finish"/>.
/// </summary>
internal static partial class PdfAFileWriter
{
    private static readonly Lazy<byte[]> SrgbProfileDeflated = new(() => PdfAMetadata.Deflate(PdfAMetadata.SrgbProfile.Value));

    private sealed record PageParts(List<(string Name, int Face)> Fonts, List<(string Name, string Dictionary)> GraphicsStates, string? ProcSet, List<byte[]> Contents, string MediaBox);

    public static byte[]? TryWrite(PdfDocument doc, DocumentFacts facts, byte[] decisionJson)
    {
        var pages = new List<PageParts>(doc.PageCount);
        foreach (var page in doc.Pages)
        {
            var parts = Read(page);
            if (parts is null) return null;
            pages.Add(parts);
        }

        // Object numbers: the fixed document objects first, then fonts, graphics states and pages.
        const int Catalog = 1, Info = 2, Pages = 3, Metadata = 4, Intent = 5, Profile = 6, Spec = 7, Embedded = 8;
        var next = 9;
        var faceObject = new int[SharedFontSubsets.FaceNames.Length];
        foreach (var face in pages.SelectMany(p => p.Fonts).Select(f => f.Face).Distinct().Order())
        {
            faceObject[face] = next;
            next += 5;
        }

        var stateObject = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, dict) in pages.SelectMany(p => p.GraphicsStates))
        {
            if (!stateObject.ContainsKey(dict)) stateObject[dict] = next++;
        }

        var pageObject = new int[pages.Count];
        for (var i = 0; i < pages.Count; i++)
        {
            pageObject[i] = next;
            next += 1 + pages[i].Contents.Count;
        }

        var w = new Writer(next);
        w.Raw("%PDF-1.7\n%\u00D3\u00F4\u00CC\u00E1\n");
        var date = PdfAMetadata.PdfDate(facts.Created);

        w.Object(Catalog, $"<</Type/Catalog/Pages {Pages} 0 R/Metadata {Metadata} 0 R/OutputIntents[{Intent} 0 R]/AF[{Spec} 0 R]/Names<</EmbeddedFiles<</Names[({PdfAMetadata.EmbeddedFileName}){Spec} 0 R]>>>>>>");
        var producer = SharedFontSubsets.Producer;
        w.Object(Info, $"<</Title{Text(facts.Title)}/Author{Text(facts.Author)}/Subject{Text(facts.Subject)}/Keywords{Text(facts.Keywords)}/Creator{Text(facts.Creator)}/Producer{Text(producer)}/CreationDate({date})/ModDate({date})>>");
        var xmp = PdfAMetadata.Xmp(facts, producer, "uuid:" + new Guid(facts.DocumentId.AsSpan(0, 16)).ToString());
        w.Stream(Metadata, "/Type/Metadata/Subtype/XML", xmp);
        w.Object(Intent, $"<</Type/OutputIntent/S/GTS_PDFA1/OutputConditionIdentifier(sRGB IEC61966-2.1)/Info(sRGB IEC61966-2.1)/RegistryName(http://www.color.org)/DestOutputProfile {Profile} 0 R>>");
        w.Stream(Profile, "/N 3/Filter/FlateDecode", SrgbProfileDeflated.Value);
        w.Object(Spec, $"<</Type/Filespec/F({PdfAMetadata.EmbeddedFileName})/UF({PdfAMetadata.EmbeddedFileName})/Desc(Decision data \\(JSON\\) rendered in this result)/AFRelationship/Data/EF<</F {Embedded} 0 R/UF {Embedded} 0 R>>>>");
        w.Stream(Embedded, string.Create(CultureInfo.InvariantCulture, $"/Type/EmbeddedFile/Subtype/application#2Fjson/Params<</Size {decisionJson.Length}/ModDate({date})>>/Filter/FlateDecode"), PdfAMetadata.Deflate(decisionJson));

        for (var face = 0; face < faceObject.Length; face++)
        {
            var n = faceObject[face];
            if (n == 0) continue;
            var f = SharedFontSubsets.Face(SharedFontSubsets.FaceNames[face])!;
            var name = "/" + f.BaseFont.Replace(" ", "#20", StringComparison.Ordinal);
            w.Object(n, $"<</Type/Font/Subtype/Type0/BaseFont{name}/Encoding/Identity-H/DescendantFonts[{n + 1} 0 R]/ToUnicode {n + 4} 0 R>>");
            w.Object(n + 1, $"<</Type/Font/Subtype/CIDFontType2/BaseFont{name}/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>/CIDToGIDMap/Identity/FontDescriptor {n + 2} 0 R/W{f.Widths}>>");
            w.Object(n + 2, $"<</Type/FontDescriptor/FontName{name}{f.DescriptorEntries}/FontFile2 {n + 3} 0 R>>");
            w.Stream(n + 3, string.Create(CultureInfo.InvariantCulture, $"/Length1 {f.FontFileLength}/Filter/FlateDecode"), f.FontFileDeflated);
            w.Stream(n + 4, "/Filter/FlateDecode", f.ToUnicodeDeflated);
        }

        foreach (var (dict, n) in stateObject) w.Object(n, dict);

        var kids = new StringBuilder();
        for (var i = 0; i < pages.Count; i++)
        {
            var p = pages[i];
            var n = pageObject[i];
            kids.Append(CultureInfo.InvariantCulture, $"{n} 0 R ");
            var res = new StringBuilder("<<");
            if (p.GraphicsStates.Count > 0)
            {
                res.Append("/ExtGState<<");
                foreach (var (key, dict) in p.GraphicsStates) res.Append(CultureInfo.InvariantCulture, $"{key} {stateObject[dict]} 0 R");
                res.Append(">>");
            }

            res.Append("/Font<<");
            foreach (var (key, face) in p.Fonts) res.Append(CultureInfo.InvariantCulture, $"{key} {faceObject[face]} 0 R");
            res.Append(">>");
            if (p.ProcSet is not null) res.Append("/ProcSet").Append(p.ProcSet);
            res.Append(">>");
            var contents = p.Contents.Count == 1
                ? $"{n + 1} 0 R"
                : "[" + string.Join(' ', Enumerable.Range(n + 1, p.Contents.Count).Select(c => c.ToString(CultureInfo.InvariantCulture) + " 0 R")) + "]";
            w.Object(n, $"<</Type/Page/Parent {Pages} 0 R/MediaBox{p.MediaBox}/Resources{res}/Contents {contents}>>");
            for (var c = 0; c < p.Contents.Count; c++) w.Stream(n + 1 + c, "/Filter/FlateDecode", PdfAMetadata.Deflate(p.Contents[c]));
        }

        w.Object(Pages, string.Create(CultureInfo.InvariantCulture, $"<</Type/Pages/Count {pages.Count}/Kids[{kids.ToString().TrimEnd()}]>>"));
        var id = Convert.ToHexString(facts.DocumentId);
        return w.Finish($"/Root {Catalog} 0 R/Info {Info} 0 R/ID[<{id}><{id}>]");
    }

    /// <summary>What a page drew, or null when it uses something this writer does not write.</summary>
    private static PageParts? Read(PdfPage page)
    {
        var fonts = new List<(string, int)>();
        var states = new List<(string, string)>();
        string? procSet = null;
        foreach (var key in page.Resources.Elements.Keys)
        {
            var value = page.Resources.Elements[key];
            switch (key)
            {
                case "/Font":
                    if (value is not PdfDictionary fontDict) return null;
                    foreach (var name in fontDict.Elements.Keys)
                    {
                        if ((fontDict.Elements[name] as PdfReference)?.Value is not PdfDictionary font) return null;
                        var face = Array.IndexOf(SharedFontSubsets.FaceNames, SharedFontSubsets.UntaggedBaseFont(font.Elements.GetName("/BaseFont")));
                        if (face < 0) return null;
                        fonts.Add((name, face));
                    }

                    break;
                case "/ExtGState":
                    if (value is not PdfDictionary stateDict) return null;
                    foreach (var name in stateDict.Elements.Keys)
                    {
                        if ((stateDict.Elements[name] as PdfReference)?.Value is not PdfDictionary state) return null;
                        var text = SimpleDictionary(state);
                        if (text is null) return null;
                        states.Add((name, text));
                    }

                    break;
                case "/ProcSet":
                    // PDFsharp writes its fixed procedure set as a literal; an obsolete entry, kept as PDFsharp had it.
                    procSet = value switch
                    {
                        PdfLiteral literal when ProcSetLiteral().IsMatch(literal.Value) => literal.Value,
                        PdfArray names when names.Elements.All(e => e is PdfName) => "[" + string.Concat(names.Elements.Select(e => e.ToString())) + "]",
                        _ => null,
                    };
                    if (procSet is null) return null;
                    break;
                default:
                    return null;
            }
        }

        var contents = new List<byte[]>();
        foreach (var item in page.Contents.Elements)
        {
            var content = (item as PdfReference)?.Value as PdfDictionary ?? item as PdfDictionary;
            if (content?.Stream is null || content.Elements.ContainsKey("/Filter")) return null;
            contents.Add(content.Stream.Value);
        }

        var box = page.MediaBox;
        var mediaBox = string.Create(CultureInfo.InvariantCulture, $"[{box.X1:0.###} {box.Y1:0.###} {box.X2:0.###} {box.Y2:0.###}]");
        return new PageParts(fonts, states, procSet, contents, mediaBox);
    }

    /// <summary>A dictionary of names and numbers (a graphics state) as PDF text, or null if it holds anything else.</summary>
    private static string? SimpleDictionary(PdfDictionary dict)
    {
        var sb = new StringBuilder("<<");
        foreach (var key in dict.Elements.Keys)
        {
            var item = dict.Elements[key];
            string? text = item switch
            {
                PdfName n => n.ToString(),
                PdfInteger i => " " + i.Value.ToString(CultureInfo.InvariantCulture),
                PdfReal r => " " + r.Value.ToString("0.#####", CultureInfo.InvariantCulture),
                PdfBoolean b => b.Value ? " true" : " false",
                _ => null,
            };
            if (text is null) return null;
            sb.Append(key).Append(text);
        }

        return sb.Append(">>").ToString();
    }

    /// <summary>A PDF text string: literal for printable ASCII, otherwise UTF-16BE with a byte order mark.</summary>
    private static string Text(string s)
    {
        if (s.All(c => c is >= ' ' and <= '~'))
        {
            return "(" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal) + ")";
        }

        return "<FEFF" + Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(s)) + ">";
    }

    /// <summary>
    /// Collects numbered objects as byte segments (shared font and profile bytes are referenced, not
    /// copied), then copies them once into an array of the exact final size: growing a stream
    /// through the large-object heap for every result cost more than writing it.
    /// </summary>
    private sealed class Writer(int size)
    {
        private readonly List<byte[]> _parts = new(4 * size);
        private readonly long[] _offsets = new long[size];
        private long _position;

        public void Raw(string latin1) => Add(Encoding.Latin1.GetBytes(latin1));

        private void Add(byte[] bytes)
        {
            _parts.Add(bytes);
            _position += bytes.Length;
        }

        public void Object(int number, string body)
        {
            _offsets[number] = _position;
            Raw(string.Create(CultureInfo.InvariantCulture, $"{number} 0 obj\n{body}\nendobj\n"));
        }

        public void Stream(int number, string entries, byte[] data)
        {
            _offsets[number] = _position;
            Raw(string.Create(CultureInfo.InvariantCulture, $"{number} 0 obj\n<<{entries}/Length {data.Length}>>\nstream\n"));
            Add(data);
            Raw("\nendstream\nendobj\n");
        }

        public byte[] Finish(string trailerEntries)
        {
            var xref = _position;
            var sb = new StringBuilder(20 * _offsets.Length + 200);
            Signing.PdfSyntax.XrefTable.AppendComplete(sb, _offsets.Length, n => _offsets[n] != 0 ? _offsets[n] : throw new InvalidOperationException($"object {n} was numbered but not written"));

            sb.Append(CultureInfo.InvariantCulture, $"trailer\n<</Size {_offsets.Length}{trailerEntries}>>\nstartxref\n{xref}\n%%EOF\n");
            Raw(sb.ToString());

            var file = new byte[_position];
            var at = 0;
            foreach (var part in _parts)
            {
                part.CopyTo(file, at);
                at += part.Length;
            }

            return file;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\[(/[A-Za-z]+)*\]$")]
    private static partial System.Text.RegularExpressions.Regex ProcSetLiteral();
}
