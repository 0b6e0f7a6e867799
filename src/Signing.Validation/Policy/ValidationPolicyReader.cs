using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Signing.Core;

namespace Signing.Validation.Policy;

/// <summary>
/// Reads a validation policy from configuration: the service's <c>Signing:Validation</c> section
/// or a JSON file given to <c>signing verify --policy</c>, both with the same keys, as flat
/// "Key:0:Field" entries (what .NET configuration yields; a JSON file is flattened the same way),
/// so there is one reader for both. Keys left out keep the built-in default; an unknown key or a
/// bad value is a <see cref="SigningException"/> of one line naming it. See docs/verification-report.md.
/// </summary>
public static class ValidationPolicyReader
{
    private static readonly string[] TopLevel = ["SignatureTrustAnchors", "TimestampTrustAnchors", "SignerKeyUsage", "SignerKeyUsageMatch", "DigestAlgorithms", "PublicKeys", "Revocation", "RevocationByAnchor"];

    /// <summary>
    /// Reads a policy JSON file; certificate paths in it are relative to its directory. Anchors it
    /// leaves out are <paramref name="defaultAnchors"/> (for both purposes).
    /// </summary>
    public static VerificationPolicy ReadFile(string path, X509Certificate2Collection? defaultAnchors)
    {
        ArgumentNullException.ThrowIfNull(path);
        var origin = $"policy file {path}";
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SigningException($"{origin}: cannot be read ({e.Message})");
        }

        var entries = new List<KeyValuePair<string, string?>>();
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new SigningException($"{origin}: the top level is not a JSON object");
            Flatten(document.RootElement, null, entries);
        }
        catch (JsonException e)
        {
            throw new SigningException($"{origin}: not valid JSON (line {e.LineNumber + 1}: {e.Message.Split('.')[0]})");
        }

        return Read(entries, Path.GetDirectoryName(Path.GetFullPath(path))!, defaultAnchors, origin);
    }

    /// <summary>
    /// Reads flat entries relative to the policy's section (e.g. <c>IConfigurationSection.AsEnumerable(makePathsRelative: true)</c>).
    /// <paramref name="origin"/> starts every error message, e.g. "Signing:Validation".
    /// </summary>
    public static VerificationPolicy Read(IEnumerable<KeyValuePair<string, string?>> entries, string baseDirectory, X509Certificate2Collection? defaultAnchors, string origin)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in entries)
        {
            if (key.Length == 0) continue;
            var top = key.Split(':')[0];
            if (!TopLevel.Contains(top, StringComparer.OrdinalIgnoreCase)) throw new SigningException($"{origin}: unknown key '{top}' (known: {string.Join(", ", TopLevel)})");
            if (value is not null) values[key] = value.Trim();
        }

        var policy = new VerificationPolicy
        {
            SignatureTrustAnchors = Anchors(values, "SignatureTrustAnchors", baseDirectory, defaultAnchors, origin),
            TimestampTrustAnchors = Anchors(values, "TimestampTrustAnchors", baseDirectory, defaultAnchors, origin),
            SignerKeyUsage = KeyUsage(values, origin),
            Crypto = new CryptoConstraints(
                Items(values, "DigestAlgorithms", ["Algorithm", "Until"], origin).Select(i => DigestRuleOf(i, origin)).ToList() is { Count: > 0 } d ? d : CryptoConstraints.Default.Digests,
                Items(values, "PublicKeys", ["Algorithm", "MinBits", "Until"], origin).Select(i => KeyRuleOf(i, origin)).ToList() is { Count: > 0 } k ? k : CryptoConstraints.Default.PublicKeys),
            Revocation = RevocationOf(values, baseDirectory, origin),
        };
        return policy;
    }

    private static X509Certificate2Collection Anchors(Dictionary<string, string> values, string key, string baseDirectory, X509Certificate2Collection? fallback, string origin)
    {
        var files = Scalars(values, key, origin);
        if (files.Count == 0)
        {
            return fallback is { Count: > 0 } ? fallback : throw new SigningException($"{origin}: {key} is not set and there is no default: give PEM root certificate files");
        }

        var anchors = new X509Certificate2Collection();
        foreach (var (index, file) in files)
        {
            var full = Path.GetFullPath(file, baseDirectory);
            var loaded = new X509Certificate2Collection();
            try
            {
                loaded.ImportFromPemFile(full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new SigningException($"{origin}: {key}:{index} '{full}' cannot be read as PEM certificates ({e.Message.ReplaceLineEndings(" ")})");
            }

            if (loaded.Count == 0) throw new SigningException($"{origin}: {key}:{index} '{full}' holds no PEM certificate");
            anchors.AddRange(loaded);
        }

        return anchors;
    }

    /// <summary>"Revocation": the default mode; "RevocationByAnchor": [{ "Anchor": "root.pem", "Mode": "hard-fail" }].</summary>
    private static RevocationPolicy RevocationOf(Dictionary<string, string> values, string baseDirectory, string origin)
    {
        var mode = values.GetValueOrDefault("Revocation") is { Length: > 0 } text ? ModeOf(text, "Revocation", origin) : RevocationPolicy.Default.Mode;
        var perAnchor = new Dictionary<string, RevocationMode>(StringComparer.OrdinalIgnoreCase);
        foreach (var (index, fields) in Items(values, "RevocationByAnchor", ["Anchor", "Mode"], origin))
        {
            var where = $"RevocationByAnchor:{index}";
            var file = fields.GetValueOrDefault("Anchor") ?? throw new SigningException($"{origin}: {where}:Anchor is not set (a PEM file of the trust anchor)");
            var anchorMode = ModeOf(fields.GetValueOrDefault("Mode") ?? throw new SigningException($"{origin}: {where}:Mode is not set"), where + ":Mode", origin);
            var certs = new X509Certificate2Collection();
            var full = Path.GetFullPath(file, baseDirectory);
            try
            {
                certs.ImportFromPemFile(full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new SigningException($"{origin}: {where}:Anchor '{full}' cannot be read as PEM certificates ({e.Message.ReplaceLineEndings(" ")})");
            }

            if (certs.Count == 0) throw new SigningException($"{origin}: {where}:Anchor '{full}' holds no PEM certificate");
            foreach (var c in certs) perAnchor[Convert.ToHexString(SHA256.HashData(c.RawData))] = anchorMode;
        }

        return RevocationPolicy.Default with { Mode = mode, PerAnchor = perAnchor };
    }

    private static RevocationMode ModeOf(string text, string where, string origin) => text.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() switch
    {
        "HARDFAIL" => RevocationMode.HardFail,
        "SOFTFAIL" => RevocationMode.SoftFail,
        "OFFLINE" => RevocationMode.Offline,
        "NOCHECK" or "NONE" => RevocationMode.NoCheck,
        _ => throw new SigningException($"{origin}: {where} '{text}' is not hard-fail, soft-fail, offline or no-check"),
    };

    private static SignerKeyUsage KeyUsage(Dictionary<string, string> values, string origin)
    {
        var names = Scalars(values, "SignerKeyUsage", origin);
        var match = values.GetValueOrDefault("SignerKeyUsageMatch") is { Length: > 0 } m ? m : "any";
        var all = match.ToUpperInvariant() switch
        {
            "ANY" => false,
            "ALL" => true,
            _ => throw new SigningException($"{origin}: SignerKeyUsageMatch '{match}' is not 'any' or 'all'"),
        };
        if (names.Count == 0) return SignerKeyUsage.Default with { All = all };
        var flags = names.Select(n => n.Value.ToUpperInvariant() switch
        {
            "NONREPUDIATION" or "CONTENTCOMMITMENT" => X509KeyUsageFlags.NonRepudiation,
            "DIGITALSIGNATURE" => X509KeyUsageFlags.DigitalSignature,
            _ => throw new SigningException($"{origin}: SignerKeyUsage:{n.Index} '{n.Value}' is not nonRepudiation or digitalSignature"),
        }).Distinct().ToList();
        return new SignerKeyUsage(flags, all);
    }

    private static DigestRule DigestRuleOf((int Index, Dictionary<string, string> Fields) item, string origin)
    {
        var where = $"DigestAlgorithms:{item.Index}";
        var name = item.Fields.GetValueOrDefault("Algorithm") ?? throw new SigningException($"{origin}: {where}:Algorithm is not set (e.g. SHA256)");
        if (CryptoConstraints.Normalize(name) is not ("SHA256" or "SHA384" or "SHA512" or "SHA1" or "MD5"))
        {
            throw new SigningException($"{origin}: {where}:Algorithm '{name}' is not one of SHA256, SHA384, SHA512, SHA1, MD5");
        }

        return new DigestRule(CryptoConstraints.Normalize(name), Until(item.Fields, where, origin));
    }

    private static KeySizeRule KeyRuleOf((int Index, Dictionary<string, string> Fields) item, string origin)
    {
        var where = $"PublicKeys:{item.Index}";
        var algorithm = item.Fields.GetValueOrDefault("Algorithm")?.ToUpperInvariant() ?? throw new SigningException($"{origin}: {where}:Algorithm is not set (RSA or EC)");
        if (algorithm is not ("RSA" or "EC")) throw new SigningException($"{origin}: {where}:Algorithm '{algorithm}' is not RSA or EC");
        var bitsText = item.Fields.GetValueOrDefault("MinBits") ?? throw new SigningException($"{origin}: {where}:MinBits is not set");
        if (!int.TryParse(bitsText, NumberStyles.None, CultureInfo.InvariantCulture, out var bits) || bits is < 128 or > 16384)
        {
            throw new SigningException($"{origin}: {where}:MinBits '{bitsText}' is not a number of bits between 128 and 16384");
        }

        return new KeySizeRule(algorithm, bits, Until(item.Fields, where, origin));
    }

    private static DateTimeOffset? Until(Dictionary<string, string> fields, string where, string origin)
    {
        if (fields.GetValueOrDefault("Until") is not { Length: > 0 } text) return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var until))
        {
            throw new SigningException($"{origin}: {where}:Until '{text}' is not a date (yyyy-MM-dd, UTC)");
        }

        return until;
    }

    /// <summary>The elements of the list <paramref name="key"/>, in index order.</summary>
    private static List<(int Index, string Value)> Scalars(Dictionary<string, string> values, string key, string origin)
    {
        var list = new List<(int, string)>();
        foreach (var (k, v) in values)
        {
            var parts = k.Split(':');
            if (!parts[0].Equals(key, StringComparison.OrdinalIgnoreCase)) continue;
            if (parts.Length == 1)
            {
                if (v.Length > 0) throw new SigningException($"{origin}: {key} must be a list");
                continue;
            }

            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index)) throw new SigningException($"{origin}: {k} is not an element of the list {key}");
            if (v.Length > 0) list.Add((index, v));
        }

        return list.OrderBy(i => i.Item1).ToList();
    }

    /// <summary>The objects of the list <paramref name="key"/>, in index order; fields other than <paramref name="fields"/> are refused.</summary>
    private static List<(int Index, Dictionary<string, string> Fields)> Items(Dictionary<string, string> values, string key, string[] fields, string origin)
    {
        var items = new SortedDictionary<int, Dictionary<string, string>>();
        foreach (var (k, v) in values)
        {
            var parts = k.Split(':');
            if (!parts[0].Equals(key, StringComparison.OrdinalIgnoreCase)) continue;
            if (parts.Length == 1)
            {
                if (v.Length > 0) throw new SigningException($"{origin}: {key} must be a list of objects");
                continue;
            }

            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index)) throw new SigningException($"{origin}: {k} is not an element of the list {key}");
            if (parts.Length == 2)
            {
                if (v.Length > 0) throw new SigningException($"{origin}: {k} must be an object with {string.Join(", ", fields)}");
                continue;
            }

            var field = fields.FirstOrDefault(f => f.Equals(parts[2], StringComparison.OrdinalIgnoreCase));
            if (parts.Length != 3 || field is null) throw new SigningException($"{origin}: unknown key '{k}' (an element of {key} has {string.Join(", ", fields)})");
            if (!items.TryGetValue(index, out var item)) items[index] = item = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (v.Length > 0) item[field] = v;
        }

        return items.Select(i => (i.Key, i.Value)).ToList();
    }

    // The same flat form .NET's JSON configuration provider gives: "A:0:B", null as empty.
    private static void Flatten(JsonElement element, string? prefix, List<KeyValuePair<string, string?>> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (prefix is not null) into.Add(new(prefix, null));
                foreach (var p in element.EnumerateObject()) Flatten(p.Value, prefix is null ? p.Name : prefix + ":" + p.Name, into);
                break;
            case JsonValueKind.Array:
                into.Add(new(prefix!, null));
                var i = 0;
                foreach (var item in element.EnumerateArray()) Flatten(item, prefix + ":" + (i++).ToString(CultureInfo.InvariantCulture), into);
                break;
            case JsonValueKind.String:
                into.Add(new(prefix!, element.GetString()));
                break;
            case JsonValueKind.Null:
                into.Add(new(prefix!, ""));
                break;
            default:
                into.Add(new(prefix!, element.GetRawText()));
                break;
        }
    }
}
