using System.Globalization;
using System.Text;

namespace Signing.PdfSyntax;

/// <summary>
/// The small PDF object model the signer and verifier need. It keeps numbers as their source
/// text so that objects copied into an incremental update say exactly what they said before.
/// </summary>
public abstract class PdfObject
{
    /// <summary>Writes the object in PDF syntax (strings as hex, so any bytes survive).</summary>
    public abstract void WriteTo(StringBuilder sb);

    public override string ToString()
    {
        var sb = new StringBuilder();
        WriteTo(sb);
        return sb.ToString();
    }
}

public sealed class PdfNull : PdfObject
{
    public static readonly PdfNull Instance = new();

    public override void WriteTo(StringBuilder sb) => sb.Append("null");
}

public sealed class PdfBoolean(bool value) : PdfObject
{
    public static readonly PdfBoolean True = new(true);

    public static readonly PdfBoolean False = new(false);

    public bool Value { get; } = value;

    public override void WriteTo(StringBuilder sb) => sb.Append(Value ? "true" : "false");
}

public sealed class PdfNumber : PdfObject
{
    public PdfNumber(string text) => Text = text;

    public PdfNumber(long value) => Text = value.ToString(CultureInfo.InvariantCulture);

    public PdfNumber(double value) => Text = Format(value);

    public string Text { get; }

    public bool IsInteger => long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    public long AsLong() =>
        long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : (long)AsDouble();

    public double AsDouble() =>
        double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;

    public static string Format(double value) =>
        Math.Round(value, 4).ToString("0.####", CultureInfo.InvariantCulture);

    public override void WriteTo(StringBuilder sb) => sb.Append(Text);
}

public sealed class PdfName(string value) : PdfObject
{
    public string Value { get; } = value;

    public override void WriteTo(StringBuilder sb)
    {
        sb.Append('/');
        foreach (var c in Value)
        {
            // Delimiters, whitespace, '#' and anything outside printable ASCII must be #-escaped.
            if (c <= ' ' || c > '~' || "()<>[]{}/%#".Contains(c, StringComparison.Ordinal))
            {
                sb.Append('#').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
    }

    public override bool Equals(object? obj) => obj is PdfName n && n.Value == Value;

    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);
}

/// <summary>A string object; <see cref="Bytes"/> are the decoded bytes, whatever the source syntax.</summary>
public sealed class PdfString(byte[] bytes) : PdfObject
{
    public byte[] Bytes { get; } = bytes;

    /// <summary>A text string: PDFDocEncoding-compatible ASCII as is, anything else as UTF-16BE with BOM.</summary>
    public static PdfString FromText(string text)
    {
        text = text.Normalize(NormalizationForm.FormC);
        if (text.All(c => c >= ' ' && c <= '~')) return new PdfString(Encoding.ASCII.GetBytes(text));
        var body = Encoding.BigEndianUnicode.GetBytes(text);
        var bytes = new byte[body.Length + 2];
        bytes[0] = 0xFE;
        bytes[1] = 0xFF;
        body.CopyTo(bytes, 2);
        return new PdfString(bytes);
    }

    /// <summary>Decodes a text string (UTF-16BE with BOM, UTF-8 with BOM, else Latin-1 as an approximation of PDFDocEncoding).</summary>
    public string ToText()
    {
        if (Bytes.Length >= 2 && Bytes[0] == 0xFE && Bytes[1] == 0xFF) return Encoding.BigEndianUnicode.GetString(Bytes, 2, Bytes.Length - 2);
        if (Bytes.Length >= 3 && Bytes[0] == 0xEF && Bytes[1] == 0xBB && Bytes[2] == 0xBF) return Encoding.UTF8.GetString(Bytes, 3, Bytes.Length - 3);
        return Encoding.Latin1.GetString(Bytes);
    }

    public override void WriteTo(StringBuilder sb)
    {
        // One hex conversion for the whole string: a signature's /Contents is tens of kilobytes, and
        // the change analysis writes signature dictionaries out to compare them.
        sb.Append('<').Append(Convert.ToHexString(Bytes)).Append('>');
    }
}

public sealed class PdfArray : PdfObject
{
    public PdfArray() => Items = [];

    public PdfArray(IEnumerable<PdfObject> items) => Items = [.. items];

    /// <summary>An array of exactly these items (the parser's: one allocation, no growth).</summary>
    internal PdfArray(ReadOnlySpan<PdfObject> items) => Items = [.. items];

    public List<PdfObject> Items { get; }

    public static PdfArray OfNumbers(params double[] values) => new(values.Select(v => (PdfObject)new PdfNumber(v)));

    public override void WriteTo(StringBuilder sb)
    {
        sb.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            Items[i].WriteTo(sb);
        }

        sb.Append(']');
    }
}

/// <summary>A dictionary that keeps its keys in source order, so rewritten objects stay recognisable.</summary>
public class PdfDictionary : PdfObject
{
    // Most PDF dictionaries have a handful of keys: a list searched in order costs less to build
    // and to read than a hash table; large ones get an index as well.
    private const int IndexFrom = 16;
    private readonly List<KeyValuePair<string, PdfObject>> _items = [];
    private Dictionary<string, int>? _index;

    public IEnumerable<KeyValuePair<string, PdfObject>> Entries => _items;

    public int Count => _items.Count;

    public PdfObject? this[string key]
    {
        get => IndexOf(key) is var i and >= 0 ? _items[i].Value : null;
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            var i = IndexOf(key);
            if (value is null)
            {
                if (i < 0) return;
                _items.RemoveAt(i);
                _index = null;
                if (_items.Count >= IndexFrom) BuildIndex();
            }
            else if (i >= 0)
            {
                _items[i] = new(key, value);
            }
            else
            {
                _items.Add(new(key, value));
                if (_index is not null) _index[key] = _items.Count - 1;
                else if (_items.Count >= IndexFrom) BuildIndex();
            }
        }
    }

    private int IndexOf(string key)
    {
        if (_index is not null) return _index.TryGetValue(key, out var i) ? i : -1;
        for (var i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Key, key, StringComparison.Ordinal)) return i;
        }

        return -1;
    }

    private void BuildIndex()
    {
        _index = new Dictionary<string, int>(_items.Count, StringComparer.Ordinal);
        for (var i = 0; i < _items.Count; i++) _index[_items[i].Key] = i;
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public string? GetName(string key) => this[key] is PdfName n ? n.Value : null;

    public PdfDictionary CloneShallow()
    {
        var copy = new PdfDictionary();
        foreach (var (k, v) in _items) copy[k] = v;
        return copy;
    }

    public override void WriteTo(StringBuilder sb)
    {
        sb.Append("<<");
        foreach (var (k, v) in _items)
        {
            new PdfName(k).WriteTo(sb);
            sb.Append(' ');
            v.WriteTo(sb);
        }

        sb.Append(">>");
    }
}

/// <summary>A stream as read from a file: its dictionary and where its raw (still encoded) data lies.</summary>
public sealed class PdfStream(PdfDictionary dictionary, long dataOffset, int dataLength) : PdfObject
{
    public PdfDictionary Dictionary { get; } = dictionary;

    public long DataOffset { get; } = dataOffset;

    public int DataLength { get; } = dataLength;

    public override void WriteTo(StringBuilder sb) =>
        throw new InvalidOperationException("Streams read from a file are never rewritten by the signer.");
}

public sealed class PdfReference(int objectNumber, int generation) : PdfObject
{
    public int ObjectNumber { get; } = objectNumber;

    public int Generation { get; } = generation;

    public override void WriteTo(StringBuilder sb) =>
        sb.Append(ObjectNumber.ToString(CultureInfo.InvariantCulture)).Append(' ')
          .Append(Generation.ToString(CultureInfo.InvariantCulture)).Append(" R");

    public override bool Equals(object? obj) => obj is PdfReference r && r.ObjectNumber == ObjectNumber && r.Generation == Generation;

    public override int GetHashCode() => HashCode.Combine(ObjectNumber, Generation);
}
