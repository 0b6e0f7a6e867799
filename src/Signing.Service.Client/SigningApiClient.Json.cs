using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signing.Service.Client;

/// <summary>The JSON settings the generated client reads and writes with.</summary>
public partial class SigningApiClient
{
    /// <summary>The options every call uses; a caller that reads a body from a file reads it with these.</summary>
    public static JsonSerializerOptions JsonOptions => _settings.Value;

    // The service's own (web) rules, because the contract records carry no attribute names: camelCase names, numbers
    // that may come as strings. NSwag makes optional properties nullable and would send them as null; the document's
    // schemas say absent, not null (a boolean left out is false), so they are left out.
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings)
    {
        settings.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        settings.PropertyNameCaseInsensitive = true;
        settings.NumberHandling = JsonNumberHandling.AllowReadingFromString;
        settings.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }
}
