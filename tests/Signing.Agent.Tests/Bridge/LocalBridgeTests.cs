using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Signing.Agent.Bridge;
using Signing.Testing.Agent;

namespace Signing.Agent.Tests.Bridge;

/// <summary>
/// `signing-agent serve` as a web page meets it, over real HTTP on 127.0.0.1: only the console's
/// origin, only requests addressed to the agent's own Host, only with the pairing made once.
/// </summary>
[Collection(AgentCollection.Name)]
public sealed class LocalBridgeTests(AgentFixture f)
{
    private const string Foreign = "https://evil.example";

    private string ConsoleOrigin => $"https://127.0.0.1:{f.Service.StaffPort}";

    [Fact]
    public async Task A_foreign_origin_is_refused_on_preflight_and_on_every_call_and_gets_no_CORS_header()
    {
        using var bridge = await BridgeAsync();
        var secret = await PairAsync(bridge, bridge.Code!);
        foreach (var origin in new[] { Foreign, "null", $"https://127.0.0.1:{f.Service.PublicPort}", $"http://127.0.0.1:{f.Service.StaffPort}", ConsoleOrigin + "/" })
        {
            using var preflight = await SendAsync(bridge, HttpMethod.Options, "/status", origin, preflight: "GET");
            AssertRefused(preflight, HttpStatusCode.Forbidden, origin);
            using var status = await SendAsync(bridge, HttpMethod.Get, "/status", origin, secret);
            AssertRefused(status, HttpStatusCode.Forbidden, origin);
            using var batch = await SendAsync(bridge, HttpMethod.Post, "/batches", origin, secret, new { documents = new[] { Guid.NewGuid() } });
            AssertRefused(batch, HttpStatusCode.Forbidden, origin);
        }

        using var noOrigin = await SendAsync(bridge, HttpMethod.Get, "/status", null, secret);
        AssertRefused(noOrigin, HttpStatusCode.Forbidden, "(none)");
        await bridge.Agent.WaitForLineAsync(l => l.Contains($"origin {Foreign} is not the console", StringComparison.Ordinal));
        // The console itself is still served with the same secret.
        using var ok = await SendAsync(bridge, HttpMethod.Get, "/status", ConsoleOrigin, secret);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(ConsoleOrigin, ok.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task A_foreign_origin_cannot_pair_even_with_the_right_code_and_does_not_use_up_its_tries()
    {
        using var bridge = await BridgeAsync();
        for (var i = 0; i < PairingCode.MaxTries + 1; i++)
        {
            using var stolen = await SendAsync(bridge, HttpMethod.Post, "/pair", Foreign, null, new { code = bridge.Code });
            AssertRefused(stolen, HttpStatusCode.Forbidden, Foreign);
        }

        Assert.NotEmpty(await PairAsync(bridge, bridge.Code!));
    }

    [Fact]
    public async Task The_console_preflight_names_its_exact_origin_and_only_the_headers_the_page_sends()
    {
        using var bridge = await BridgeAsync();
        using var preflight = await SendAsync(bridge, HttpMethod.Options, "/batches", ConsoleOrigin, preflight: "POST", requestHeaders: "authorization,content-type", privateNetwork: true);
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(ConsoleOrigin, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", preflight.Headers.GetValues("Access-Control-Allow-Private-Network").Single());
        Assert.Contains("Authorization", preflight.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Credentials"));

        using var otherHeader = await SendAsync(bridge, HttpMethod.Options, "/batches", ConsoleOrigin, preflight: "POST", requestHeaders: "x-forwarded-host");
        Assert.Equal(HttpStatusCode.Forbidden, otherHeader.StatusCode);
        using var otherMethod = await SendAsync(bridge, HttpMethod.Options, "/batches", ConsoleOrigin, preflight: "DELETE");
        Assert.Equal(HttpStatusCode.Forbidden, otherMethod.StatusCode);
    }

    [Fact]
    public async Task A_request_without_the_pairing_or_with_a_wrong_one_is_refused_and_signs_nothing()
    {
        var ids = await f.SubmitManyAsync(1);
        using var bridge = await BridgeAsync();
        // Not paired yet: nothing but the pairing itself is answered.
        using var unpaired = await SendAsync(bridge, HttpMethod.Post, "/batches", ConsoleOrigin, null, new { documents = ids });
        await AssertProblemAsync(unpaired, HttpStatusCode.Unauthorized, "Authorization");

        var secret = await PairAsync(bridge, bridge.Code!);
        foreach (var wrong in new string?[] { null, "", secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'), secret + "x", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)) })
        {
            using var refused = await SendAsync(bridge, HttpMethod.Post, "/batches", ConsoleOrigin, wrong, new { documents = ids });
            await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "Authorization");
            using var status = await SendAsync(bridge, HttpMethod.Get, "/status", ConsoleOrigin, wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
        }

        Assert.Equal("awaiting_signature", (await f.DocumentAsync(ids[0])).GetProperty("status").GetString());
        Assert.DoesNotContain("The console asks you to sign", bridge.Agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cross_site_form_post_is_refused_before_the_pairing_is_even_looked_at()
    {
        var ids = await f.SubmitManyAsync(1);
        using var bridge = await BridgeAsync();
        var secret = await PairAsync(bridge, bridge.Code!);
        using var request = new HttpRequestMessage(HttpMethod.Post, bridge.Url("/batches"))
        {
            Content = new StringContent("{\"documents\":[\"" + ids[0] + "\"]}", Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("Origin", ConsoleOrigin);
        request.Headers.Add("Authorization", "Bearer " + secret);
        using var response = await bridge.Http.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
        Assert.Equal("awaiting_signature", (await f.DocumentAsync(ids[0])).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_DNS_rebound_host_name_is_refused()
    {
        using var bridge = await BridgeAsync();
        var secret = await PairAsync(bridge, bridge.Code!);
        foreach (var host in new[] { $"evil.example:{bridge.Port}", $"localhost:{bridge.Port}", "127.0.0.1", $"127.0.0.1:{bridge.Port + 1}" })
        {
            // Written by hand: HttpClient may put its own Host back, and the point is exactly what a rebound page sends.
            var (status, headers) = await RawGetAsync(bridge.Port, "/status", host, ConsoleOrigin, secret);
            // HttpListener answers 404 for a Host its prefix does not name; the bridge's own check answers 421.
            Assert.True(status is 400 or 404 or 421, $"Host {host}: {status}");
            Assert.DoesNotContain("access-control-allow-origin:", headers, StringComparison.OrdinalIgnoreCase);
        }

        var (ok, okHeaders) = await RawGetAsync(bridge.Port, "/status", $"127.0.0.1:{bridge.Port}", ConsoleOrigin, secret);
        Assert.Equal(200, ok);
        Assert.Contains("Access-Control-Allow-Origin: " + ConsoleOrigin, okHeaders, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<(int Status, string Headers)> RawGetAsync(int port, string path, string host, string origin, string secret)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nAuthorization: Bearer {secret}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var head = text.Split("\r\n\r\n")[0];
        return (int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head);
    }

    [Fact]
    public async Task Pairing_is_made_once_survives_a_restart_keeps_no_secret_and_wrong_codes_use_the_code_up()
    {
        var port = DeskAgent.FreePort();
        string secret;
        using (var bridge = await BridgeAsync(port))
        {
            for (var i = 1; i < PairingCode.MaxTries; i++)
            {
                using var wrong = await SendAsync(bridge, HttpMethod.Post, "/pair", ConsoleOrigin, null, new { code = "AAAA-AAAA" });
                await AssertProblemAsync(wrong, HttpStatusCode.Forbidden, "code");
            }

            secret = await PairAsync(bridge, bridge.Code!.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal)); // typed loosely
            using var again = await SendAsync(bridge, HttpMethod.Post, "/pair", ConsoleOrigin, null, new { code = bridge.Code });
            await AssertProblemAsync(again, HttpStatusCode.Forbidden, "code");
        }

        var stored = File.ReadAllText(Path.Combine(f.Home, PairingRecord.FileName));
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        Assert.Contains(ConsoleOrigin, stored, StringComparison.Ordinal);

        using (var restarted = await BridgeAsync(port, newPairing: false))
        {
            Assert.Null(restarted.Code);
            using var status = await SendAsync(restarted, HttpMethod.Get, "/status", ConsoleOrigin, secret);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        using (var burnt = await BridgeAsync(port))
        {
            for (var i = 0; i < PairingCode.MaxTries; i++)
            {
                using var wrong = await SendAsync(burnt, HttpMethod.Post, "/pair", ConsoleOrigin, null, new { code = "AAAA-AAAA" });
                await AssertProblemAsync(wrong, HttpStatusCode.Forbidden, "code");
            }

            using var right = await SendAsync(burnt, HttpMethod.Post, "/pair", ConsoleOrigin, null, new { code = burnt.Code });
            var problem = await AssertProblemAsync(right, HttpStatusCode.Forbidden, "code");
            Assert.Contains("serve --pair", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            // --pair forgot the old pairing: its secret is refused now.
            using var old = await SendAsync(burnt, HttpMethod.Get, "/status", ConsoleOrigin, secret);
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }
    }

    [Fact]
    public async Task An_empty_PIN_in_the_agent_window_signs_nothing_and_the_page_hears_why()
    {
        var ids = await f.SubmitManyAsync(2);
        using var bridge = await BridgeAsync();
        var secret = await PairAsync(bridge, bridge.Code!);
        using var started = await SendAsync(bridge, HttpMethod.Post, "/batches", ConsoleOrigin, secret, new { documents = ids.Append(Guid.NewGuid()) });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var batch = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await bridge.Agent.WaitForLineAsync(l => l.StartsWith("Type your token's PIN in this window", StringComparison.Ordinal));
        await bridge.Agent.TypeAsync("");
        await bridge.Agent.WaitForLineAsync(l => l.StartsWith("Batch:", StringComparison.Ordinal));
        using var progress = await SendAsync(bridge, HttpMethod.Get, "/batches/" + batch, ConsoleOrigin, secret);
        var p = await progress.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("finished", p.GetProperty("state").GetString());
        Assert.Equal(0, p.GetProperty("signed").GetInt32());
        Assert.Equal(1, p.GetProperty("refused").GetInt32()); // the id that is not in the queue
        Assert.Equal(2, p.GetProperty("pending").GetInt32());
        Assert.Contains("no PIN", p.GetProperty("stopReason").GetString(), StringComparison.Ordinal);
        foreach (var id in ids) Assert.Equal("awaiting_signature", (await f.DocumentAsync(id)).GetProperty("status").GetString());
    }

    private async Task<RunningBridge> BridgeAsync(int? port = null, bool newPairing = true)
    {
        var p = port ?? DeskAgent.FreePort();
        var agent = f.StartWatched(newPairing ? ["serve", "--port", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pair"] : ["serve", "--port", p.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var code = await agent.WaitUntilListeningAsync();
        return new RunningBridge(agent, p, code);
    }

    private async Task<string> PairAsync(RunningBridge bridge, string code)
    {
        using var response = await SendAsync(bridge, HttpMethod.Post, "/pair", ConsoleOrigin, null, new { code });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(ConsoleOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    private static async Task<HttpResponseMessage> SendAsync(RunningBridge bridge, HttpMethod method, string path, string? origin, string? secret = null, object? body = null,
        string? preflight = null, string? requestHeaders = null, bool privateNetwork = false)
    {
        using var request = new HttpRequestMessage(method, bridge.Url(path));
        if (origin != null) request.Headers.Add("Origin", origin);
        if (secret != null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + secret);
        if (preflight != null) request.Headers.Add("Access-Control-Request-Method", preflight);
        if (requestHeaders != null) request.Headers.Add("Access-Control-Request-Headers", requestHeaders);
        if (privateNetwork) request.Headers.Add("Access-Control-Request-Private-Network", "true");
        if (body != null) request.Content = JsonContent.Create(body);
        return await bridge.Http.SendAsync(request);
    }

    private static void AssertRefused(HttpResponseMessage response, HttpStatusCode status, string origin)
    {
        Assert.True(response.StatusCode == status, $"origin {origin}: {(int)response.StatusCode}");
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), $"origin {origin} got a CORS header");
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }

    private sealed class RunningBridge(AgentProcess agent, int port, string? code) : IDisposable
    {
        public AgentProcess Agent { get; } = agent;

        public int Port { get; } = port;

        public string? Code { get; } = code;

        public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

        public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

        public void Dispose()
        {
            Http.Dispose();
            Agent.Dispose();
        }
    }
}
