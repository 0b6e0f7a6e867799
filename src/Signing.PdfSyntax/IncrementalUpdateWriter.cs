using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Signing.PdfSyntax;

/// <summary>
/// Appends one incremental update (ISO 32000-1 §7.5.6) to an existing file: new and replaced
/// objects, a cross-reference section of the same kind as the file's last one (table or
/// stream) chained by /Prev, and a trailer that keeps /ID[0]. The original bytes are copied
/// unchanged as the output's prefix.
/// </summary>
public sealed class IncrementalUpdateWriter
{
    private readonly PdfFile _original;
    private readonly SortedDictionary<int, byte[]> _bodies = [];
    private int _nextObjectNumber;

    public IncrementalUpdateWriter(PdfFile original)
    {
        _original = original;
        _nextObjectNumber = Math.Max(1, original.Size);
    }

    public PdfReference Allocate() => new(_nextObjectNumber++, 0);

    /// <summary>Sets (adds or replaces) an object; generation numbers of replaced objects are kept.</summary>
    public void SetObject(PdfReference id, PdfObject value) => _bodies[id.ObjectNumber] = Encoding.ASCII.GetBytes(value.ToString());

    /// <summary>Sets an object whose body is raw bytes (used for the signature dictionary with its placeholders).</summary>
    public void SetRawObject(PdfReference id, byte[] body) => _bodies[id.ObjectNumber] = body;

    /// <summary>Adds a stream object, Flate-compressed unless <paramref name="alreadyEncoded"/>.</summary>
    public void SetStream(PdfReference id, PdfDictionary dictionary, ReadOnlySpan<byte> data, bool compress = true, bool alreadyEncoded = false)
    {
        byte[] payload;
        var dict = dictionary.CloneShallow();
        if (compress && !alreadyEncoded)
        {
            payload = Deflate(data);
            dict["Filter"] = new PdfName("FlateDecode");
        }
        else
        {
            payload = data.ToArray();
        }

        dict["Length"] = new PdfNumber(payload.Length);
        using var ms = new MemoryStream();
        ms.Write(Encoding.ASCII.GetBytes(dict.ToString()));
        ms.Write("\nstream\n"u8);
        ms.Write(payload);
        ms.Write("\nendstream"u8);
        _bodies[id.ObjectNumber] = ms.ToArray();
    }

    public static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    /// <summary>The result of <see cref="Write"/>: the new file and where each object's body starts.</summary>
    public sealed record Output(byte[] Bytes, IReadOnlyDictionary<int, long> BodyOffsets);

    public Output Write(byte[]? newDocumentId = null)
    {
        // The update is written on its own and joined to the original once at the end: a large
        // input is copied a single time (offsets below are file positions: updateStart + ms.Position).
        var original = _original.Data;
        var separator = original[^1] != '\n' && original[^1] != '\r';
        long updateStart = original.LongLength + (separator ? 1 : 0);
        using var ms = new MemoryStream(_bodies.Values.Sum(b => b.Length + 32) + 1024);

        var objectOffsets = new SortedDictionary<int, long>();
        var bodyOffsets = new Dictionary<int, long>();
        foreach (var (num, body) in _bodies)
        {
            objectOffsets[num] = updateStart + ms.Position;
            ms.Write(Ascii($"{num} {GenerationOf(num)} obj\n"));
            bodyOffsets[num] = updateStart + ms.Position;
            ms.Write(body);
            ms.Write("\nendobj\n"u8);
        }

        var trailer = new PdfDictionary();
        var size = Math.Max(_original.Size, _nextObjectNumber);
        var root = _original.Trailer["Root"];
        var info = _original.Trailer["Info"];
        var id = BuildId(newDocumentId);
        var prev = _original.StartXref;
        long xrefOffset;

        if (_original.Sections[0].IsStream)
        {
            // The file's last section is a stream: so is ours (readers of xref-stream files may not expect tables).
            var xrefNumber = _nextObjectNumber;
            size = Math.Max(size, xrefNumber + 1);
            xrefOffset = updateStart + ms.Position;
            objectOffsets[xrefNumber] = xrefOffset;
            var width = BytesFor(xrefOffset);
            var rows = new MemoryStream();
            foreach (var (num, off) in objectOffsets)
            {
                rows.WriteByte(1);
                for (var i = width - 1; i >= 0; i--) rows.WriteByte((byte)(off >> (8 * i)));
                var gen = GenerationOf(num);
                rows.WriteByte((byte)(gen >> 8));
                rows.WriteByte((byte)gen);
            }

            trailer["Type"] = new PdfName("XRef");
            trailer["Size"] = new PdfNumber(size);
            trailer["Index"] = IndexArray(objectOffsets.Keys);
            trailer["W"] = PdfArray.OfNumbers(1, width, 2);
            trailer["Root"] = root;
            trailer["Info"] = info;
            trailer["ID"] = id;
            trailer["Prev"] = new PdfNumber(prev);
            var data = rows.ToArray();
            trailer["Length"] = new PdfNumber(data.Length);
            ms.Write(Ascii($"{xrefNumber} 0 obj\n{trailer}\nstream\n"));
            ms.Write(data);
            ms.Write("\nendstream\nendobj\n"u8);
        }
        else
        {
            xrefOffset = updateStart + ms.Position;
            var sb = new StringBuilder();
            XrefTable.AppendUpdate(sb, objectOffsets, GenerationOf);

            trailer["Size"] = new PdfNumber(size);
            trailer["Root"] = root;
            trailer["Info"] = info;
            trailer["ID"] = id;
            trailer["Prev"] = new PdfNumber(prev);
            sb.Append("trailer\n").Append(trailer.ToString()).Append('\n');
            ms.Write(Ascii(sb.ToString()));
        }

        ms.Write(Ascii($"startxref\n{xrefOffset}\n%%EOF\n"));
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)(updateStart + ms.Length)));
        original.CopyTo(bytes, 0);
        if (separator) bytes[original.Length] = (byte)'\n';
        ms.GetBuffer().AsSpan(0, (int)ms.Length).CopyTo(bytes.AsSpan((int)updateStart));
        return new Output(bytes, bodyOffsets);
    }

    // A replaced object keeps its generation; a new one has 0.
    private int GenerationOf(int number) =>
        _original.Xref.TryGetValue(number, out var e) && !e.InObjectStream && e.StreamObjectNumber >= 0 ? e.Generation : 0;

    private PdfArray BuildId(byte[]? newDocumentId)
    {
        var second = new PdfString(newDocumentId ?? RandomNumberGenerator.GetBytes(16));
        if (_original.Resolve(_original.Trailer["ID"]) is PdfArray { Items.Count: 2 } old && old.Items[0] is PdfString first)
        {
            return new PdfArray([first, second]);
        }

        return new PdfArray([second, second]);
    }

    private static int BytesFor(long value)
    {
        var n = 1;
        while (n < 8 && value >= 1L << (8 * n)) n++;
        return Math.Max(n, 4);
    }

    private static PdfArray IndexArray(IEnumerable<int> numbers)
    {
        var arr = new PdfArray();
        foreach (var (s, c) in XrefTable.Runs(numbers))
        {
            arr.Items.Add(new PdfNumber(s));
            arr.Items.Add(new PdfNumber(c));
        }

        return arr;
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
}
