using System.Buffers.Binary;
using System.Text;
using Signing.Core;
using Signing.Fonts;

namespace Signing.Pades.Appearance;

/// <summary>
/// The parts of a TrueType font a PDF needs: Unicode→glyph mapping, advance widths, metrics,
/// and a subset font program holding only the glyphs used (others left empty, IDs unchanged so
/// CIDToGIDMap stays /Identity).
/// </summary>
public sealed class TrueTypeFont
{
    private static readonly Lazy<TrueTypeFont> Serif = new(() => new TrueTypeFont(SerifFonts.Program(SerifFace.Regular)));
    private readonly byte[] _data;
    private readonly Dictionary<string, (int Offset, int Length)> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ushort> _cmap = [];
    private readonly ushort[] _advances;

    private TrueTypeFont(byte[] data)
    {
        _data = data;
        var numTables = U16(4);
        for (var i = 0; i < numTables; i++)
        {
            var rec = 12 + (16 * i);
            _tables[Encoding.ASCII.GetString(data, rec, 4)] = ((int)U32(rec + 8), (int)U32(rec + 12));
        }

        foreach (var required in new[] { "head", "hhea", "hmtx", "maxp", "loca", "glyf", "cmap" })
        {
            if (!_tables.ContainsKey(required)) throw new SigningException($"The signature font lacks the '{required}' table (a TrueType font with glyf outlines is needed).");
        }

        var head = _tables["head"].Offset;
        UnitsPerEm = U16(head + 18);
        BBox = [S16(head + 36), S16(head + 38), S16(head + 40), S16(head + 42)];
        LongLoca = S16(head + 50) == 1;
        var hhea = _tables["hhea"].Offset;
        Ascent = S16(hhea + 4);
        Descent = S16(hhea + 6);
        NumGlyphs = U16(_tables["maxp"].Offset + 4);
        var numberOfHMetrics = U16(hhea + 34);
        _advances = new ushort[NumGlyphs];
        var hmtx = _tables["hmtx"].Offset;
        for (var g = 0; g < NumGlyphs; g++) _advances[g] = U16(hmtx + (4 * Math.Min(g, numberOfHMetrics - 1)));
        CapHeight = _tables.TryGetValue("OS/2", out var os2) && U16(os2.Offset) >= 2 ? S16(os2.Offset + 88) : (int)(Ascent * 0.9);
        PostScriptName = "LiberationSerif";
        ReadCmap();
    }

    public int UnitsPerEm { get; }

    public int[] BBox { get; }

    public int Ascent { get; }

    public int Descent { get; }

    public int CapHeight { get; }

    public int NumGlyphs { get; }

    public string PostScriptName { get; }

    private bool LongLoca { get; }

    /// <summary>The regular face of the bundled serif (<see cref="SerifFonts"/>), parsed once.</summary>
    public static TrueTypeFont SerifRegular => Serif.Value;

    public ushort GlyphFor(int codePoint) => _cmap.TryGetValue(codePoint, out var g) ? g : (ushort)0;

    /// <summary>Advance width in 1/1000 em (PDF glyph space).</summary>
    public double Advance(ushort glyph) => glyph < _advances.Length ? _advances[glyph] * 1000.0 / UnitsPerEm : 0;

    public double Scale(int fontUnits) => fontUnits * 1000.0 / UnitsPerEm;

    private void ReadCmap()
    {
        var cmap = _tables["cmap"].Offset;
        var n = U16(cmap + 2);
        int best = -1, bestRank = 0;
        for (var i = 0; i < n; i++)
        {
            var rec = cmap + 4 + (8 * i);
            var platform = U16(rec);
            var encoding = U16(rec + 2);
            var sub = cmap + (int)U32(rec + 4);
            var format = U16(sub);
            var rank = (platform, encoding, format) switch
            {
                (3, 10, 12) => 3,
                (0, _, 12) => 3,
                (3, 1, 4) => 2,
                (0, _, 4) => 2,
                _ => 0,
            };
            if (rank > bestRank)
            {
                best = sub;
                bestRank = rank;
            }
        }

        if (best < 0) throw new SigningException("The signature font has no Unicode cmap.");
        if (U16(best) == 12)
        {
            var groups = U32(best + 12);
            for (var i = 0; i < groups; i++)
            {
                var g = best + 16 + (12 * i);
                var start = U32(g);
                var end = U32(g + 4);
                var glyph = U32(g + 8);
                for (var c = start; c <= end && c < 0x110000; c++) _cmap[(int)c] = (ushort)(glyph + (c - start));
            }

            return;
        }

        var segX2 = U16(best + 6);
        var ends = best + 14;
        var starts = ends + segX2 + 2;
        var deltas = starts + segX2;
        var rangeOffsets = deltas + segX2;
        for (var s = 0; s < segX2 / 2; s++)
        {
            int end = U16(ends + (2 * s)), start = U16(starts + (2 * s));
            var delta = S16(deltas + (2 * s));
            var ro = U16(rangeOffsets + (2 * s));
            for (var c = start; c <= end && c != 0xFFFF; c++)
            {
                int glyph;
                if (ro == 0)
                {
                    glyph = (c + delta) & 0xFFFF;
                }
                else
                {
                    var at = rangeOffsets + (2 * s) + ro + (2 * (c - start));
                    glyph = U16(at);
                    if (glyph != 0) glyph = (glyph + delta) & 0xFFFF;
                }

                if (glyph != 0) _cmap[c] = (ushort)glyph;
            }
        }
    }

    /// <summary>A font program with only <paramref name="used"/> glyphs (plus their components and .notdef) kept.</summary>
    public byte[] Subset(IReadOnlyCollection<ushort> used)
    {
        var keep = new HashSet<ushort>(used) { 0 };
        var queue = new Queue<ushort>(keep);
        while (queue.Count > 0)
        {
            var (off, len) = GlyphLocation(queue.Dequeue());
            if (len < 10 || S16(off) >= 0) continue;
            var p = off + 10;
            while (true)
            {
                var flags = U16(p);
                var component = U16(p + 2);
                if (keep.Add(component)) queue.Enqueue(component);
                p += 4 + ((flags & 0x1) != 0 ? 4 : 2);
                if ((flags & 0x8) != 0) p += 2;
                else if ((flags & 0x40) != 0) p += 4;
                else if ((flags & 0x80) != 0) p += 8;
                if ((flags & 0x20) == 0) break;
            }
        }

        using var glyf = new MemoryStream();
        var loca = new byte[4 * (NumGlyphs + 1)];
        for (var g = 0; g < NumGlyphs; g++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(4 * g), (uint)glyf.Length);
            if (!keep.Contains((ushort)g)) continue;
            var (off, len) = GlyphLocation((ushort)g);
            glyf.Write(_data, off, len);
            while (glyf.Length % 4 != 0) glyf.WriteByte(0);
        }

        BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(4 * NumGlyphs), (uint)glyf.Length);
        var head = Table("head");
        BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(50), 1); // long loca
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(8), 0); // checkSumAdjustment, fixed below

        var tables = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["head"] = head,
            ["hhea"] = Table("hhea"),
            ["hmtx"] = Table("hmtx"),
            ["maxp"] = Table("maxp"),
            ["loca"] = loca,
            ["glyf"] = glyf.ToArray(),
        };
        foreach (var optional in new[] { "cvt ", "fpgm", "prep", "OS/2" })
        {
            if (_tables.ContainsKey(optional)) tables[optional] = Table(optional);
        }

        var font = WriteSfnt(tables);
        var adjustment = unchecked(0xB1B0AFBA - Checksum(font));
        var headOffset = FindTableOffset(font, "head");
        BinaryPrimitives.WriteUInt32BigEndian(font.AsSpan(headOffset + 8), adjustment);
        return font;
    }

    private static byte[] WriteSfnt(SortedDictionary<string, byte[]> tables)
    {
        var n = tables.Count;
        var entrySelector = (int)Math.Floor(Math.Log2(n));
        var searchRange = 16 * (1 << entrySelector);
        using var ms = new MemoryStream();
        var header = new byte[12 + (16 * n)];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x00010000);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)n);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)searchRange);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), (ushort)entrySelector);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), (ushort)((16 * n) - searchRange));
        ms.Write(header);
        var i = 0;
        foreach (var (tag, body) in tables)
        {
            var rec = 12 + (16 * i++);
            Encoding.ASCII.GetBytes(tag).CopyTo(header, rec);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(rec + 4), Checksum(body));
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(rec + 8), (uint)ms.Length);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(rec + 12), (uint)body.Length);
            ms.Write(body);
            while (ms.Length % 4 != 0) ms.WriteByte(0);
        }

        var result = ms.ToArray();
        header.CopyTo(result, 0);
        return result;
    }

    private static int FindTableOffset(byte[] font, string tag)
    {
        var n = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(4));
        for (var i = 0; i < n; i++)
        {
            var rec = 12 + (16 * i);
            if (Encoding.ASCII.GetString(font, rec, 4) == tag) return (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(rec + 8));
        }

        throw new InvalidOperationException("table missing");
    }

    private static uint Checksum(byte[] data)
    {
        uint sum = 0;
        for (var i = 0; i < data.Length; i += 4)
        {
            uint v = 0;
            for (var k = 0; k < 4; k++) v = (v << 8) | (i + k < data.Length ? data[i + k] : 0u);
            sum = unchecked(sum + v);
        }

        return sum;
    }

    private (int Offset, int Length) GlyphLocation(ushort glyph)
    {
        if (glyph >= NumGlyphs) return (0, 0);
        var loca = _tables["loca"].Offset;
        long start, end;
        if (LongLoca)
        {
            start = U32(loca + (4 * glyph));
            end = U32(loca + (4 * (glyph + 1)));
        }
        else
        {
            start = U16(loca + (2 * glyph)) * 2L;
            end = U16(loca + (2 * (glyph + 1))) * 2L;
        }

        return (_tables["glyf"].Offset + (int)start, (int)Math.Max(0, end - start));
    }

    private byte[] Table(string tag)
    {
        var (o, l) = _tables[tag];
        return _data.AsSpan(o, l).ToArray();
    }

    private ushort U16(int at) => BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(at));

    private short S16(int at) => BinaryPrimitives.ReadInt16BigEndian(_data.AsSpan(at));

    private uint U32(int at) => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(at));
}
