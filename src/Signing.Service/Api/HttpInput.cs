using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Signing.Service.Api;

/// <summary>Reads request bodies with an explicit media type and size limit, so every refusal is a problem with a reason.</summary>
internal static class HttpInput
{
    /// <summary>Small JSON bodies of the staff API (enrol, complete, revoke, supersede).</summary>
    public const int MaxSmallJsonBytes = 256 * 1024;

    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, string mediaType, int maxBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var contentType = request.ContentType;
        if (contentType == null || !contentType.Split(';')[0].Trim().Equals(mediaType, StringComparison.OrdinalIgnoreCase))
            throw ApiProblemException.UnsupportedMediaType($"the body must be {mediaType}, got {contentType ?? "no Content-Type"}");
        if (request.ContentLength > maxBytes) throw ApiProblemException.TooLarge($"the body is larger than {maxBytes} bytes");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw ApiProblemException.TooLarge($"the body is larger than {maxBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw ApiProblemException.BadRequest("the body is empty");
        return buffer.ToArray();
    }

    /// <summary>A JSON object body; malformed JSON is a 400 naming the position.</summary>
    public static async Task<JsonElement> ReadJsonObjectAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await ReadBodyAsync(request, "application/json", MaxSmallJsonBytes, ct).ConfigureAwait(false);
        var root = ParseJson(body);
        if (root.ValueKind != JsonValueKind.Object) throw ApiProblemException.BadRequest("the body must be a JSON object");
        return root;
    }

    public static JsonElement ParseJson(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw ApiProblemException.BadRequest($"the body is not well-formed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
    }

    /// <summary>The Idempotency-Key header every creating call requires: 1–200 visible ASCII characters.</summary>
    public static string RequiredIdempotencyKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return IdempotencyKey.Read(request, required: true)!;
    }

    /// <summary>A whole-number query parameter from <paramref name="min"/> to <paramref name="max"/>, or <paramref name="fallback"/> when absent.</summary>
    public static int QueryInt(string text, string field, int fallback, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return fallback;
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v : throw ApiProblemException.BadRequest($"'{field}' must be a whole number from {min} to {max}", field);
    }

    public static string? OptionalString(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw ApiProblemException.BadRequest($"'{name}' must be a string", name);
    }

    public static string RequiredString(JsonElement obj, string name) =>
        OptionalString(obj, name) is { Length: > 0 } s ? s : throw ApiProblemException.BadRequest($"'{name}' is required", name);

    public static Guid RequiredGuid(JsonElement obj, string name) =>
        Guid.TryParse(RequiredString(obj, name), out var g) ? g : throw ApiProblemException.BadRequest($"'{name}' is not an id (a GUID)", name);

    public static byte[] RequiredBase64(JsonElement obj, string name)
    {
        try
        {
            return Convert.FromBase64String(RequiredString(obj, name));
        }
        catch (FormatException)
        {
            throw ApiProblemException.BadRequest($"'{name}' is not base64", name);
        }
    }
}
