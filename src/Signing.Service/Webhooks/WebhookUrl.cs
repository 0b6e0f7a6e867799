using System.Net;

namespace Signing.Service.Webhooks;

/// <summary>
/// Which URLs a subscription may name. Events carry registry data and are signed with a shared
/// secret, so they travel over https only; plain http is accepted for a loopback host when
/// <see cref="WebhookOptions.AllowLoopbackHttp"/> is on (a receiver on the same machine). Refused:
/// relative URLs, other schemes (file:, ftp:, data: …), credentials in the URL (they would sit in the
/// registry and the audit log), fragments, and URLs longer than <see cref="MaxLength"/>.
/// </summary>
public static class WebhookUrl
{
    public const int MaxLength = 2000;

    /// <summary>The URL, or an error saying why not.</summary>
    public static (Uri? Url, string? Error) Check(string text, bool allowLoopbackHttp)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength) return (null, $"the URL is longer than {MaxLength} characters");
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url)) return (null, "not an absolute URL");
        if (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) return (null, $"the scheme must be https, not {url.Scheme}");
        if (url.UserInfo.Length > 0) return (null, "the URL must not carry credentials (user:password@)");
        if (url.Fragment.Length > 0) return (null, "the URL must not have a fragment (#…)");
        if (url.Host.Length == 0) return (null, "the URL has no host");
        if (url.Scheme == Uri.UriSchemeHttp)
        {
            if (!IsLoopback(url)) return (null, "the scheme must be https (http is accepted only for a loopback receiver)");
            if (!allowLoopbackHttp) return (null, $"the scheme must be https (http to a loopback receiver needs {WebhookOptions.Section}:AllowLoopbackHttp)");
        }

        return (url, null);
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}
