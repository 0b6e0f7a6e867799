using System.Globalization;
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

    public int Position { get; set; }

    public static bool IsWhitespace(byte b) => b is 0 or 9 or 10 or 12 or 13 or 32;

    public static bool IsDelimiter(byte b) => b is (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%';

    public void SkipWhitespaceAndComments()
    {
        while (Position < _end)
        {
            var b = _data[Position];
            if (IsWhitespace(b))
            {
                Position++;
            }
            else if (b == '%')
            {
                while (Position < _end && _data[Position] != '\n' && _data[Position] != '\r') Position++;
            }
            else
            {
                break;
            }
        }
    }

    /// <summary>Reads a bare keyword or number token (e.g. "obj", "xref", "12").</summary>
    public string ReadToken()
    {
        SkipWhitespaceAndComments();
        var start = Position;
        while (Position < _end && !IsWhitespace(_data[Position]) && !IsDelimiter(_data[Position])) Position++;
        return Encoding.ASCII.GetString(_data, start, Position - start);
    }

    public string PeekToken()
    {
        var save = Position;
        var t = ReadToken();
        Position = save;
        return t;
    }

    public long ReadInteger()
    {
        var t = ReadToken();
        if (!long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            throw Corrupt($"expected an integer at byte {Position}");
        }

        return v;
    }

    public void ExpectKeyword(string keyword)
    {
        var t = ReadToken();
        if (t != keyword) throw Corrupt($"expected '{keyword}' at byte {Position}");
    }

    /// <summary>Reads one object; "n g R" becomes a <see cref="PdfReference"/>.</summary>
    public PdfObject ReadObject() => ReadObject(0);

    private PdfObject ReadObject(int depth)
    {
        if (depth > _maxNesting) throw new PdfFormatException($"The PDF nests objects deeper than the limit of {_maxNesting}.");
        SkipWhitespaceAndComments();
        if (Position >= _end) throw Corrupt("unexpected end of data");
        var b = _data[Position];
        switch (b)
        {
            case (byte)'/':
                return ReadName();
            case (byte)'(':
                return ReadLiteralString();
            case (byte)'<':
                if (Position + 1 < _end && _data[Position + 1] == '<') return ReadDictionary(depth);
                return ReadHexString();
            case (byte)'[':
                {
                    Position++;
                    var arr = new PdfArray();
                    while (true)
                    {
                        SkipWhitespaceAndComments();
                        if (Position >= _end) throw Corrupt("unterminated array");
                        if (_data[Position] == ']')
                        {
                            Position++;
                            return arr;
                        }

                        arr.Items.Add(ReadObject(depth + 1));
                    }
                }
        }

        var token = ReadToken();
        if (token.Length == 0) throw Corrupt($"unexpected character at byte {Position}");
        switch (token)
        {
            case "true": return new PdfBoolean(true);
            case "false": return new PdfBoolean(false);
            case "null": return PdfNull.Instance;
        }

        if (!IsNumber(token)) throw Corrupt($"unexpected token '{Truncate(token)}' at byte {Position}");

        // An integer may start "n g R".
        if (long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var num))
        {
            var save = Position;
            var t2 = ReadToken();
            if (t2.Length > 0 && int.TryParse(t2, NumberStyles.None, CultureInfo.InvariantCulture, out var gen))
            {
                var t3 = ReadToken();
                if (t3 == "R" && num <= int.MaxValue) return new PdfReference((int)num, gen);
            }

            Position = save;
        }

        return new PdfNumber(token);
    }

    private static bool IsNumber(string t)
    {
        var digits = 0;
        for (var i = 0; i < t.Length; i++)
        {
            var c = t[i];
            if (c is >= '0' and <= '9') digits++;
            else if ((c is '+' or '-') && i == 0) { }
            else if (c != '.') return false;
        }

        return digits > 0;
    }

    private PdfDictionary ReadDictionary(int depth)
    {
        Position += 2;
        var dict = new PdfDictionary();
        while (true)
        {
            SkipWhitespaceAndComments();
            if (Position + 1 >= _end) throw Corrupt("unterminated dictionary");
            if (_data[Position] == '>' && _data[Position + 1] == '>')
            {
                Position += 2;
                return dict;
            }

            if (_data[Position] != '/') throw Corrupt($"dictionary key expected at byte {Position}");
            var key = ReadName().Value;
            var value = ReadObject(depth + 1);
            if (value is not PdfNull) dict[key] = value;
        }
    }

    private PdfName ReadName()
    {
        Position++; // '/'
        var sb = new StringBuilder();
        while (Position < _end && !IsWhitespace(_data[Position]) && !IsDelimiter(_data[Position]))
        {
            var c = _data[Position];
            if (c == '#' && Position + 2 < _end && IsHex(_data[Position + 1]) && IsHex(_data[Position + 2]))
            {
                sb.Append((char)((HexValue(_data[Position + 1]) << 4) | HexValue(_data[Position + 2])));
                Position += 3;
            }
            else
            {
                sb.Append((char)c);
                Position++;
            }
        }

        return new PdfName(sb.ToString());
    }

    private PdfString ReadHexString()
    {
        Position++; // '<'

        // Fast path for the common form, an even run of hex digits up to '>' (signature /Contents
        // is tens of KB of it); anything else (whitespace, odd length, bad bytes) takes the loop below.
        var close = _data.AsSpan(Position, _end - Position).IndexOf((byte)'>');
        if (close >= 0 && close % 2 == 0)
        {
            var decoded = new byte[close / 2];
            if (Convert.FromHexString(_data.AsSpan(Position, close), decoded, out var consumed, out _) == System.Buffers.OperationStatus.Done && consumed == close)
            {
                Position += close + 1;
                return new PdfString(decoded);
            }
        }

        var bytes = new List<byte>();
        var high = -1;
        while (true)
        {
            if (Position >= _end) throw Corrupt("unterminated hex string");
            var c = _data[Position++];
            if (c == '>') break;
            if (IsWhitespace(c)) continue;
            if (!IsHex(c)) throw Corrupt($"bad hex string character at byte {Position - 1}");
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
        Position++; // '('
        var bytes = new List<byte>();
        var nesting = 1;
        while (true)
        {
            if (Position >= _end) throw Corrupt("unterminated string");
            var c = _data[Position++];
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
                    if (Position >= _end) throw Corrupt("unterminated string");
                    var e = _data[Position++];
                    switch (e)
                    {
                        case (byte)'n': bytes.Add(10); break;
                        case (byte)'r': bytes.Add(13); break;
                        case (byte)'t': bytes.Add(9); break;
                        case (byte)'b': bytes.Add(8); break;
                        case (byte)'f': bytes.Add(12); break;
                        case (byte)'\r':
                            if (Position < _end && _data[Position] == '\n') Position++;
                            break;
                        case (byte)'\n': break;
                        default:
                            if (e is >= (byte)'0' and <= (byte)'7')
                            {
                                var v = e - '0';
                                for (var k = 0; k < 2 && Position < _end && _data[Position] is >= (byte)'0' and <= (byte)'7'; k++)
                                {
                                    v = (v * 8) + (_data[Position++] - '0');
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
