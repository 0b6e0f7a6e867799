using System.Globalization;
using System.Text;
using Signing.Core;

namespace Signing.Pkcs11;

/// <summary>
/// An RFC 7512 PKCS#11 URI, e.g. <c>pkcs11:token=signing-dev;object=seal;type=private</c>.
/// Path attributes select a token and an object; query attributes say where the module and
/// PIN come from. Values are percent-decoded (UTF-8); <c>id</c> is raw bytes.
/// A PIN inside the URI (<c>pin-value</c>) is refused: PINs are never written down in configuration.
/// </summary>
public sealed class Pkcs11Uri
{
    private static readonly string[] PathAttributeOrder =
    [
        "library-manufacturer", "library-description", "library-version", "slot-manufacturer", "slot-description",
        "slot-id", "manufacturer", "model", "serial", "token", "object", "type", "id",
    ];

    private static readonly HashSet<string> QueryAttributes = new(StringComparer.Ordinal) { "pin-source", "module-name", "module-path" };
    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "public", "private", "cert", "secret-key", "data" };

    private readonly SortedDictionary<string, byte[]> _path = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, byte[]> _query = new(StringComparer.Ordinal);

    private Pkcs11Uri() { }

    public string? Token => Text(_path, "token");
    public string? Manufacturer => Text(_path, "manufacturer");
    public string? Model => Text(_path, "model");
    public string? Serial => Text(_path, "serial");
    public string? Object => Text(_path, "object");
    public string? Type => Text(_path, "type");
    public byte[]? Id => _path.TryGetValue("id", out var v) ? (byte[])v.Clone() : null;
    public ulong? SlotId => Text(_path, "slot-id") is { } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : null;
    public string? PinSource => Text(_query, "pin-source");
    public string? ModulePath => Text(_query, "module-path");
    public string? ModuleName => Text(_query, "module-name");

    /// <summary>Parses a URI; throws <see cref="SigningException"/> naming what is wrong.</summary>
    public static Pkcs11Uri Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase)) throw Bad(uri, "it must start with 'pkcs11:'");
        var body = uri["pkcs11:".Length..];
        var q = body.IndexOf('?', StringComparison.Ordinal);
        var pathPart = q >= 0 ? body[..q] : body;
        var queryPart = q >= 0 ? body[(q + 1)..] : "";
        var result = new Pkcs11Uri();
        foreach (var (name, value) in Split(uri, pathPart, ';'))
        {
            if (!PathAttributeOrder.Contains(name) && !name.StartsWith("x-", StringComparison.Ordinal)) throw Bad(uri, $"unknown attribute '{name}'");
            if (!result._path.TryAdd(name, value)) throw Bad(uri, $"attribute '{name}' appears twice");
        }

        foreach (var (name, value) in Split(uri, queryPart, '&'))
        {
            if (name == "pin-value") throw Bad(uri, "PINs are not accepted inside URIs; use pin-source or the configured PIN source");
            if (!QueryAttributes.Contains(name) && !name.StartsWith("x-", StringComparison.Ordinal)) throw Bad(uri, $"unknown query attribute '{name}'");
            if (!result._query.TryAdd(name, value)) throw Bad(uri, $"query attribute '{name}' appears twice");
        }

        if (result.Type is { } t && !Types.Contains(t)) throw Bad(uri, $"type must be one of {string.Join(", ", Types)}");
        if (result._path.TryGetValue("slot-id", out var slot) && !ulong.TryParse(Encoding.UTF8.GetString(slot), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw Bad(uri, "slot-id must be a decimal number");
        }

        return result;
    }

    public static bool TryParse(string uri, out Pkcs11Uri? result)
    {
        try
        {
            result = Parse(uri);
            return true;
        }
        catch (SigningException)
        {
            result = null;
            return false;
        }
    }

    /// <summary>Builds a URI for an object on a token.</summary>
    public static Pkcs11Uri For(string? token = null, string? obj = null, string? type = null, byte[]? id = null, string? serial = null)
    {
        var u = new Pkcs11Uri();
        if (token != null) u._path["token"] = Encoding.UTF8.GetBytes(token);
        if (serial != null) u._path["serial"] = Encoding.UTF8.GetBytes(serial);
        if (obj != null) u._path["object"] = Encoding.UTF8.GetBytes(obj);
        if (type != null) u._path["type"] = Encoding.UTF8.GetBytes(type);
        if (id != null) u._path["id"] = (byte[])id.Clone();
        return u;
    }

    /// <summary>The same token selection without any object attributes.</summary>
    public Pkcs11Uri TokenOnly()
    {
        var u = new Pkcs11Uri();
        foreach (var k in new[] { "manufacturer", "model", "serial", "token", "slot-id", "slot-description", "slot-manufacturer" })
        {
            if (_path.TryGetValue(k, out var v)) u._path[k] = v;
        }

        foreach (var (k, v) in _query) u._query[k] = v;
        return u;
    }

    /// <summary>Prints the URI in RFC 7512 form: path attributes in a fixed order, id fully percent-encoded.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("pkcs11:");
        var first = true;
        foreach (var name in PathAttributeOrder.Concat(_path.Keys.Where(k => k.StartsWith("x-", StringComparison.Ordinal))))
        {
            if (!_path.TryGetValue(name, out var value)) continue;
            if (!first) sb.Append(';');
            first = false;
            sb.Append(name).Append('=').Append(Encode(value, encodeAll: name == "id", query: false));
        }

        if (_query.Count > 0)
        {
            sb.Append('?').AppendJoin('&', _query.Select(kv => kv.Key + "=" + Encode(kv.Value, encodeAll: false, query: true)));
        }

        return sb.ToString();
    }

    private static string? Text(SortedDictionary<string, byte[]> d, string key) =>
        d.TryGetValue(key, out var v) ? Encoding.UTF8.GetString(v) : null;

    private static IEnumerable<(string Name, byte[] Value)> Split(string uri, string part, char separator)
    {
        if (part.Length == 0) yield break;
        foreach (var item in part.Split(separator))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw Bad(uri, $"'{item}' is not name=value");
            yield return (item[..eq].ToLowerInvariant(), Decode(uri, item[(eq + 1)..]));
        }
    }

    private static byte[] Decode(string uri, string value)
    {
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length || !byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    throw Bad(uri, "a '%' must be followed by two hex digits");
                }

                bytes.Add(b);
                i += 2;
            }
            else if (c > 0x7E || c < 0x21)
            {
                throw Bad(uri, $"character '{c}' must be percent-encoded");
            }
            else
            {
                bytes.Add((byte)c);
            }
        }

        return [.. bytes];
    }

    private static string Encode(byte[] value, bool encodeAll, bool query)
    {
        var sb = new StringBuilder();
        foreach (var b in value)
        {
            var c = (char)b;
            // RFC 7512 pk11-pchar / pk11-qchar; '&' is always encoded since it separates query attributes.
            var plain = !encodeAll && b < 0x80 && (char.IsAsciiLetterOrDigit(c) || "-._~:[]@!$'()*+,=".Contains(c, StringComparison.Ordinal) || (query && (c == '/' || c == '?' || c == '|')));
            if (plain) sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static SigningException Bad(string uri, string why) => new($"Invalid PKCS#11 URI '{Redact(uri)}': {why}.");

    // Never echo a pin-value back, even in an error.
    private static string Redact(string uri)
    {
        var i = uri.IndexOf("pin-value=", StringComparison.OrdinalIgnoreCase);
        if (i < 0) return uri;
        var end = uri.IndexOf('&', i);
        return uri[..(i + 10)] + "***" + (end >= 0 ? uri[end..] : "");
    }
}
