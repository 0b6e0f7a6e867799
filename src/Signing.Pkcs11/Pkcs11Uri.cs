using System.Globalization;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Core;
using Parsed = Net.Pkcs11Interop.Common.Pkcs11Uri;

namespace Signing.Pkcs11;

/// <summary>
/// An RFC 7512 PKCS#11 URI, e.g. <c>pkcs11:token=signing-dev;object=seal;type=private</c>, parsed
/// and printed by Pkcs11Interop. What this type adds is our policy: a PIN inside the URI
/// (<c>pin-value</c>) is refused, as are attributes RFC 7512 does not define (other than x-
/// vendor ones); and two checks the library's parser lacks: it drops whitespace silently and
/// fails on a truncated percent-escape.
/// </summary>
public sealed class Pkcs11Uri
{
    private static readonly string[] QueryAttributes = ["pin-source", "module-name", "module-path"];

    // RFC 7512's order (its examples read token, object, type, id); vendor attributes go last.
    private static readonly string[] PathAttributeOrder =
    [
        "library-manufacturer", "library-description", "library-version", "slot-manufacturer", "slot-description",
        "slot-id", "manufacturer", "model", "serial", "token", "object", "type", "id",
    ];

    private readonly Parsed _uri;
    private string? _text;

    private Pkcs11Uri(Parsed uri) => _uri = uri;

    public string? Token => _uri.Token;
    public string? Manufacturer => _uri.Manufacturer;
    public string? Model => _uri.Model;
    public string? Serial => _uri.Serial;
    public string? Object => _uri.Object;
    public CKO? Type => _uri.Type;
    public byte[]? Id => (byte[]?)_uri.Id?.Clone();
    public ulong? SlotId => _uri.SlotId;
    public string? PinSource => _uri.PinSource;
    public string? ModulePath => _uri.ModulePath;
    public string? ModuleName => _uri.ModuleName;

    /// <summary>Parses a URI; throws <see cref="SigningException"/> naming what is wrong.</summary>
    public static Pkcs11Uri Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.StartsWith("pkcs11:", StringComparison.Ordinal)) throw Bad(uri, "it must start with 'pkcs11:'");
        for (var i = 0; i < uri.Length; i++)
        {
            var c = uri[i];
            if (c is < '!' or > '~') throw Bad(uri, $"character '{c}' must be percent-encoded");
            if (c == '%' && (i + 2 >= uri.Length || !char.IsAsciiHexDigit(uri[i + 1]) || !char.IsAsciiHexDigit(uri[i + 2])))
            {
                throw Bad(uri, "a '%' must be followed by two hex digits");
            }
        }

        Parsed parsed;
        try
        {
            parsed = new Parsed(uri);
        }
        catch (Pkcs11UriException ex)
        {
            throw Bad(uri, ex.Message);
        }

        if (parsed.PinValue != null) throw Bad(uri, "PINs are not accepted inside URIs; use pin-source or the configured PIN source");
        var unknown = parsed.UnknownPathAttributes.Keys.FirstOrDefault(k => !k.StartsWith("x-", StringComparison.Ordinal));
        if (unknown != null) throw Bad(uri, $"unknown attribute '{unknown}'");
        unknown = parsed.UnknownQueryAttributes.Keys.FirstOrDefault(k => !k.StartsWith("x-", StringComparison.Ordinal) && !QueryAttributes.Contains(k));
        if (unknown != null) throw Bad(uri, $"unknown query attribute '{unknown}'");
        return new Pkcs11Uri(parsed);
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

    /// <summary>Builds a URI for an object on a token; <paramref name="type"/> is RFC 7512's word (private, public, cert, secret-key, data).</summary>
    public static Pkcs11Uri For(string? token = null, string? obj = null, string? type = null, byte[]? id = null, string? serial = null)
    {
        // Length checks off: a label we read from a token is by definition one it accepts.
        var builder = new Pkcs11UriBuilder(false) { Token = token, Serial = serial, Object = obj, Type = type == null ? null : TypeOf(type), Id = id };
        return new Pkcs11Uri(builder.ToPkcs11Uri());
    }

    /// <summary>The same token selection (and query attributes) without object or vendor path attributes.</summary>
    /// <remarks>Vendor (x-) path attributes go too: RFC 7512 matching never matches a URI with attributes it does not know.</remarks>
    public Pkcs11Uri TokenOnly()
    {
        var builder = new Pkcs11UriBuilder(_uri, false) { Object = null, Type = null, Id = null, UnknownPathAttributes = [] };
        return new Pkcs11Uri(builder.ToPkcs11Uri());
    }

    /// <summary>The RFC 7512 text, percent-encoded by the library (<c>id</c> always), path attributes in RFC order.</summary>
    public override string ToString() => _text ??= InRfcOrder(new Pkcs11UriBuilder(_uri, false).ToString());

    // The library prints type before object; its percent-encoding leaves no ';' or '?' inside a value to split on.
    private static string InRfcOrder(string uri)
    {
        var query = uri.IndexOf('?', StringComparison.Ordinal);
        var path = uri["pkcs11:".Length..(query < 0 ? uri.Length : query)];
        var ordered = path.Split(';', StringSplitOptions.RemoveEmptyEntries).OrderBy(a =>
        {
            var rank = Array.IndexOf(PathAttributeOrder, a[..a.IndexOf('=', StringComparison.Ordinal)]);
            return rank < 0 ? PathAttributeOrder.Length : rank;
        });
        return "pkcs11:" + string.Join(';', ordered) + (query < 0 ? "" : uri[query..]);
    }

    /// <summary>Whether the slot and its token match this URI's slot and token attributes (RFC 7512 matching).</summary>
    internal bool Matches(ISlot slot, ITokenInfo token) =>
        Pkcs11UriUtils.Matches(_uri, token) && (!_uri.DefinesSlot || Pkcs11UriUtils.Matches(_uri, slot.GetSlotInfo()));

    private static CKO TypeOf(string type) => type switch
    {
        "private" => CKO.CKO_PRIVATE_KEY,
        "public" => CKO.CKO_PUBLIC_KEY,
        "cert" => CKO.CKO_CERTIFICATE,
        "secret-key" => CKO.CKO_SECRET_KEY,
        "data" => CKO.CKO_DATA,
        _ => throw new ArgumentException($"'{type}' is not an RFC 7512 object type.", nameof(type)),
    };

    private static SigningException Bad(string uri, string why) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Invalid PKCS#11 URI '{Redact(uri)}': {why.TrimEnd('.')}."));

    // Never echo a pin-value back, even in an error.
    private static string Redact(string uri)
    {
        var i = uri.IndexOf("pin-value=", StringComparison.OrdinalIgnoreCase);
        if (i < 0) return uri;
        var end = uri.IndexOf('&', i);
        return uri[..(i + 10)] + "***" + (end >= 0 ? uri[end..] : "");
    }
}
