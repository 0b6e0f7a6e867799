using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Signing.Core;

namespace Signing.PdfSyntax;

/// <summary>
/// Parses PDF objects from a byte buffer (ISO 32000-1 §7.2–7.3). Bounded: nesting depth and
/// string sizes are limited, and every malformed construct becomes a one-line
/// <see cref="SigningException"/>.
/// </summary>
public sealed class PdfObjectParser
{
    private readonly byte[] _data;
    private readonly int _end;
    private readonly int _maxNesting;

    /// <param name="maxNesting">Deepest array/dictionary nesting accepted (<see cref="PdfReadLimits.MaxNestingDepth"/>).</param>
    public PdfObjectParser(byte[] data, int position = 0, int end = -1, int maxNesting = 64)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
        _end = end < 0 || end > data.Length ? data.Length : end;
        if (position < 0 || position > _end) throw Corrupt("a position points outside the data");
        Position = position;
        _maxNesting = maxNesting;
    }

    private int _position;
    private int _furthest;

    /// <summary>The read position. Moving it back (an undone look-ahead) keeps what was looked at in <see cref="ExaminedEnd"/>.</summary>
    public int Position
    {
        get => _position;
        set => MoveTo(value);
    }

    /// <summary>
    /// Every byte this parser has looked at lies before this index, so what it read would read the
    /// same in any buffer that agrees up to here (a later revision's prefix of the same file).
    /// The scanners look at most two bytes past the position they reach.
    /// </summary>
    public int ExaminedEnd => Math.Min(_end, Math.Max(_furthest, _position) + 3);

    private void MoveTo(int position)
    {
        if (_position > _furthest) _furthest = _position;
        _position = position;
    }

    private const byte Regular = 0, Whitespace = 1, Delimiter = 2;

    // One lookup per byte in the scanning loops instead of two chains of comparisons.
    private static readonly byte[] ByteClass = ClassifyBytes();

    public static bool IsWhitespace(byte b) => ByteClass[b] == Whitespace;

    public static bool IsDelimiter(byte b) => ByteClass[b] == Delimiter;

    private static bool IsRegular(byte b) => ByteClass[b] == Regular;

    private static byte[] ClassifyBytes()
    {
        var classes = new byte[256];
        foreach (var b in "\0\t\n\f\r "u8) classes[b] = Whitespace;
        foreach (var b in "()<>[]{}/%"u8) classes[b] = Delimiter;
        return classes;
    }

    public void SkipWhitespaceAndComments()
    {
        while (_position < _end)
        {
            var b = _data[_position];
            if (IsWhitespace(b))
            {
                _position++;
            }
            else if (b == '%')
            {
                while (_position < _end && _data[_position] != '\n' && _data[_position] != '\r') _position++;
            }
            else
            {
                break;
            }
        }
    }

    /// <summary>Reads a bare keyword or number token (e.g. "obj", "xref", "12").</summary>
    public string ReadToken() => Encoding.ASCII.GetString(ScanToken());

    /// <summary>Skips to the next token and past it; the token's bytes.</summary>
    private ReadOnlySpan<byte> ScanToken()
    {
        SkipWhitespaceAndComments();
        var start = _position;
        while (_position < _end && IsRegular(_data[_position])) _position++;
        return _data.AsSpan(start, _position - start);
    }

    public string PeekToken()
    {
        var save = _position;
        var t = ReadToken();
        MoveTo(save);
        return t;
    }

    public long ReadInteger()
    {
        var t = ScanToken();
        if (!long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            throw Corrupt($"expected an integer at byte {_position}");
        }

        return v;
    }

    public void ExpectKeyword(string keyword)
    {
        var t = ScanToken();
        if (!Ascii.Equals(t, keyword)) throw Corrupt($"expected '{keyword}' at byte {_position}");
    }

    /// <summary>Reads one object; "n g R" becomes a <see cref="PdfReference"/>.</summary>
    public PdfObject ReadObject() => ReadObject(0);

    private PdfObject ReadObject(int depth)
    {
        if (depth > _maxNesting) throw new PdfFormatException($"The PDF nests objects deeper than the limit of {_maxNesting}.");
        SkipWhitespaceAndComments();
        if (_position >= _end) throw Corrupt("unexpected end of data");
        var b = _data[_position];
        switch (b)
        {
            case (byte)'/':
                return ReadName();
            case (byte)'(':
                return ReadLiteralString();
            case (byte)'<':
                if (_position + 1 < _end && _data[_position + 1] == '<') return ReadDictionary(depth);
                return ReadHexString();
            case (byte)'[':
                return ReadArray(depth);
        }

        var token = ScanToken();
        if (token.Length == 0) throw Corrupt($"unexpected character at byte {_position}");
        if (token.SequenceEqual("true"u8)) return PdfBoolean.True;
        if (token.SequenceEqual("false"u8)) return PdfBoolean.False;
        if (token.SequenceEqual("null"u8)) return PdfNull.Instance;
        if (!IsNumber(token)) throw Corrupt($"unexpected token '{Truncate(Encoding.ASCII.GetString(token))}' at byte {_position}");

        // An integer may start "n g R".
        if (TryParseDigits(token, out var num))
        {
            var save = _position;
            if (num <= int.MaxValue && ReadsGenerationAndR(out var gen)) return new PdfReference((int)num, gen);
            MoveTo(save);
            if (num < SmallIntegers.Length && (token.Length == 1 || token[0] != '0')) return SmallIntegers[num];
        }

        return new PdfNumber(Encoding.ASCII.GetString(token));
    }

    // Numbers are immutable and small non-negative integers fill most arrays (font widths, boxes, references' neighbours).
    private static readonly PdfNumber[] SmallIntegers = Enumerable.Range(0, 1024).Select(i => new PdfNumber(i)).ToArray();

    /// <summary>After an object number: a generation number token and an "R" token follow (else the position is left anywhere).</summary>
    private bool ReadsGenerationAndR(out int generation)
    {
        generation = 0;
        SkipWhitespaceAndComments();
        if (_position >= _end || _data[_position] is < (byte)'0' or > (byte)'9') return false;
        if (!TryParseDigits(ScanToken(), out var gen) || gen > int.MaxValue) return false;
        generation = (int)gen;
        SkipWhitespaceAndComments();
        if (_position >= _end || _data[_position] != 'R') return false;
        _position++;
        return _position >= _end || !IsRegular(_data[_position]);
    }

    /// <summary>A token of decimal digits only (no sign, no point) that fits a long.</summary>
    private static bool TryParseDigits(ReadOnlySpan<byte> token, out long value)
    {
        value = 0;
        if (token.Length is 0 or > 18) return token.Length > 18 && long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        foreach (var b in token)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = (value * 10) + (b - '0');
        }

        return true;
    }

    private static bool IsNumber(ReadOnlySpan<byte> t)
    {
        var digits = 0;
        for (var i = 0; i < t.Length; i++)
        {
            var c = t[i];
            if (c is >= (byte)'0' and <= (byte)'9') digits++;
            else if ((c is (byte)'+' or (byte)'-') && i == 0) { }
            else if (c != '.') return false;
        }

        return digits > 0;
    }

    // Lists that collect the items of longer arrays being read, kept per thread across parsers.
    // A list is taken out while in use, so nested reads never share one.
    [ThreadStatic]
    private static Stack<List<PdfObject>>? _spareItemLists;

    private PdfArray ReadArray(int depth)
    {
        _position++; // '['
        // Most arrays are short (a font's widths are hundreds of one-number arrays): the first two
        // items wait in locals, and each array is allocated once, at its final size.
        PdfObject? first = null, second = null;
        List<PdfObject>? more = null;
        var count = 0;
        while (true)
        {
            SkipWhitespaceAndComments();
            if (_position >= _end) throw Corrupt("unterminated array");
            if (_data[_position] == ']')
            {
                _position++;
                return count switch
                {
                    0 => new PdfArray(),
                    1 => new PdfArray([first!]),
                    2 => new PdfArray([first!, second!]),
                    _ => Finish(more!),
                };
            }

            var item = ReadObject(depth + 1);
            switch (count++)
            {
                case 0: first = item; break;
                case 1: second = item; break;
                case 2:
                    var spare = _spareItemLists ??= new Stack<List<PdfObject>>();
                    more = spare.Count > 0 ? spare.Pop() : [];
                    more.Clear();
                    more.Add(first!);
                    more.Add(second!);
                    more.Add(item);
                    break;
                default: more!.Add(item); break;
            }
        }

        static PdfArray Finish(List<PdfObject> items)
        {
            var array = new PdfArray(CollectionsMarshal.AsSpan(items));
            items.Clear();
            var spare = _spareItemLists!;
            if (items.Capacity <= 4096 && spare.Count < 64) spare.Push(items);
            return array;
        }
    }

    private PdfDictionary ReadDictionary(int depth)
    {
        _position += 2;
        var dict = new PdfDictionary();
        while (true)
        {
            SkipWhitespaceAndComments();
            if (_position + 1 >= _end) throw Corrupt("unterminated dictionary");
            if (_data[_position] == '>' && _data[_position + 1] == '>')
            {
                _position += 2;
                return dict;
            }

            if (_data[_position] != '/') throw Corrupt($"dictionary key expected at byte {_position}");
            var key = ReadName().Value;
            var value = ReadObject(depth + 1);
            if (value is not PdfNull) dict[key] = value;
        }
    }

    private PdfName ReadName()
    {
        _position++; // '/'
        var start = _position;
        while (_position < _end && IsRegular(_data[_position]) && _data[_position] != '#') _position++;
        if (_position >= _end || _data[_position] != '#') return PdfNames.Get(_data.AsSpan(start, _position - start));

        // #-escapes: decoded one character at a time.
        MoveTo(start);
        var sb = new StringBuilder();
        while (_position < _end && !IsWhitespace(_data[_position]) && !IsDelimiter(_data[_position]))
        {
            var c = _data[_position];
            if (c == '#' && _position + 2 < _end && IsHex(_data[_position + 1]) && IsHex(_data[_position + 2]))
            {
                sb.Append((char)((HexValue(_data[_position + 1]) << 4) | HexValue(_data[_position + 2])));
                _position += 3;
            }
            else
            {
                sb.Append((char)c);
                _position++;
            }
        }

        return new PdfName(sb.ToString());
    }

    private PdfString ReadHexString()
    {
        _position++; // '<'

        // Fast path for the common form, an even run of hex digits up to '>' (signature /Contents
        // is tens of KB of it); anything else (whitespace, odd length, bad bytes) takes the loop below.
        var close = _data.AsSpan(_position, _end - _position).IndexOf((byte)'>');
        if (close >= 0 && close % 2 == 0)
        {
            var decoded = new byte[close / 2];
            if (Convert.FromHexString(_data.AsSpan(_position, close), decoded, out var consumed, out _) == System.Buffers.OperationStatus.Done && consumed == close)
            {
                _position += close + 1;
                return new PdfString(decoded);
            }
        }

        var bytes = new List<byte>();
        var high = -1;
        while (true)
        {
            if (_position >= _end) throw Corrupt("unterminated hex string");
            var c = _data[_position++];
            if (c == '>') break;
            if (IsWhitespace(c)) continue;
            if (!IsHex(c)) throw Corrupt($"bad hex string character at byte {_position - 1}");
            if (high < 0)
            {
                high = HexValue(c);
            }
            else
            {
                bytes.Add((byte)((high << 4) | HexValue(c)));
                high = -1;
            }
        }

        if (high >= 0) bytes.Add((byte)(high << 4));
        return new PdfString(bytes.ToArray());
    }

    private PdfString ReadLiteralString()
    {
        _position++; // '('
        var bytes = new List<byte>();
        var nesting = 1;
        while (true)
        {
            if (_position >= _end) throw Corrupt("unterminated string");
            var c = _data[_position++];
            switch (c)
            {
                case (byte)'(':
                    nesting++;
                    bytes.Add(c);
                    break;
                case (byte)')':
                    if (--nesting == 0) return new PdfString(bytes.ToArray());
                    bytes.Add(c);
                    break;
                case (byte)'\\':
                    if (_position >= _end) throw Corrupt("unterminated string");
                    var e = _data[_position++];
                    switch (e)
                    {
                        case (byte)'n': bytes.Add(10); break;
                        case (byte)'r': bytes.Add(13); break;
                        case (byte)'t': bytes.Add(9); break;
                        case (byte)'b': bytes.Add(8); break;
                        case (byte)'f': bytes.Add(12); break;
                        case (byte)'\r':
                            if (_position < _end && _data[_position] == '\n') _position++;
                            break;
                        case (byte)'\n': break;
                        default:
                            if (e is >= (byte)'0' and <= (byte)'7')
                            {
                                var v = e - '0';
                                for (var k = 0; k < 2 && _position < _end && _data[_position] is >= (byte)'0' and <= (byte)'7'; k++)
                                {
                                    v = (v * 8) + (_data[_position++] - '0');
                                }

                                bytes.Add((byte)v);
                            }
                            else
                            {
                                bytes.Add(e);
                            }

                            break;
                    }

                    break;
                default:
                    bytes.Add(c);
                    break;
            }
        }
    }

    public static bool IsHex(byte c) => c is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    public static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static string Truncate(string s) => s.Length > 20 ? s[..20] + "…" : s;

    internal static SigningException Corrupt(string detail) => new PdfFormatException($"The PDF is damaged or not a PDF: {detail}.");
}

/// <summary>The input is not a well-formed PDF (or exceeds the parsing limits).</summary>
public sealed class PdfFormatException : SigningException
{
    public PdfFormatException(string message) : base(message) { }

    public PdfFormatException(string message, Exception inner) : base(message, inner) { }

    public PdfFormatException() { }
}
