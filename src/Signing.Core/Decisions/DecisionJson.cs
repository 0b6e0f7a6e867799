using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signing.Core.Decisions;

/// <summary>
/// Reads and writes the decision JSON (camelCase, see docs/rendering.md). Unknown properties are
/// errors so that a misspelt field is reported instead of silently dropped.
/// </summary>
public static class DecisionJson
{
    /// <summary>Largest decision document accepted; a 50-page decision is well under 1 MB.</summary>
    public const int MaxBytes = 1024 * 1024;

    public const string MediaType = "application/json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
        // Keep Vietnamese readable in the embedded file; the output is data, never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
    };

    /// <summary>Parses UTF-8 JSON; malformed or oversized input becomes a <see cref="DecisionValidationException"/>.</summary>
    public static Decision Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > MaxBytes)
        {
            throw new DecisionValidationException([new FieldError("$", $"the decision JSON is larger than {MaxBytes / 1024} KiB")]);
        }

        try
        {
            return JsonSerializer.Deserialize<Decision>(utf8Json, Options)
                ?? throw new DecisionValidationException([new FieldError("$", "the decision JSON is null")]);
        }
        catch (JsonException ex)
        {
            var path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
            throw new DecisionValidationException([new FieldError(path, "is not valid decision JSON (" + FirstSentence(ex.Message) + ")")]);
        }
    }

    public static Decision Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Reads a decision file with a clear error when it is missing.</summary>
    public static Decision Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new SigningException($"decision file not found: {path}");
        var info = new FileInfo(path);
        if (info.Length > MaxBytes) throw new DecisionValidationException([new FieldError("$", $"the decision JSON is larger than {MaxBytes / 1024} KiB")]);
        return Parse(File.ReadAllBytes(path));
    }

    /// <summary>Canonical UTF-8 form (indented, camelCase, defaults omitted); this is what a result embeds.</summary>
    public static byte[] Serialize(Decision decision) => JsonSerializer.SerializeToUtf8Bytes(decision, Options);

    private static string FirstSentence(string message)
    {
        var line = message.ReplaceLineEndings(" ");
        var cut = line.IndexOf(". ", StringComparison.Ordinal);
        return (cut > 0 ? line[..cut] : line).TrimEnd('.');
    }
}
