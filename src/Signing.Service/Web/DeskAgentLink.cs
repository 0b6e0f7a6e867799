using Signing.Core;

namespace Signing.Service.Web;

/// <summary>
/// Where the queue page finds the head's desk agent (`signing-agent serve`): Console:DeskAgent:Url,
/// by default http://127.0.0.1:8491. Only a loopback address is accepted: the agent runs on the
/// head's own computer, and the page's Content-Security-Policy lets it connect there and nowhere else.
/// </summary>
public sealed record DeskAgentLink(Uri Url)
{
    public const string Setting = "Console:DeskAgent:Url";
    public const string DefaultUrl = "http://127.0.0.1:8491";

    /// <summary>The origin the page connects to, as CSP and fetch name it.</summary>
    public string Origin => Url.GetLeftPart(UriPartial.Authority);

    public static DeskAgentLink From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[Setting] is { Length: > 0 } v ? v : DefaultUrl;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || !url.IsLoopback || url.AbsolutePath != "/" || url.Query.Length > 0)
            throw new SigningException($"{Setting} '{value}' must be the desk agent's loopback address, e.g. {DefaultUrl}.");
        return new DeskAgentLink(url);
    }
}
