using Microsoft.Extensions.Logging;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Signing.Timestamping.Http;

/// <summary>
/// RFC 3161 over HTTP (§3.4): POST application/timestamp-query, answer application/timestamp-reply.
/// A query the TSA cannot use still gets a TimeStampResp with status rejection (HTTP 200); only
/// a wrong content type (415) or an oversized body (413) is refused at the HTTP level.
/// </summary>
public static class TimestampHttpServer
{
    /// <summary>A TimeStampReq is a few hundred bytes; anything above this is not one.</summary>
    public const int MaxQueryBytes = 64 * 1024;

    /// <summary>Maps <c>POST <paramref name="pattern"/></c> to the TSA (the host may map several patterns).</summary>
    public static IEndpointConventionBuilder MapTimestampAuthority(this IEndpointRouteBuilder endpoints, TimestampAuthority tsa, string pattern = "/tsa")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(tsa);
        return endpoints.MapPost(pattern, (HttpContext context) => AnswerAsync(context, tsa));
    }

    /// <summary>
    /// A stand-alone TSA web application listening on <paramref name="url"/> (e.g.
    /// <c>http://127.0.0.1:3161</c>; port 0 picks a free one, read it from <c>app.Urls</c> after
    /// start), answering on <c>/</c> and <c>/tsa</c>.
    /// </summary>
    public static WebApplication Build(TimestampAuthority tsa, string url)
    {
        ArgumentNullException.ThrowIfNull(tsa);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        // The host's per-request information logs would drown the CLI's output; warnings and errors stay.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapTimestampAuthority(tsa, "/");
        app.MapTimestampAuthority(tsa, "/tsa");
        return app;
    }

    private static async Task AnswerAsync(HttpContext context, TimestampAuthority tsa)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !string.Equals(type.MediaType, Rfc3161MediaTypes.Query, StringComparison.OrdinalIgnoreCase))
        {
            await PlainAsync(context, StatusCodes.Status415UnsupportedMediaType, $"Send the query as {Rfc3161MediaTypes.Query}.").ConfigureAwait(false);
            return;
        }

        if (request.ContentLength > MaxQueryBytes)
        {
            await PlainAsync(context, StatusCodes.Status413PayloadTooLarge, $"A timestamp query is at most {MaxQueryBytes} bytes.").ConfigureAwait(false);
            return;
        }

        // Read at most one byte past the limit so a chunked body cannot make us buffer more.
        var buffer = new byte[MaxQueryBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        if (length > MaxQueryBytes)
        {
            await PlainAsync(context, StatusCodes.Status413PayloadTooLarge, $"A timestamp query is at most {MaxQueryBytes} bytes.").ConfigureAwait(false);
            return;
        }

        var reply = tsa.Respond(buffer.AsSpan(0, length));
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = Rfc3161MediaTypes.Reply;
        context.Response.ContentLength = reply.Length;
        await context.Response.Body.WriteAsync(reply, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task PlainAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
