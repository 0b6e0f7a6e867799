using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Signing.Core.Decisions;

namespace Signing.Core.CounterForms;

/// <summary>
/// The counter form request as JSON (camelCase; the API's body and the registry's copy). Unknown
/// properties are errors, so a misspelt field is reported instead of dropped.
/// </summary>
public static class CounterFormJson
{
    public const int MaxBytes = 256 * 1024;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 8,
    };

    /// <summary>Parses a body; the kind comes from the caller (the URL), not the body.</summary>
    public static CounterFormRequest Parse(ReadOnlySpan<byte> utf8Json, CounterFormKind kind)
    {
        if (utf8Json.Length > MaxBytes) throw new DecisionValidationException([new FieldError("$", $"phiếu dài quá {MaxBytes / 1024} KiB")]);
        try
        {
            var r = JsonSerializer.Deserialize<CounterFormRequest>(utf8Json, Options)
                ?? throw new DecisionValidationException([new FieldError("$", "nội dung phiếu trống")]);
            return r with { Kind = kind };
        }
        catch (JsonException ex)
        {
            var path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
            throw new DecisionValidationException([new FieldError(path, "không đọc được JSON của phiếu tại trường này")]);
        }
    }

    /// <summary>The canonical form: the registry keeps it and the idempotency hash covers it.</summary>
    public static byte[] Serialize(CounterFormRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, Options);
}
