using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Signing.Service.Tests.Webhooks;

/// <summary>One request as the receiver saw it, and whether its Standard Webhooks signature checked out.</summary>
public sealed record ReceivedWebhook(string Path, string Id, long Timestamp, string Body, bool SignatureValid);

/// <summary>
/// A real webhook receiver: Kestrel on a fixed loopback port, plain http, that can go down and come
/// back on the same port. It checks each request's signature on its own (HMAC-SHA256 of
/// id.timestamp.body with the secret of the path's subscription) and answers 204 on any path, except
/// 500 on paths listed in <see cref="Failing"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? _app;

    public WebhookReceiver() => Port = FreePort();

    public int Port { get; }

    /// <summary>The secret of each path's subscription (set once the subscription is made).</summary>
    public ConcurrentDictionary<string, string> Secrets { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths that answer 500 (the receiver's own bug) instead of 204.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request that got an answer, in arrival order (duplicates included).</summary>
    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Path.Value ?? "/";
            var id = context.Request.Headers["webhook-id"].ToString();
            _ = long.TryParse(context.Request.Headers["webhook-timestamp"].ToString(), out var timestamp);
            var valid = Secrets.TryGetValue(path, out var secret) && Verify(secret, id, timestamp, body, context.Request.Headers["webhook-signature"].ToString());
            if (Failing.ContainsKey(path))
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            }

            Received.Enqueue(new ReceivedWebhook(path, id, timestamp, body, valid));
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Goes down: connections to the port are refused until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is not { } app) return;
        _app = null;
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>The receiver's side of the scheme, written from the spec, not taken from the service.</summary>
    private static bool Verify(string secret, string id, long timestamp, string body, string header)
    {
        if (id.Length == 0 || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp) > 300) return false;
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        return header.Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(TryBase64(s[3..]), expected));
    }

    private static byte[] TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
