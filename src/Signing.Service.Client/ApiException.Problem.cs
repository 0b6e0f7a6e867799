using System.Text.Json;

namespace Signing.Service.Client;

/// <summary>
/// The generated client throws <see cref="ApiException"/> for any answer it does not return: a declared problem as
/// <see cref="ApiException{TResult}"/> of <see cref="ProblemDetails"/>, an undeclared status or an unreadable body as the
/// plain one. Callers turn it into their own errors with these.
/// </summary>
public partial class ApiException
{
    /// <summary>The service answered with an error status (not a 2xx whose body could not be read).</summary>
    public bool IsRefusal => StatusCode is < 200 or > 299;

    /// <summary>
    /// What the refusal says: the problem's detail, else its title, whether or not the document declares that status for the
    /// call; null when the answer is not a problem (a proxy's HTML page, say).
    /// </summary>
    public string? ProblemText => this is ApiException<ProblemDetails> { Result: { } problem } ? problem.Detail ?? problem.Title : ProblemTextOf(Response);

    private static string? ProblemTextOf(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object) return null;
            return json.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()
                : json.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
