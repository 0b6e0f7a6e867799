using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Signing.PdfSyntax;

namespace Signing.Pades.Appearance;

/// <summary>
/// What a visible signature shows, per Decree 30/2020 Appendix I. Every part is optional: the
/// head's signature usually has only <see cref="SignatureImagePng"/>; the agency seal has
/// <see cref="SealImagePng"/>, <see cref="AgencyName"/> and the time; attachments and copies
/// use the text-only form (<see cref="TextOnly"/>) in the top-right corner.
/// </summary>
public sealed record SignatureAppearance
{
    /// <summary>The handwritten signature (PNG with a transparent background).</summary>
    public byte[]? SignatureImagePng { get; init; }

    /// <summary>The red agency seal (transparent PNG), drawn at real size over the left third of the signature image.</summary>
    public byte[]? SealImagePng { get; init; }

    /// <summary>The seal's real diameter/width in millimetres; default: from the PNG's pHYs, else 96 dpi.</summary>
    public double? SealWidthMm { get; init; }

    /// <summary>The signing agency's name shown in the text lines.</summary>
    public string? AgencyName { get; init; }

    /// <summary>Lines shown before the agency name, e.g. "SAO Y" for an electronic copy.</summary>
    public IReadOnlyList<string> LeadingLines { get; init; } = [];

    /// <summary>Shows "Thời gian ký: hh:mm:ss dd/mm/yyyy +07:00".</summary>
    public bool ShowSigningTime { get; init; } = true;

    /// <summary>Label before the time.</summary>
    public string TimeLabel { get; init; } = "Thời gian ký: ";

    public double FontSizePt { get; init; } = 10;

    /// <summary>The text-only agency signature for attachments and copies (Times 10 pt, blue).</summary>
    public static SignatureAppearance TextOnly(string agencyName, params string[] leadingLines) =>
        new() { AgencyName = agencyName, LeadingLines = leadingLines };

    /// <summary>The signing time as Decree 30 shows it: hh:mm:ss dd/mm/yyyy with +07:00.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.ToOffset(PadesSigner.VietnamOffset).ToString("HH:mm:ss dd/MM/yyyy", CultureInfo.InvariantCulture) + " +07:00";
}

/// <summary>
/// Builds the widget's appearance form XObject: images as Image XObjects with /SMask (allowed
/// by PDF/A-2/3; no transparency group is added), text in an embedded subset of a Times-metric
/// serif as CIDFontType2/Identity-H with a ToUnicode map, blue 10 pt.
/// </summary>
public static class AppearanceBuilder
{
    private const double LineGap = 1.2;

    public static PdfReference Build(IncrementalUpdateWriter writer, double width, double height, SignatureAppearance? appearance, DateTimeOffset signingTime)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var formRef = writer.Allocate();
        var resources = new PdfDictionary();
        var content = new StringBuilder();
        if (appearance is not null && width > 0 && height > 0)
        {
            var lines = new List<string>(appearance.LeadingLines);
            if (appearance.AgencyName is { Length: > 0 } agency) lines.Add(agency);
            if (appearance.ShowSigningTime) lines.Add(appearance.TimeLabel + SignatureAppearance.FormatTime(signingTime));
            var size = appearance.FontSizePt;
            var font = lines.Count > 0 ? TrueTypeFont.SerifRegular : null;
            var wrapped = font is null ? [] : Wrap(font, lines, size, width - 2);
            var textHeight = wrapped.Count * size * LineGap;
            var hasImages = appearance.SignatureImagePng is not null || appearance.SealImagePng is not null;

            if (hasImages) DrawImages(writer, resources, content, appearance, width, Math.Max(0, height - textHeight - 2), textHeight + 2);

            if (font is not null && wrapped.Count > 0)
            {
                // Text-only: from the top; with images: at the bottom under them.
                var top = hasImages ? textHeight : height;
                var fontRef = EmbedFont(writer, font, wrapped);
                resources["Font"] = new PdfDictionary { ["F1"] = fontRef };
                content.Append("BT 0 0 1 rg /F1 ").Append(Num(size)).Append(" Tf\n");
                for (var i = 0; i < wrapped.Count; i++)
                {
                    var baseline = top - ((i + 1) * size * LineGap) + (size * 0.25);
                    content.Append("1 0 0 1 1 ").Append(Num(baseline)).Append(" Tm <");
                    foreach (var g in Glyphs(font, wrapped[i])) content.Append(g.ToString("X4", CultureInfo.InvariantCulture));
                    content.Append("> Tj\n");
                }

                content.Append("ET\n");
            }
        }

        var form = new PdfDictionary
        {
            ["Type"] = new PdfName("XObject"),
            ["Subtype"] = new PdfName("Form"),
            ["BBox"] = PdfArray.OfNumbers(0, 0, Math.Max(0, width), Math.Max(0, height)),
            ["Resources"] = resources,
        };
        writer.SetStream(formRef, form, Encoding.ASCII.GetBytes(content.ToString()));
        return formRef;
    }

    private static void DrawImages(IncrementalUpdateWriter writer, PdfDictionary resources, StringBuilder content, SignatureAppearance a, double width, double areaHeight, double areaBottom)
    {
        var xobjects = new PdfDictionary();
        resources["XObject"] = xobjects;
        var signature = a.SignatureImagePng is null ? null : EncodedImage.For(a.SignatureImagePng, "signature");
        var seal = a.SealImagePng is null ? null : EncodedImage.For(a.SealImagePng, "seal");

        // Seal at its real size (shrunk only if the box is smaller); signature image fitted to the area height.
        double sealW = 0, sealH = 0, sigW = 0, sigH = 0;
        if (seal is not null)
        {
            var (w, h) = seal.Image.SizeInPoints();
            if (a.SealWidthMm is { } mm)
            {
                h = h / w * (mm / 25.4 * 72);
                w = mm / 25.4 * 72;
            }

            var k = Math.Min(1, Math.Min(areaHeight / h, width / w));
            (sealW, sealH) = (w * k, h * k);
        }

        if (signature is not null)
        {
            sigH = areaHeight;
            sigW = sigH * signature.Image.Width / signature.Image.Height;
        }

        // The seal's right edge covers the left third of the signature image.
        var sigX = seal is null ? 0 : Math.Max(0, sealW - (sigW / 3));
        var total = Math.Max(sigX + sigW, sealW);
        var scale = total > width ? width / total : 1;
        if (signature is not null)
        {
            var r = AddImage(writer, signature);
            xobjects["Sig"] = r;
            Place(content, "Sig", sigX * scale, areaBottom + ((areaHeight - (sigH * scale)) / 2), sigW * scale, sigH * scale);
        }

        if (seal is not null)
        {
            var r = AddImage(writer, seal);
            xobjects["Seal"] = r;
            Place(content, "Seal", 0, areaBottom + ((areaHeight - (sealH * scale)) / 2), sealW * scale, sealH * scale);
        }
    }

    private static void Place(StringBuilder content, string name, double x, double y, double w, double h) =>
        content.Append("q ").Append(Num(w)).Append(" 0 0 ").Append(Num(h)).Append(' ').Append(Num(x)).Append(' ').Append(Num(y)).Append(" cm /").Append(name).Append(" Do Q\n");

    private static PdfReference AddImage(IncrementalUpdateWriter writer, EncodedImage encoded)
    {
        var image = encoded.Image;
        var id = writer.Allocate();
        var dict = new PdfDictionary
        {
            ["Type"] = new PdfName("XObject"),
            ["Subtype"] = new PdfName("Image"),
            ["Width"] = new PdfNumber(image.Width),
            ["Height"] = new PdfNumber(image.Height),
            ["ColorSpace"] = new PdfName(image.IsGray ? "DeviceGray" : "DeviceRGB"),
            ["BitsPerComponent"] = new PdfNumber(8),
        };
        if (encoded.AlphaDeflated is not null)
        {
            var mask = writer.Allocate();
            SetDeflatedStream(writer, mask, new PdfDictionary
            {
                ["Type"] = new PdfName("XObject"),
                ["Subtype"] = new PdfName("Image"),
                ["Width"] = new PdfNumber(image.Width),
                ["Height"] = new PdfNumber(image.Height),
                ["ColorSpace"] = new PdfName("DeviceGray"),
                ["BitsPerComponent"] = new PdfNumber(8),
            }, encoded.AlphaDeflated);
            dict["SMask"] = mask;
        }

        SetDeflatedStream(writer, id, dict, encoded.ColorDeflated);
        return id;
    }

    private static void SetDeflatedStream(IncrementalUpdateWriter writer, PdfReference id, PdfDictionary dict, byte[] deflated)
    {
        dict["Filter"] = new PdfName("FlateDecode");
        writer.SetStream(id, dict, deflated, compress: false, alreadyEncoded: true);
    }

    private static List<string> Wrap(TrueTypeFont font, List<string> lines, double size, double maxWidth)
    {
        var result = new List<string>();
        foreach (var line in lines)
        {
            var current = new StringBuilder();
            foreach (var word in line.Normalize(NormalizationForm.FormC).Split(' '))
            {
                var candidate = current.Length == 0 ? word : current + " " + word;
                if (current.Length > 0 && Width(font, candidate, size) > maxWidth)
                {
                    result.Add(current.ToString());
                    current.Clear().Append(word);
                }
                else
                {
                    current.Clear().Append(candidate);
                }
            }

            result.Add(current.ToString());
        }

        return result;
    }

    private static double Width(TrueTypeFont font, string text, double size) =>
        Glyphs(font, text).Sum(g => font.Advance(g)) * size / 1000;

    private static IEnumerable<ushort> Glyphs(TrueTypeFont font, string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var cp = char.ConvertToUtf32(text, i);
            if (char.IsHighSurrogate(text[i])) i++;
            yield return font.GlyphFor(cp);
        }
    }

    private static PdfReference EmbedFont(IncrementalUpdateWriter writer, TrueTypeFont font, List<string> lines)
    {
        // Glyph → the text it stands for (for ToUnicode) and the set of glyphs to keep.
        var map = new SortedDictionary<ushort, string>();
        foreach (var line in lines)
        {
            for (var i = 0; i < line.Length; i++)
            {
                var cp = char.ConvertToUtf32(line, i);
                var s = char.ConvertFromUtf32(cp);
                if (char.IsHighSurrogate(line[i])) i++;
                var g = font.GlyphFor(cp);
                if (g != 0) map.TryAdd(g, s);
            }
        }

        var tag = new string(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(',', map.Keys))).Take(6).Select(b => (char)('A' + (b % 26))).ToArray());
        var name = tag + "+" + font.PostScriptName;

        var fileRef = writer.Allocate();
        var (programLength, programDeflated, toUnicodeDeflated) = EncodedFontSubset.For(font, map);
        SetDeflatedStream(writer, fileRef, new PdfDictionary { ["Length1"] = new PdfNumber(programLength) }, programDeflated);

        var descriptorRef = writer.Allocate();
        writer.SetObject(descriptorRef, new PdfDictionary
        {
            ["Type"] = new PdfName("FontDescriptor"),
            ["FontName"] = new PdfName(name),
            ["Flags"] = new PdfNumber(6), // Serif | Symbolic (CID font)
            ["FontBBox"] = PdfArray.OfNumbers(font.BBox.Select(v => font.Scale(v)).ToArray()),
            ["ItalicAngle"] = new PdfNumber(0),
            ["Ascent"] = new PdfNumber(font.Scale(font.Ascent)),
            ["Descent"] = new PdfNumber(font.Scale(font.Descent)),
            ["CapHeight"] = new PdfNumber(font.Scale(font.CapHeight)),
            ["StemV"] = new PdfNumber(80),
            ["FontFile2"] = fileRef,
        });

        var widths = new PdfArray();
        foreach (var g in map.Keys)
        {
            widths.Items.Add(new PdfNumber(g));
            widths.Items.Add(new PdfArray([new PdfNumber(font.Advance(g))]));
        }

        var cidRef = writer.Allocate();
        writer.SetObject(cidRef, new PdfDictionary
        {
            ["Type"] = new PdfName("Font"),
            ["Subtype"] = new PdfName("CIDFontType2"),
            ["BaseFont"] = new PdfName(name),
            ["CIDSystemInfo"] = new PdfDictionary { ["Registry"] = new PdfString("Adobe"u8.ToArray()), ["Ordering"] = new PdfString("Identity"u8.ToArray()), ["Supplement"] = new PdfNumber(0) },
            ["FontDescriptor"] = descriptorRef,
            ["DW"] = new PdfNumber(font.Advance(0)),
            ["W"] = widths,
            ["CIDToGIDMap"] = new PdfName("Identity"),
        });

        var toUnicodeRef = writer.Allocate();
        SetDeflatedStream(writer, toUnicodeRef, new PdfDictionary(), toUnicodeDeflated);

        var fontRef = writer.Allocate();
        writer.SetObject(fontRef, new PdfDictionary
        {
            ["Type"] = new PdfName("Font"),
            ["Subtype"] = new PdfName("Type0"),
            ["BaseFont"] = new PdfName(name),
            ["Encoding"] = new PdfName("Identity-H"),
            ["DescendantFonts"] = new PdfArray([cidRef]),
            ["ToUnicode"] = toUnicodeRef,
        });
        return fontRef;
    }

    internal static string ToUnicode(SortedDictionary<ushort, string> map)
    {
        var sb = new StringBuilder();
        sb.Append("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n");
        sb.Append("/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n");
        sb.Append("1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
        foreach (var chunk in map.Chunk(100))
        {
            sb.Append(chunk.Length.ToString(CultureInfo.InvariantCulture)).Append(" beginbfchar\n");
            foreach (var (g, s) in chunk)
            {
                sb.Append('<').Append(g.ToString("X4", CultureInfo.InvariantCulture)).Append("> <").Append(Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(s))).Append(">\n");
            }

            sb.Append("endbfchar\n");
        }

        sb.Append("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        return sb.ToString();
    }

    private static string Num(double v) => PdfNumber.Format(v);
}

/// <summary>
/// A decoded PNG with its colour and alpha planes already deflated. Agencies sign thousands of
/// documents with the same signature and seal images; decoding and compressing them once per
/// process (keyed by the PNG's SHA-256) takes that work out of every signature.
/// </summary>
internal sealed record EncodedImage(PngImage Image, byte[] ColorDeflated, byte[]? AlphaDeflated)
{
    private const int MaxEntries = 64;
    private static readonly ConcurrentDictionary<string, EncodedImage> Cache = new(StringComparer.Ordinal);

    public static EncodedImage For(byte[] png, string what)
    {
        var key = Convert.ToHexString(SHA256.HashData(png));
        if (Cache.TryGetValue(key, out var cached)) return cached;
        var image = PngImage.Decode(png, what);
        var encoded = new EncodedImage(image, IncrementalUpdateWriter.Deflate(image.Color), image.Alpha is null ? null : IncrementalUpdateWriter.Deflate(image.Alpha));
        if (Cache.Count >= MaxEntries) Cache.Clear();
        Cache[key] = encoded;
        return encoded;
    }
}

/// <summary>The deflated font subset and ToUnicode map for one set of glyphs, cached: signature texts repeat (agency name, time digits).</summary>
internal static class EncodedFontSubset
{
    private const int MaxEntries = 1024;
    private static readonly ConcurrentDictionary<(TrueTypeFont Font, string Glyphs), (int ProgramLength, byte[] Program, byte[] ToUnicode)> Cache = new();

    public static (int ProgramLength, byte[] Program, byte[] ToUnicode) For(TrueTypeFont font, SortedDictionary<ushort, string> map)
    {
        // The key names each glyph and the text it maps to, so a cached ToUnicode is exact.
        var key = (font, string.Join(',', map.Select(e => e.Key.ToString(CultureInfo.InvariantCulture) + "=" + e.Value)));
        if (Cache.TryGetValue(key, out var cached)) return cached;
        var program = font.Subset(map.Keys);
        var encoded = (program.Length, IncrementalUpdateWriter.Deflate(program), IncrementalUpdateWriter.Deflate(Encoding.ASCII.GetBytes(AppearanceBuilder.ToUnicode(map))));
        if (Cache.Count >= MaxEntries) Cache.Clear();
        Cache[key] = encoded;
        return encoded;
    }
}
