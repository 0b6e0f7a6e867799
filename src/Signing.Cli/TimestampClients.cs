using Signing.Core.Timestamps;
using Signing.Timestamping;

namespace Signing.Cli;

/// <summary>`--tsa URL` uses that TSA over HTTP; no URL uses the built-in dev TSA in this process.</summary>
internal static class TimestampClients
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static ITimestampClient Create(string? tsaUrl, DevServices? dev)
    {
        if (tsaUrl != null)
        {
            if (!Uri.TryCreate(tsaUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new Core.SigningException($"--tsa must be an absolute http(s) URL, got \"{tsaUrl}\".");
            }

            return new Rfc3161Client(Http, url);
        }

        return new InProcessTimestampClient((dev ?? throw new Core.SigningException("No TSA: give --tsa URL.")).TimestampAuthority());
    }
}
