using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Signing.Core.Timestamps;

namespace Signing.Timestamping.Tests;

/// <summary>The client's behaviour on a flaky or wrong HTTP peer (real Kestrel servers on loopback).</summary>
public sealed class ClientTransportTests(TsaServerFixture tsa) : IClassFixture<TsaServerFixture>
{
    private static readonly Rfc3161ClientOptions Quick = new() { Attempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Server_errors_are_retried_with_back_off_until_the_tsa_answers()
    {
        var calls = 0;
        await using var app = await StartAsync(context => UnavailableUntil(context, () => Interlocked.Increment(ref calls) > 2));
        var client = new Rfc3161Client(tsa.Http, new Uri(app.Urls.Single()), Quick);

        var token = await client.GetTokenAsync(SHA256.HashData("retry"u8), HashAlgorithmName.SHA256);

        Assert.NotEmpty(token);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Persistent_server_errors_end_in_one_clear_error()
    {
        var calls = 0;
        await using var app = await StartAsync(context =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return Task.CompletedTask;
        });
        var url = new Uri(app.Urls.Single());
        var client = new Rfc3161Client(tsa.Http, url, Quick);

        var e = await Assert.ThrowsAsync<TimestampException>(() => client.GetTokenAsync(new byte[32], HashAlgorithmName.SHA256));

        Assert.Equal($"TSA unreachable at {url} after 3 attempts: HTTP 502 Bad Gateway", e.Message);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task With_patience_it_waits_out_an_outage_and_answers_when_the_tsa_is_back()
    {
        var back = DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
        var calls = 0;
        await using var app = await StartAsync(context =>
        {
            Interlocked.Increment(ref calls);
            return UnavailableUntil(context, () => DateTime.UtcNow >= back);
        });
        var client = new Rfc3161Client(tsa.Http, new Uri(app.Urls.Single()),
            Quick with { Patience = TimeSpan.FromSeconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) });

        var token = await client.GetTokenAsync(SHA256.HashData("outage"u8), HashAlgorithmName.SHA256);

        Assert.NotEmpty(token);
        Assert.True(DateTime.UtcNow >= back, "answered before the TSA was back");
        Assert.True(calls > Quick.Attempts, $"only {calls} tries: patience, not the attempt count, bounds the retries");
    }

    [Fact]
    public async Task Patience_runs_out_in_one_clear_error_naming_the_attempts_and_the_time()
    {
        await using var app = await StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        var url = new Uri(app.Urls.Single());
        var client = new Rfc3161Client(tsa.Http, url, Quick with { Patience = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromMilliseconds(100) });

        var e = await Assert.ThrowsAsync<TimestampException>(() => client.GetTokenAsync(new byte[32], HashAlgorithmName.SHA256));

        Assert.Matches($"^TSA unreachable at {System.Text.RegularExpressions.Regex.Escape(url.ToString())} after [0-9]+ attempts in 1 s: HTTP 503 Service Unavailable$", e.Message);
    }

    [Fact]
    public async Task A_closed_port_is_reported_as_unreachable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var url = new Uri($"http://127.0.0.1:{port}/tsa");
        var client = new Rfc3161Client(tsa.Http, url, Quick with { Attempts = 2 });

        var e = await Assert.ThrowsAsync<TimestampException>(() => client.GetTokenAsync(new byte[32], HashAlgorithmName.SHA256));

        Assert.StartsWith($"TSA unreachable at {url} after 2 attempts: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_names_the_status()
    {
        var calls = 0;
        await using var app = await StartAsync(context =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        var client = new Rfc3161Client(tsa.Http, new Uri(app.Urls.Single()), Quick);

        var e = await Assert.ThrowsAsync<TimestampException>(() => client.GetTokenAsync(new byte[32], HashAlgorithmName.SHA256));

        Assert.Contains("refused the query: HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_reply_with_the_wrong_content_type_is_refused()
    {
        await using var app = await StartAsync(context => context.Response.WriteAsync("<html>hello</html>"));
        var client = new Rfc3161Client(tsa.Http, new Uri(app.Urls.Single()), Quick);

        var e = await Assert.ThrowsAsync<TimestampException>(() => client.GetTokenAsync(new byte[32], HashAlgorithmName.SHA256));

        Assert.Contains("instead of application/timestamp-reply", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A TSA that answers 503 until <paramref name="up"/> says it is back, then real replies.</summary>
    private async Task UnavailableUntil(HttpContext context, Func<bool> up)
    {
        if (!up())
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        context.Response.ContentType = Rfc3161MediaTypes.Reply;
        await context.Response.Body.WriteAsync(tsa.Tsa.Respond(body.ToArray()));
    }

    private static async Task<WebApplication> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return app;
    }
}
