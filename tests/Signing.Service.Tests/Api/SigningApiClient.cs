using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signing.Service.Tests.GeneratedClient;

/// <summary>
/// NSwag makes optional properties nullable and would send them as null; the document's schemas say absent, not
/// null (a boolean left out is false), so the generated client leaves them out.
/// </summary>
public partial class SigningApiClient
{
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings) =>
        settings.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
}
