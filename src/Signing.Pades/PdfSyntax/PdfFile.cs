using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Signing.Pades.PdfSyntax;

/// <summary>Bounds for parsing untrusted PDFs.</summary>
public sealed record PdfReadLimits
{
    public long MaxFileBytes { get; init; } = 512L * 1024 * 1024;

    public int MaxObjects { get; init; } = 2_000_000;

    public int MaxRevisions { get; init; } = 1_000;

    public int MaxDecodedStreamBytes { get; init; } = 64 * 1024 * 1024;

    public TimeSpan MaxParseTime { get; init; } = TimeSpan.FromSeconds(10);

    public static PdfReadLimits Default { get; } = new();
}

/// <summary>Where one object's current definition lives, per the cross-reference data.</summary>
public readonly record struct XrefEntry(bool InObjectStream, long Offset, int Generation, int StreamObjectNumber, int IndexInStream);

/// <summary>One cross-reference section (one revision of the file), newest first in <see cref="PdfFile.Sections"/>.</summary>
public sealed record XrefSection(long Offset, bool IsStream, PdfDictionary Trailer, IReadOnlyList<int> ObjectNumbers);

/// <summary>
/// A parsed PDF file: its cross-reference data (classic tables, xref streams, hybrids, /Prev
/// chains), the merged trailer and lazy object access. Never modifies the bytes.
/// </summary>
public sealed class PdfFile
{
    private readonly Dictionary<int, XrefEntry> _xref = [];
    private readonly Dictionary<int, PdfObject> _cache = [];
    private readonly Dictionary<int, (byte[] Data, int[] Offsets)> _objectStreams = [];
    private readonly PdfReadLimits _limits;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private PdfFile(byte[] data, PdfReadLimits limits)
    {
        Data = data;
        _limits = limits;
    }

    public byte[] Data { get; }

    /// <summary>Trailer entries merged over the whole /Prev chain, newest winning.</summary>
    public PdfDictionary Trailer { get; } = new();

    /// <summary>Cross-reference sections, newest (the one startxref points to) first.</summary>
    public List<XrefSection> Sections { get; } = [];

    public long StartXref { get; private set; }

    public IReadOnlyDictionary<int, XrefEntry> Xref => _xref;

    /// <summary>One more than the highest object number in use (the trailer /Size).</summary>
    public int Size { get; private set; }

    public static PdfFile Parse(byte[] data, PdfReadLimits? limits = null)
    {
        limits ??= PdfReadLimits.Default;
        if (data.Length > limits.MaxFileBytes) throw new PdfFormatException($"The PDF is larger than the limit of {limits.MaxFileBytes} bytes.");
        if (data.Length < 32 || !StartsWithHeader(data)) throw new PdfFormatException("The input is not a PDF (no %PDF- header).");
        var file = new PdfFile(data, limits);
        try
        {
            file.ReadCrossReferences();
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException or InvalidDataException or FormatException)
        {
            throw new PdfFormatException("The PDF is damaged: its cross-reference data cannot be read.", e);
        }

        if (file.Trailer["Encrypt"] is not null) throw new PdfFormatException("The PDF is encrypted; encrypted PDFs cannot be signed or verified.");
        if (file.Trailer["Root"] is not PdfReference) throw new PdfFormatException("The PDF is damaged: the trailer has no /Root.");
        return file;
    }

    private static bool StartsWithHeader(byte[] data)
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
        if (_clock.Elapsed > _limits.MaxParseTime) throw new PdfFormatException("The PDF took too long to parse.");
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
            if (visited.Count > _limits.MaxRevisions) throw new PdfFormatException("The PDF has too many revisions.");
            if (offset < 0 || offset >= Data.Length) throw new PdfFormatException("The PDF is damaged: a cross-reference offset points outside the file.");
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
        var from = Math.Max(0, Data.Length - 2048);
        var marker = "startxref"u8;
        var idx = Data.AsSpan(from).LastIndexOf(marker);
        if (idx < 0) throw new PdfFormatException("The PDF is damaged or truncated: no startxref at its end.");
        var parser = new PdfObjectParser(Data, from + idx + marker.Length);
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
        var parser = new PdfObjectParser(Data, (int)offset);
        if (parser.PeekToken() == "xref")
        {
            parser.ReadToken();
            var numbers = new List<int>();
            while (true)
            {
                var t = parser.PeekToken();
                if (t == "trailer") break;
                var first = parser.ReadInteger();
                var count = parser.ReadInteger();
                if (first < 0 || count < 0 || first + count > _limits.MaxObjects) throw new PdfFormatException("The PDF has too many objects.");
                for (var i = 0; i < count; i++)
                {
                    var off = parser.ReadInteger();
                    var gen = parser.ReadInteger();
                    var kind = parser.ReadToken();
                    var num = (int)(first + i);
                    numbers.Add(num);
                    if (kind == "n" && !_xref.ContainsKey(num) && off > 0) _xref[num] = new XrefEntry(false, off, (int)gen, 0, 0);
                    else if (kind == "f") _xref.TryAdd(num, new XrefEntry(false, 0, (int)gen, -1, 0));
                    else if (kind != "n") throw new PdfFormatException("The PDF is damaged: bad cross-reference entry.");
                }
            }

            parser.ExpectKeyword("trailer");
            if (parser.ReadObject() is not PdfDictionary trailer) throw new PdfFormatException("The PDF is damaged: the trailer is not a dictionary.");

            // Hybrid files: the table's /XRefStm entries rank after the table, before /Prev.
            if (trailer["XRefStm"] is PdfNumber xs)
            {
                var hybrid = ReadXrefStream(xs.AsLong());
                numbers.AddRange(hybrid.ObjectNumbers);
            }

            return new XrefSection(offset, false, trailer, numbers);
        }

        return ReadXrefStream(offset);
    }

    private XrefSection ReadXrefStream(long offset)
    {
        var (_, obj) = ReadIndirectObjectAt(offset);
        if (obj is not PdfStream stream || stream.Dictionary.GetName("Type") != "XRef")
        {
            throw new PdfFormatException("The PDF is damaged: startxref does not point to a cross-reference table or stream.");
        }

        var dict = stream.Dictionary;
        var w = (dict["W"] as PdfArray)?.Items.Select(i => (int)((PdfNumber)i).AsLong()).ToArray();
        if (w is not { Length: 3 } || w.Any(x => x is < 0 or > 8)) throw new PdfFormatException("The PDF is damaged: bad /W in a cross-reference stream.");
        var size = dict["Size"] is PdfNumber sz ? sz.AsLong() : 0;
        var index = dict["Index"] is PdfArray ia ? ia.Items.Select(i => ((PdfNumber)i).AsLong()).ToArray() : [0, size];
        var data = DecodeStream(stream);
        var rowLength = w[0] + w[1] + w[2];
        if (rowLength == 0) throw new PdfFormatException("The PDF is damaged: bad /W in a cross-reference stream.");
        var pos = 0;
        var numbers = new List<int>();
        for (var s = 0; s + 1 < index.Length; s += 2)
        {
            if (index[s] < 0 || index[s + 1] < 0 || index[s] + index[s + 1] > _limits.MaxObjects) throw new PdfFormatException("The PDF has too many objects.");
            for (var i = 0; i < index[s + 1]; i++)
            {
                if (pos + rowLength > data.Length) throw new PdfFormatException("The PDF is damaged: a cross-reference stream is too short.");
                var type = w[0] == 0 ? 1 : ReadField(data, pos, w[0]);
                var f2 = ReadField(data, pos + w[0], w[1]);
                var f3 = ReadField(data, pos + w[0] + w[1], w[2]);
                pos += rowLength;
                var num = (int)(index[s] + i);
                numbers.Add(num);
                if (_xref.ContainsKey(num)) continue;
                switch (type)
                {
                    case 0: _xref[num] = new XrefEntry(false, 0, (int)f3, -1, 0); break;
                    case 1: _xref[num] = new XrefEntry(false, f2, (int)f3, 0, 0); break;
                    case 2: _xref[num] = new XrefEntry(true, 0, 0, (int)f2, (int)f3); break;
                }
            }
        }

        return new XrefSection(offset, true, dict, numbers);
    }

    private static long ReadField(byte[] data, int pos, int width)
    {
        long v = 0;
        for (var i = 0; i < width; i++) v = (v << 8) | data[pos + i];
        return v;
    }

    /// <summary>Reads "n g obj ... endobj" at an offset (streams: dictionary plus data location).</summary>
    public (PdfReference Id, PdfObject Value) ReadIndirectObjectAt(long offset)
    {
        if (offset < 0 || offset >= Data.Length) throw new PdfFormatException("The PDF is damaged: an object offset points outside the file.");
        var parser = new PdfObjectParser(Data, (int)offset);
        var num = parser.ReadInteger();
        var gen = parser.ReadInteger();
        parser.ExpectKeyword("obj");
        var value = parser.ReadObject();
        var id = new PdfReference((int)num, (int)gen);
        if (value is PdfDictionary dict && parser.PeekToken() == "stream")
        {
            parser.ReadToken();
            var p = parser.Position;
            if (p < Data.Length && Data[p] == '\r') p++;
            if (p < Data.Length && Data[p] == '\n') p++;
            var length = dict["Length"] switch
            {
                PdfNumber n => n.AsLong(),
                PdfReference r when r.ObjectNumber != num => (Resolve(r) as PdfNumber)?.AsLong() ?? -1,
                _ => -1,
            };
            if (length < 0 || p + length > Data.Length || !EndstreamFollows(p + length))
            {
                // A wrong /Length: fall back to the endstream keyword.
                var rel = Data.AsSpan(p).IndexOf("endstream"u8);
                if (rel < 0) throw new PdfFormatException("The PDF is damaged: a stream has no end.");
                length = rel;
                while (length > 0 && Data[p + length - 1] is 10 or 13) length--;
            }

            return (id, new PdfStream(dict, p, (int)length));
        }

        return (id, value);
    }

    private bool EndstreamFollows(long pos)
    {
        var p = (int)pos;
        while (p < Data.Length && PdfObjectParser.IsWhitespace(Data[p])) p++;
        return Data.AsSpan(p).StartsWith("endstream"u8);
    }

    /// <summary>Follows references (bounded) to a direct object; missing objects are null.</summary>
    public PdfObject? Resolve(PdfObject? obj)
    {
        for (var hops = 0; obj is PdfReference r; hops++)
        {
            if (hops > 32) throw new PdfFormatException("The PDF is damaged: a reference chain is too long.");
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

    public PdfObject? GetObject(int number)
    {
        CheckTime();
        if (_cache.TryGetValue(number, out var cached)) return cached;
        if (!_xref.TryGetValue(number, out var entry) || entry.StreamObjectNumber < 0) return null;
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

    private PdfObject ReadFromObjectStream(int streamNumber, int index)
    {
        if (!_objectStreams.TryGetValue(streamNumber, out var os))
        {
            if (_xref.TryGetValue(streamNumber, out var e) && e.InObjectStream) throw new PdfFormatException("The PDF is damaged: nested object streams.");
            if (GetObject(streamNumber) is not PdfStream s || s.Dictionary.GetName("Type") != "ObjStm") throw new PdfFormatException("The PDF is damaged: bad object stream.");
            var data = DecodeStream(s);
            var n = (int)((s.Dictionary["N"] as PdfNumber)?.AsLong() ?? 0);
            var first = (int)((s.Dictionary["First"] as PdfNumber)?.AsLong() ?? 0);
            if (n < 0 || n > _limits.MaxObjects || first < 0 || first > data.Length) throw new PdfFormatException("The PDF is damaged: bad object stream header.");
            var header = new PdfObjectParser(data, 0, first);
            var offsets = new int[n];
            for (var i = 0; i < n; i++)
            {
                header.ReadInteger();
                offsets[i] = first + (int)header.ReadInteger();
            }

            os = (data, offsets);
            _objectStreams[streamNumber] = os;
        }

        if (index < 0 || index >= os.Offsets.Length) throw new PdfFormatException("The PDF is damaged: bad object stream index.");
        return new PdfObjectParser(os.Data, os.Offsets[index]).ReadObject();
    }

    /// <summary>Decodes a stream's data; supports FlateDecode with PNG predictors (what xref and object streams use).</summary>
    public byte[] DecodeStream(PdfStream stream)
    {
        var raw = Data.AsSpan((int)stream.DataOffset, stream.DataLength);
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
                    if (output.Length > _limits.MaxDecodedStreamBytes) throw new PdfFormatException("A stream in the PDF decodes to more than the size limit.");
                }
            }
            catch (InvalidDataException) when (output.Length > 0)
            {
                // Truncated zlib trailers are common; keep what decoded.
            }

            inflated = output.ToArray();
        }

        var parms = ResolveDictionary(stream.Dictionary["DecodeParms"]);
        var predictor = (parms?["Predictor"] as PdfNumber)?.AsLong() ?? 1;
        if (predictor < 10) return inflated;
        var columns = (int)((parms?["Columns"] as PdfNumber)?.AsLong() ?? 1);
        var colors = (int)((parms?["Colors"] as PdfNumber)?.AsLong() ?? 1);
        var bpc = (int)((parms?["BitsPerComponent"] as PdfNumber)?.AsLong() ?? 8);
        return PngPredictor.Undo(inflated, columns, colors, bpc);
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
        var idx = Data.AsSpan((int)sectionOffset).IndexOf("%%EOF"u8);
        if (idx < 0) return Data.Length;
        long end = sectionOffset + idx + 5;
        if (end < Data.Length && Data[end] == '\r') end++;
        if (end < Data.Length && Data[end] == '\n') end++;
        return end;
    }

    public static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

    public static string FormatOffset(long v) => v.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Reverses the PNG row predictors used by Flate streams (ISO 32000-1 §7.4.4.4).</summary>
internal static class PngPredictor
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
