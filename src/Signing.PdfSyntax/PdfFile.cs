using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Signing.PdfSyntax;

/// <summary>
/// Where one object's definition lives, per the cross-reference data. <see cref="StreamObjectNumber"/>
/// is -1 for a free entry and -2 for a broken one (in use at offset 0, outside the file, or of an
/// unknown type): a broken entry hides every older definition instead of letting it shine through,
/// because other readers repair such entries differently (by scanning) and may show another object.
/// </summary>
public readonly record struct XrefEntry(bool InObjectStream, long Offset, int Generation, int StreamObjectNumber, int IndexInStream)
{
    public static XrefEntry Free(int generation) => new(false, 0, generation, -1, 0);

    public static XrefEntry Broken { get; } = new(false, 0, 0, -2, 0);

    public bool IsFree => StreamObjectNumber == -1;

    public bool IsBroken => StreamObjectNumber == -2;

    public bool IsInUse => StreamObjectNumber >= 0;
}

/// <summary>
/// One definition as a parse at some offset read it: <see cref="ExaminedEnd"/> bounds the bytes it
/// depended on, <see cref="Length"/> is what an indirect stream /Length resolved to, and
/// <see cref="OnlyForFileLength"/> (when not -1) ties it to one file length.
/// </summary>
internal sealed record ParsedObject(PdfReference Id, PdfObject Value, long ExaminedEnd, PdfReference? LengthReference, long Length, long OnlyForFileLength);

/// <summary>One cross-reference section (one revision of the file), newest first in <see cref="PdfFile.Sections"/>; <see cref="Entries"/> are this section's own entries.</summary>
public sealed record XrefSection(long Offset, bool IsStream, PdfDictionary Trailer, IReadOnlyList<int> ObjectNumbers, IReadOnlyDictionary<int, XrefEntry> Entries);

/// <summary>
/// A parsed PDF file: its cross-reference data (classic tables, xref streams, hybrids, /Prev
/// chains), the merged trailer and lazy object access. Never modifies the bytes.
/// </summary>
public sealed class PdfFile
{
    private readonly Dictionary<int, XrefEntry> _xref = [];
    private readonly Dictionary<int, PdfObject> _cache = [];
    private readonly Dictionary<int, (byte[] Data, int[] Offsets)> _objectStreams = [];
    private readonly HashSet<int> _loading = [];
    private readonly PdfReadLimits _limits;
    private readonly ReadClock _clock;

    // Definitions by byte offset, shared by a file and the states of its earlier revisions: each
    // revision's state is read on its own, but an object an older revision wrote reads the same in
    // every later state, so it is parsed once and the states hand out the same instance.
    private readonly Dictionary<long, ParsedObject> _parsedAt;

    private PdfFile(byte[] data, int length, PdfReadLimits limits, ReadClock clock, Dictionary<long, ParsedObject> parsedAt)
    {
        Data = data;
        Length = length;
        _limits = limits;
        _clock = clock;
        _parsedAt = parsedAt;
    }

    public PdfReadLimits Limits => _limits;

    /// <summary>
    /// The file's bytes. The state of an earlier revision (<see cref="ParsePrefix"/>) shares the
    /// file's array and consists of its first <see cref="Length"/> bytes only.
    /// </summary>
    public byte[] Data { get; }

    /// <summary>How many bytes of <see cref="Data"/> this file, or this state of it, consists of.</summary>
    public int Length { get; }

    /// <summary>Trailer entries merged over the whole /Prev chain, newest winning.</summary>
    public PdfDictionary Trailer { get; } = new();

    /// <summary>Cross-reference sections, newest (the one startxref points to) first.</summary>
    public List<XrefSection> Sections { get; } = [];

    public long StartXref { get; private set; }

    public IReadOnlyDictionary<int, XrefEntry> Xref => _xref;

    /// <summary>One more than the highest object number in use (the trailer /Size).</summary>
    public int Size { get; private set; }

    public static PdfFile Parse(byte[] data, PdfReadLimits? limits = null) => Parse(data, data?.Length ?? 0, limits ?? PdfReadLimits.Default, new ReadClock(), []);

    /// <summary>
    /// The file as it was when the revision ending at <paramref name="end"/> was written (its
    /// prefix), read with the same limits and the same time budget as this file. Objects both
    /// read alike are the same instances (<see cref="ReadIndirectObjectAt"/>): never modify them.
    /// </summary>
    public PdfFile ParsePrefix(long end)
    {
        if (end <= 0 || end > Length) throw new PdfFormatException("The PDF is damaged: a revision ends outside the file.");
        return end == Length ? this : Parse(Data, (int)end, _limits, _clock, _parsedAt);
    }

    private static PdfFile Parse(byte[] data, int length, PdfReadLimits limits, ReadClock clock, Dictionary<long, ParsedObject> parsedAt)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (length > limits.MaxFileBytes) throw new PdfFormatException($"The PDF is larger than the limit of {limits.MaxFileBytes} bytes.");
        if (length < 32 || !StartsWithHeader(data.AsSpan(0, length))) throw new PdfFormatException("The input is not a PDF (no %PDF- header).");
        var file = new PdfFile(data, length, limits, clock, parsedAt);
        try
        {
            file.ReadCrossReferences();
        }
        catch (Exception e) when (IsMalformedInput(e))
        {
            throw new PdfFormatException("The PDF is damaged: its cross-reference data cannot be read.", e);
        }

        if (file.Trailer["Encrypt"] is not null) throw new PdfFormatException("The PDF is encrypted; encrypted PDFs cannot be signed or verified.");
        if (file.Trailer["Root"] is not PdfReference) throw new PdfFormatException("The PDF is damaged: the trailer has no /Root.");
        return file;
    }

    /// <summary>The exception types that arithmetic and indexing on malformed bytes can raise; each becomes a <see cref="PdfFormatException"/>.</summary>
    private static bool IsMalformedInput(Exception e) =>
        e is IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException or OverflowException or InvalidDataException or FormatException or InvalidCastException;

    private static bool StartsWithHeader(ReadOnlySpan<byte> data)
    {
        // The header may follow up to 1 KB of junk (ISO 32000-1 implementation note).
        var limit = Math.Min(data.Length - 5, 1024);
        for (var i = 0; i <= limit; i++)
        {
            if (data[i] == '%' && data[i + 1] == 'P' && data[i + 2] == 'D' && data[i + 3] == 'F' && data[i + 4] == '-') return true;
        }

        return false;
    }

    public void CheckTime()
    {
        if (_clock.Exceeded(_limits.MaxParseTime)) throw new PdfFormatException($"The PDF took longer than the limit of {_limits.MaxParseTime.TotalSeconds:0.#} s to read.");
    }

    private void ReadCrossReferences()
    {
        StartXref = FindStartXref();
        var visited = new HashSet<long>();
        long? next = StartXref;
        while (next is { } offset)
        {
            CheckTime();
            if (!visited.Add(offset)) throw new PdfFormatException("The PDF is damaged: its cross-reference sections form a loop.");
            if (visited.Count > _limits.MaxRevisions) throw new PdfFormatException($"The PDF has more revisions than the limit of {_limits.MaxRevisions}.");
            if (offset < 0 || offset >= Length) throw new PdfFormatException("The PDF is damaged: a cross-reference offset points outside the file.");
            var section = ReadSection(offset);
            Sections.Add(section);
            foreach (var (k, v) in section.Trailer.Entries)
            {
                if (!Trailer.ContainsKey(k) && k is not ("Prev" or "XRefStm" or "Index" or "W" or "Length" or "Filter" or "DecodeParms" or "Type")) Trailer[k] = v;
            }

            next = section.Trailer["Prev"] is PdfNumber p ? p.AsLong() : null;
        }

        Size = Trailer["Size"] is PdfNumber s ? (int)Math.Min(s.AsLong(), int.MaxValue) : 0;
        if (_xref.Count > 0) Size = Math.Max(Size, _xref.Keys.Max() + 1);
    }

    private long FindStartXref()
    {
        var from = Math.Max(0, Length - 2048);
        var marker = "startxref"u8;
        var idx = Data.AsSpan(from, Length - from).LastIndexOf(marker);
        if (idx < 0) throw new PdfFormatException("The PDF is damaged or truncated: no startxref at its end.");
        var parser = NewParser(Data, from + idx + marker.Length, Length);
        try
        {
            return parser.ReadInteger();
        }
        catch (PdfFormatException)
        {
            throw new PdfFormatException("The PDF is damaged or truncated: startxref has no offset.");
        }
    }

    private XrefSection ReadSection(long offset)
    {
        var parser = NewParser(Data, (int)offset, Length);
        if (parser.PeekToken() == "xref")
        {
            parser.ReadToken();
            var numbers = new List<int>();
            var entries = new Dictionary<int, XrefEntry>();
            while (true)
            {
                CheckTime();
                var t = parser.PeekToken();
                if (t == "trailer") break;
                var first = parser.ReadInteger();
                var count = parser.ReadInteger();
                if (first < 0 || count < 0 || first + count > _limits.MaxObjects) throw new PdfFormatException($"The PDF declares more objects than the limit of {_limits.MaxObjects}.");
                for (var i = 0; i < count; i++)
                {
                    var off = parser.ReadInteger();
                    var gen = parser.ReadInteger();
                    var kind = parser.ReadToken();
                    var num = (int)(first + i);
                    numbers.Add(num);
                    var entry = kind switch
                    {
                        "n" when off > 0 && off < Length && gen is >= 0 and <= 65535 => new XrefEntry(false, off, (int)gen, 0, 0),
                        "n" => XrefEntry.Broken,
                        "f" => XrefEntry.Free((int)Math.Clamp(gen, 0, 65535)),
                        _ => throw new PdfFormatException("The PDF is damaged: bad cross-reference entry."),
                    };
                    entries.TryAdd(num, entry);
                }
            }

            parser.ExpectKeyword("trailer");
            if (parser.ReadObject() is not PdfDictionary trailer) throw new PdfFormatException("The PDF is damaged: the trailer is not a dictionary.");

            // Hybrid files: the table's /XRefStm entries rank after the table's in-use entries, before /Prev.
            if (trailer["XRefStm"] is PdfNumber xs)
            {
                var hybrid = ReadXrefStream(xs.AsLong());
                numbers.AddRange(hybrid.ObjectNumbers);
                foreach (var (num, entry) in hybrid.Entries)
                {
                    if (!entries.TryGetValue(num, out var inTable) || inTable.IsFree) entries[num] = entry;
                }
            }

            foreach (var (num, entry) in entries) _xref.TryAdd(num, entry);
            return new XrefSection(offset, false, trailer, numbers, entries);
        }

        var section = ReadXrefStream(offset);
        foreach (var (num, entry) in section.Entries) _xref.TryAdd(num, entry);
        return section;
    }

    private static long? AsLong(PdfObject? o) => o is PdfNumber n && n.IsInteger ? n.AsLong() : null;

    private XrefSection ReadXrefStream(long offset)
    {
        var (_, obj) = ReadIndirectObjectAt(offset);
        if (obj is not PdfStream stream || stream.Dictionary.GetName("Type") != "XRef")
        {
            throw new PdfFormatException("The PDF is damaged: startxref does not point to a cross-reference table or stream.");
        }

        var dict = stream.Dictionary;
        var w = (dict["W"] as PdfArray)?.Items.Select(i => (int)Math.Clamp(AsLong(i) ?? -1, -1, 9)).ToArray();
        if (w is not { Length: 3 } || w.Any(x => x is < 0 or > 8)) throw new PdfFormatException("The PDF is damaged: bad /W in a cross-reference stream.");
        var size = AsLong(dict["Size"]) ?? 0;
        var index = dict["Index"] is PdfArray ia ? ia.Items.Select(i => AsLong(i) ?? -1).ToArray() : [0, size];
        var data = DecodeStream(stream);
        var rowLength = w[0] + w[1] + w[2];
        if (rowLength == 0) throw new PdfFormatException("The PDF is damaged: bad /W in a cross-reference stream.");
        var pos = 0;
        var numbers = new List<int>();
        var entries = new Dictionary<int, XrefEntry>();
        for (var s = 0; s + 1 < index.Length; s += 2)
        {
            if (index[s] < 0 || index[s + 1] < 0 || index[s] + index[s + 1] > _limits.MaxObjects) throw new PdfFormatException($"The PDF declares more objects than the limit of {_limits.MaxObjects}.");
            for (var i = 0; i < index[s + 1]; i++)
            {
                if (pos + rowLength > data.Length) throw new PdfFormatException("The PDF is damaged: a cross-reference stream is too short.");
                var type = w[0] == 0 ? 1 : ReadField(data, pos, w[0]);
                var f2 = ReadField(data, pos + w[0], w[1]);
                var f3 = ReadField(data, pos + w[0] + w[1], w[2]);
                pos += rowLength;
                var num = (int)(index[s] + i);
                numbers.Add(num);
                var entry = type switch
                {
                    0 => XrefEntry.Free((int)Math.Clamp(f3, 0, 65535)),
                    1 when f2 > 0 && f2 < Length && f3 is >= 0 and <= 65535 => new XrefEntry(false, f2, (int)f3, 0, 0),
                    2 when f2 > 0 && f2 <= int.MaxValue && f3 is >= 0 and <= int.MaxValue => new XrefEntry(true, 0, 0, (int)f2, (int)f3),
                    _ => XrefEntry.Broken,
                };
                entries.TryAdd(num, entry);
            }
        }

        return new XrefSection(offset, true, dict, numbers, entries);
    }

    private static long ReadField(byte[] data, int pos, int width)
    {
        long v = 0;
        for (var i = 0; i < width; i++) v = (v << 8) | data[pos + i];
        return v;
    }

    /// <summary>
    /// Reads "n g obj ... endobj" at an offset (streams: dictionary plus data location). A
    /// definition another state of this file parsed is reused when every byte that parse looked at
    /// lies in this file too and an indirect stream /Length resolves to the same value here.
    /// </summary>
    public (PdfReference Id, PdfObject Value) ReadIndirectObjectAt(long offset)
    {
        if (offset < 0 || offset >= Length) throw new PdfFormatException("The PDF is damaged: an object offset points outside the file.");
        if (_parsedAt.TryGetValue(offset, out var known) && ReadsAlike(known)) return (known.Id, known.Value);
        var parsed = ParseIndirectObjectAt(offset);
        _parsedAt[offset] = parsed;
        return (parsed.Id, parsed.Value);
    }

    private bool ReadsAlike(ParsedObject known) =>
        known.ExaminedEnd <= Length
        && (known.OnlyForFileLength < 0 || known.OnlyForFileLength == Length)
        && (known.LengthReference is null || StreamLength(known.LengthReference, known.Id.ObjectNumber) == known.Length);

    // An indirect /Length that is being read already (a /Length loop) counts as wrong, not as a reason to recurse.
    private long StreamLength(PdfReference length, int streamNumber) =>
        length.ObjectNumber != streamNumber && !_loading.Contains(length.ObjectNumber) ? (Resolve(length) as PdfNumber)?.AsLong() ?? -1 : -1;

    private ParsedObject ParseIndirectObjectAt(long offset)
    {
        var parser = NewParser(Data, (int)offset, Length);
        var num = parser.ReadInteger();
        var gen = parser.ReadInteger();
        parser.ExpectKeyword("obj");
        var value = parser.ReadObject();
        var id = new PdfReference((int)num, (int)gen);
        if (value is not PdfDictionary dict || parser.PeekToken() != "stream") return new ParsedObject(id, value, parser.ExaminedEnd, null, -1, -1);

        parser.ReadToken();
        var p = parser.Position;
        if (p < Length && Data[p] == '\r') p++;
        if (p < Length && Data[p] == '\n') p++;
        var lengthReference = dict["Length"] as PdfReference;
        var declared = dict["Length"] switch
        {
            PdfNumber n => n.AsLong(),
            PdfReference r => StreamLength(r, (int)num),
            _ => -1,
        };
        long length;
        long examinedEnd = 0;
        long onlyForFileLength = -1;
        if (declared >= 0 && declared <= Length - p && EndstreamFollows(p + declared, out examinedEnd))
        {
            length = declared;
        }
        else
        {
            // A wrong /Length: fall back to the endstream keyword. A /Length past the end of this
            // file could be right in a longer one, so this reading holds for this file length only.
            if (declared > Length - p) onlyForFileLength = Length;
            var rel = Data.AsSpan(p, Length - p).IndexOf("endstream"u8);
            if (rel < 0) throw new PdfFormatException("The PDF is damaged: a stream has no end.");
            examinedEnd = Math.Max(examinedEnd, p + rel + "endstream"u8.Length);
            length = rel;
            while (length > 0 && Data[p + length - 1] is 10 or 13) length--;
        }

        if (length > _limits.MaxStreamBytes) throw new PdfFormatException($"A stream in the PDF is longer than the limit of {_limits.MaxStreamBytes} bytes.");
        return new ParsedObject(id, new PdfStream(dict, p, (int)length), Math.Max(examinedEnd, parser.ExaminedEnd), lengthReference, declared, onlyForFileLength);
    }

    /// <param name="examinedEnd">Past the last byte looked at.</param>
    private bool EndstreamFollows(long pos, out long examinedEnd)
    {
        var p = (int)pos;
        while (p < Length && PdfObjectParser.IsWhitespace(Data[p])) p++;
        examinedEnd = Math.Min(Length, p + "endstream"u8.Length);
        return Data.AsSpan(p, Length - p).StartsWith("endstream"u8);
    }

    /// <summary>Follows references (bounded) to a direct object; missing objects are null.</summary>
    public PdfObject? Resolve(PdfObject? obj)
    {
        for (var hops = 0; obj is PdfReference r; hops++)
        {
            if (hops > _limits.MaxReferenceChainDepth) throw new PdfFormatException("The PDF is damaged: a reference chain is too long.");
            obj = GetObject(r.ObjectNumber);
        }

        return obj;
    }

    public PdfDictionary? ResolveDictionary(PdfObject? obj) => Resolve(obj) switch
    {
        PdfDictionary d => d,
        PdfStream s => s.Dictionary,
        _ => null,
    };

    /// <summary>
    /// The object's definition, null when free, broken or absent. Loads nested inside one another
    /// (an indirect /Length, an object stream) are bounded, and a load that needs itself is a
    /// reference loop: a <see cref="PdfFormatException"/>, never a recursion.
    /// </summary>
    public PdfObject? GetObject(int number)
    {
        CheckTime();
        if (_cache.TryGetValue(number, out var cached)) return cached;
        if (!_xref.TryGetValue(number, out var entry) || !entry.IsInUse) return null;
        if (_loading.Count >= _limits.MaxReferenceChainDepth) throw new PdfFormatException("The PDF is damaged: objects refer to one another too deeply.");
        if (!_loading.Add(number)) throw new PdfFormatException($"The PDF is damaged: object {number} refers to itself through a loop.");
        try
        {
            PdfObject value;
            if (entry.InObjectStream)
            {
                value = ReadFromObjectStream(entry.StreamObjectNumber, entry.IndexInStream);
            }
            else
            {
                var (id, v) = ReadIndirectObjectAt(entry.Offset);
                if (id.ObjectNumber != number) throw new PdfFormatException($"The PDF is damaged: object {number} is not where the cross-reference says.");
                value = v;
            }

            _cache[number] = value;
            return value;
        }
        catch (Exception e) when (IsMalformedInput(e))
        {
            throw new PdfFormatException($"The PDF is damaged: object {number} cannot be read.", e);
        }
        finally
        {
            _loading.Remove(number);
        }
    }

    private PdfObject ReadFromObjectStream(int streamNumber, int index)
    {
        if (!_objectStreams.TryGetValue(streamNumber, out var os))
        {
            if (_xref.TryGetValue(streamNumber, out var e) && e.InObjectStream) throw new PdfFormatException("The PDF is damaged: nested object streams.");
            if (GetObject(streamNumber) is not PdfStream s || s.Dictionary.GetName("Type") != "ObjStm") throw new PdfFormatException("The PDF is damaged: bad object stream.");
            var data = DecodeStream(s);
            var n = AsLong(s.Dictionary["N"]) ?? 0;
            var first = AsLong(s.Dictionary["First"]) ?? 0;
            if (n < 0 || n > _limits.MaxObjects || n > data.Length || first < 0 || first > data.Length) throw new PdfFormatException("The PDF is damaged: bad object stream header.");
            var header = NewParser(data, 0, (int)first);
            var offsets = new int[n];
            for (var i = 0; i < n; i++)
            {
                header.ReadInteger();
                var at = first + header.ReadInteger();
                if (at < first || at >= data.Length) throw new PdfFormatException("The PDF is damaged: bad object stream header.");
                offsets[i] = (int)at;
            }

            os = (data, offsets);
            _objectStreams[streamNumber] = os;
        }

        if (index < 0 || index >= os.Offsets.Length) throw new PdfFormatException("The PDF is damaged: bad object stream index.");
        return NewParser(os.Data, os.Offsets[index], os.Data.Length).ReadObject();
    }

    private PdfObjectParser NewParser(byte[] data, int position, int end) => new(data, position, end, _limits.MaxNestingDepth);

    /// <summary>A stream's data as the file holds it, still encoded.</summary>
    public ReadOnlySpan<byte> RawStream(PdfStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.DataOffset < 0 || stream.DataLength < 0 || stream.DataLength > Length - stream.DataOffset) throw new PdfFormatException("The PDF is damaged: a stream lies outside the file.");
        return Data.AsSpan((int)stream.DataOffset, stream.DataLength);
    }

    /// <summary>Decodes a stream's data; supports FlateDecode with PNG predictors (what xref and object streams use).</summary>
    public byte[] DecodeStream(PdfStream stream)
    {
        var raw = RawStream(stream);
        var filter = Resolve(stream.Dictionary["Filter"]);
        var filters = filter switch
        {
            null => [],
            PdfName n => [n.Value],
            PdfArray a => a.Items.Select(i => (Resolve(i) as PdfName)?.Value ?? "?").ToArray(),
            _ => new[] { "?" },
        };
        if (filters.Length == 0) return raw.ToArray();
        if (filters.Length != 1 || filters[0] != "FlateDecode") throw new PdfFormatException($"Unsupported stream filter {string.Join(",", filters)} in a structural stream.");
        byte[] inflated;
        using (var input = new MemoryStream(raw.ToArray()))
        using (var z = new ZLibStream(input, CompressionMode.Decompress))
        using (var output = new MemoryStream())
        {
            var buffer = new byte[81920];
            int read;
            try
            {
                while ((read = z.Read(buffer)) > 0)
                {
                    output.Write(buffer, 0, read);
                    if (output.Length > _limits.MaxDecodedStreamBytes) throw new PdfFormatException($"A stream in the PDF decodes to more than the limit of {_limits.MaxDecodedStreamBytes} bytes.");
                    if (output.Length > _limits.DecompressionRatioFloorBytes && output.Length > (long)raw.Length * _limits.MaxDecompressionRatio)
                    {
                        throw new PdfFormatException($"A stream in the PDF decodes to more than {_limits.MaxDecompressionRatio} times its size (a decompression bomb).");
                    }
                }
            }
            catch (InvalidDataException) when (output.Length > 0)
            {
                // Truncated zlib trailers are common; keep what decoded.
            }

            inflated = output.ToArray();
        }

        var parms = ResolveDictionary(stream.Dictionary["DecodeParms"]);
        var predictor = AsLong(parms?["Predictor"]) ?? 1;
        if (predictor < 10) return inflated;
        var columns = AsLong(parms?["Columns"]) ?? 1;
        var colors = AsLong(parms?["Colors"]) ?? 1;
        var bpc = AsLong(parms?["BitsPerComponent"]) ?? 8;
        if (columns is < 1 or > 1 << 20 || colors is < 1 or > 32 || bpc is not (1 or 2 or 4 or 8 or 16)) throw new PdfFormatException("The PDF is damaged: bad predictor parameters in a stream.");
        return PngPredictor.Undo(inflated, (int)columns, (int)colors, (int)bpc);
    }

    /// <summary>A page attribute (MediaBox, Resources, …) from the page or the nearest page-tree node above it that has it.</summary>
    public PdfObject? InheritedPageAttribute(PdfDictionary page, string key)
    {
        var node = page;
        for (var depth = 0; node is not null && depth < 32; depth++)
        {
            if (node[key] is { } value) return value;
            node = ResolveDictionary(node["Parent"]);
        }

        return null;
    }

    /// <summary>The page objects in document order (bounded walk of the page tree).</summary>
    public List<PdfReference> GetPageReferences()
    {
        var root = ResolveDictionary(Trailer["Root"]) ?? throw new PdfFormatException("The PDF is damaged: no catalog.");
        var pages = new List<PdfReference>();
        var seen = new HashSet<int>();
        void Walk(PdfObject? node, int depth)
        {
            if (depth > 64 || node is not PdfReference r || !seen.Add(r.ObjectNumber)) return;
            var d = ResolveDictionary(r);
            if (d is null) return;
            if (d.GetName("Type") == "Page" || (d["Kids"] is null && d.GetName("Type") != "Pages"))
            {
                pages.Add(r);
                return;
            }

            if (Resolve(d["Kids"]) is PdfArray kids)
            {
                foreach (var k in kids.Items) Walk(k, depth + 1);
            }
        }

        Walk(root["Pages"], 0);
        return pages;
    }

    /// <summary>The byte position just past the "%%EOF" that ends the revision whose xref section starts at <paramref name="sectionOffset"/>.</summary>
    public long RevisionEnd(long sectionOffset)
    {
        var idx = Data.AsSpan((int)sectionOffset, Length - (int)sectionOffset).IndexOf("%%EOF"u8);
        if (idx < 0) return Length;
        long end = sectionOffset + idx + 5;
        if (end < Length && Data[end] == '\r') end++;
        if (end < Length && Data[end] == '\n') end++;
        return end;
    }

    public static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

    public static string FormatOffset(long v) => v.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Reverses the PNG row predictors used by Flate streams (ISO 32000-1 §7.4.4.4).</summary>
public static class PngPredictor
{
    public static byte[] Undo(byte[] data, int columns, int colors, int bitsPerComponent)
    {
        var bpp = Math.Max(1, (colors * bitsPerComponent + 7) / 8);
        var rowLength = ((columns * colors * bitsPerComponent) + 7) / 8;
        var rows = data.Length / (rowLength + 1);
        var output = new byte[rows * rowLength];
        var previous = new byte[rowLength];
        for (var r = 0; r < rows; r++)
        {
            var filter = data[r * (rowLength + 1)];
            var row = output.AsSpan(r * rowLength, rowLength);
            data.AsSpan((r * (rowLength + 1)) + 1, rowLength).CopyTo(row);
            Unfilter(filter, row, previous, bpp);
            row.CopyTo(previous);
        }

        return output;
    }

    public static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        for (var i = 0; i < row.Length; i++)
        {
            int left = i >= bpp ? row[i - bpp] : 0;
            int up = previous[i];
            int upLeft = i >= bpp ? previous[i - bpp] : 0;
            row[i] = filter switch
            {
                0 => row[i],
                1 => (byte)(row[i] + left),
                2 => (byte)(row[i] + up),
                3 => (byte)(row[i] + ((left + up) / 2)),
                4 => (byte)(row[i] + Paeth(left, up, upLeft)),
                _ => throw new PdfFormatException("The PDF is damaged: unknown PNG predictor."),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
