using System.Net;
using System.Text;
using System.Text.Json;
using Signing.Core;

namespace Signing.Agent.Bridge;

/// <summary>How the bridge is reached: its port on 127.0.0.1, the one console origin it answers, and where the pairing is kept.</summary>
public sealed record BridgeOptions(int Port, string ConsoleOrigin, string Home, bool NewPairing);

/// <summary>
/// The desk agent's local HTTP listener that the console's queue page calls (NexU's way), on
/// 127.0.0.1 only. Every request must name this listener in Host (a DNS-rebound name is refused)
/// and come from the configured console origin (CORS with that exact origin, never a wildcard);
/// every request but the pairing itself must carry the pairing's secret as a bearer token, which a
/// cross-site form cannot send. The PIN never travels here: the agent asks for it in its own terminal.
/// </summary>
public sealed class LocalBridge : IDisposable
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxDocuments = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly BridgeOptions _options;
    private readonly Func<BridgeBatch, Task> _run;
    private readonly Action<string> _say;
    private readonly HttpListener _listener = new();
    private readonly string _authority;
    private readonly Lock _gate = new();
    private PairingRecord? _pairing;
    private PairingCode? _code;
    private BridgeBatch? _batch;
    private Task? _running;

    /// <param name="run">Runs a batch the page asked for (reads the queue, asks the PIN, signs); the bridge only starts it and reports on it.</param>
    /// <param name="say">A line for the agent's own terminal (never the PIN, never a secret).</param>
    public LocalBridge(BridgeOptions options, Func<BridgeBatch, Task> run, Action<string> say)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _run = run;
        _say = say;
        _authority = $"127.0.0.1:{options.Port}";
        _pairing = options.NewPairing ? null : PairingRecord.Load(options.Home);
        if (_pairing != null && _pairing.Origin != options.ConsoleOrigin) _pairing = null; // paired with another console: pair again
        if (_pairing == null) _code = new PairingCode();
    }

    public Uri Address => new($"http://{_authority}/");

    /// <summary>The one-time code to show in the terminal, when the agent is not paired yet.</summary>
    public string? PairingCodeToShow => _code?.Display;

    public bool Paired
    {
        get { lock (_gate) return _pairing != null; }
    }

    public void Start()
    {
        _listener.Prefixes.Add(Address.AbsoluteUri);
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            throw new SigningException($"Cannot listen on {Address} ({e.Message}); is another signing-agent serve running? Choose another --port (and tell the console).");
        }
    }

    /// <summary>Answers requests until <paramref name="stop"/>; each request is handled on its own.</summary>
    public async Task ServeAsync(CancellationToken stop)
    {
        using var registration = stop.Register(() => _listener.Stop());
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                if (stop.IsCancellationRequested) break;
                throw;
            }

            _ = Task.Run(() => HandleAsync(context), CancellationToken.None);
        }

        Task? running;
        lock (_gate) running = _running;
        _batch?.Stop.Cancel();
        if (running != null) await running.ConfigureAwait(false); // signatures the token already made are delivered
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            response.Headers["Cache-Control"] = "no-store";
            response.Headers["X-Content-Type-Options"] = "nosniff";
            // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 still sends Host: evil.example.
            if (!string.Equals(request.Headers["Host"], _authority, StringComparison.Ordinal))
            {
                Refuse(request, "its Host is not " + _authority);
                await ProblemAsync(response, 421, "the agent answers only requests addressed to " + _authority, "Host").ConfigureAwait(false);
                return;
            }

            var origin = request.Headers["Origin"];
            if (!string.Equals(origin, _options.ConsoleOrigin, StringComparison.Ordinal))
            {
                // No CORS headers: the browser keeps the answer from the foreign page.
                Refuse(request, origin is null ? "it names no origin" : $"origin {origin} is not the console");
                await ProblemAsync(response, 403, "the agent answers only the console at " + _options.ConsoleOrigin, "Origin").ConfigureAwait(false);
                return;
            }

            response.Headers["Access-Control-Allow-Origin"] = origin;
            response.Headers["Vary"] = "Origin";
            if (request.HttpMethod == "OPTIONS")
            {
                Preflight(request, response);
                return;
            }

            await RouteAsync(request, response).ConfigureAwait(false);
        }
        catch (BridgeProblem p)
        {
            await ProblemAsync(response, p.Status, p.Message, p.Field).ConfigureAwait(false);
        }
        catch (PairingRefusedException e)
        {
            Refuse(request, e.Message);
            await ProblemAsync(response, 403, e.Message, "code").ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One request's failure must not end the agent; the page gets a problem, the terminal a line.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _say($"error answering {request.HttpMethod} {request.Url?.AbsolutePath}: {e.GetType().Name}: {e.Message}");
            try
            {
                await ProblemAsync(response, 500, "the agent failed to answer: " + e.Message, null).ConfigureAwait(false);
            }
            catch (Exception inner) when (inner is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // The page went away.
            }
        }
    }

    private static void Preflight(HttpListenerRequest request, HttpListenerResponse response)
    {
        var method = request.Headers["Access-Control-Request-Method"];
        var headers = (request.Headers["Access-Control-Request-Headers"] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (method is not ("GET" or "POST") || headers.Any(h => !h.Equals("authorization", StringComparison.OrdinalIgnoreCase) && !h.Equals("content-type", StringComparison.OrdinalIgnoreCase)))
        {
            response.StatusCode = 403;
            response.Close();
            return;
        }

        response.Headers["Access-Control-Allow-Methods"] = "GET, POST";
        response.Headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type";
        response.Headers["Access-Control-Max-Age"] = "600";
        // Chromium's private-network preflight, when the console is not itself on loopback.
        if (request.Headers["Access-Control-Request-Private-Network"] == "true") response.Headers["Access-Control-Allow-Private-Network"] = "true";
        response.StatusCode = 204;
        response.Close();
    }

    private async Task RouteAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        var path = request.Url!.AbsolutePath.TrimEnd('/');
        var method = request.HttpMethod;
        if (method == "POST" && !(request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new BridgeProblem(415, "the agent takes JSON bodies only (Content-Type: application/json)", "Content-Type");

        if (method == "POST" && path == "/pair")
        {
            await PairAsync(request, response).ConfigureAwait(false);
            return;
        }

        Authorize(request);
        switch (method, Segments(path))
        {
            case ("GET", ["status"]):
                BridgeBatch? current;
                lock (_gate) current = _batch;
                await JsonAsync(response, 200, new { paired = true, busy = current is { IsFinished: false }, batch = current?.Id }).ConfigureAwait(false);
                return;
            case ("POST", ["batches"]):
                await StartBatchAsync(request, response).ConfigureAwait(false);
                return;
            case ("GET", ["batches", var id]):
                await JsonAsync(response, 200, Batch(id).Snapshot()).ConfigureAwait(false);
                return;
            case ("POST", ["batches", var id, "stop"]):
                var batch = Batch(id);
                await batch.Stop.CancelAsync().ConfigureAwait(false);
                _say("The console asked to stop: stopping after the document in hand.");
                await JsonAsync(response, 202, batch.Snapshot()).ConfigureAwait(false);
                return;
            default:
                throw new BridgeProblem(404, $"the agent has no {method} {path}", null);
        }
    }

    private static string[] Segments(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private void Authorize(HttpListenerRequest request)
    {
        var header = request.Headers["Authorization"] ?? "";
        var secret = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
        PairingRecord? pairing;
        lock (_gate) pairing = _pairing;
        if (pairing == null)
        {
            Refuse(request, "the agent is not paired");
            throw new BridgeProblem(401, "the agent is not paired with this console yet: type the pairing code the agent shows", "Authorization");
        }

        if (!pairing.Accepts(request.Headers["Origin"]!, secret))
        {
            Refuse(request, secret is null ? "it carries no pairing" : "its pairing is not this agent's");
            throw new BridgeProblem(401, secret is null ? "the request carries no pairing" : "the pairing is not this agent's (paired again elsewhere?): pair again", "Authorization");
        }
    }

    private async Task PairAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        var body = await ReadJsonAsync(request).ConfigureAwait(false);
        var typed = body.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (string.IsNullOrWhiteSpace(typed)) throw new BridgeProblem(400, "'code' is required: the pairing code the agent shows in its window", "code");
        PairingCode code;
        lock (_gate) code = _code ?? throw new PairingRefusedException("the agent is already paired; to pair again, restart it with `signing-agent serve --pair`");
        code.Redeem(typed);
        var (secret, record) = PairingCode.NewPairing(_options.ConsoleOrigin, DateTimeOffset.UtcNow);
        record.Save(_options.Home);
        lock (_gate)
        {
            _pairing = record;
            _code = null;
        }

        _say($"Paired with the console at {_options.ConsoleOrigin}.");
        await JsonAsync(response, 200, new { secret }).ConfigureAwait(false);
    }

    private async Task StartBatchAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        var body = await ReadJsonAsync(request).ConfigureAwait(false);
        if (!body.TryGetProperty("documents", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw new BridgeProblem(400, "'documents' must be a non-empty array of document ids", "documents");
        if (list.GetArrayLength() > MaxDocuments) throw new BridgeProblem(400, $"a batch holds at most {MaxDocuments} documents", "documents");
        var ids = new List<Guid>();
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !Guid.TryParse(item.GetString(), out var id)) throw new BridgeProblem(400, $"'documents[{i}]' is not a document id", $"documents[{i}]");
            ids.Add(id);
            i++;
        }

        BridgeBatch batch;
        lock (_gate)
        {
            if (_batch is { IsFinished: false }) throw new BridgeProblem(409, "a batch is already being signed; wait for it to finish", "documents");
            batch = new BridgeBatch(ids, _say);
            _batch = batch;
            _running = Task.Run(() => _run(batch));
        }

        await JsonAsync(response, 202, batch.Snapshot()).ConfigureAwait(false);
    }

    private BridgeBatch Batch(string id)
    {
        lock (_gate)
        {
            if (_batch != null && Guid.TryParse(id, out var g) && g == _batch.Id) return _batch;
        }

        throw new BridgeProblem(404, "no such batch (the agent was restarted?)", "id");
    }

    private void Refuse(HttpListenerRequest request, string why) => _say($"refused {request.HttpMethod} {request.Url?.AbsolutePath}: {why}");

    private static async Task<JsonElement> ReadJsonAsync(HttpListenerRequest request)
    {
        if (request.ContentLength64 > MaxBodyBytes) throw new BridgeProblem(413, $"the body is larger than {MaxBodyBytes} bytes", null);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.InputStream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes) throw new BridgeProblem(413, $"the body is larger than {MaxBodyBytes} bytes", null);
        }

        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new BridgeProblem(400, "the body must be a JSON object", null);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new BridgeProblem(400, "the body is not JSON", null);
        }
    }

    private static Task JsonAsync(HttpListenerResponse response, int status, object value) =>
        WriteAsync(response, status, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(value, Json));

    /// <summary>An RFC 9457 problem naming the field (or header) at fault.</summary>
    private static Task ProblemAsync(HttpListenerResponse response, int status, string detail, string? field) =>
        WriteAsync(response, status, "application/problem+json", JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["type"] = "about:blank",
            ["title"] = ((HttpStatusCode)status).ToString(),
            ["status"] = status,
            ["detail"] = detail,
            ["field"] = field,
        }, Json));

    private static async Task WriteAsync(HttpListenerResponse response, int status, string type, byte[] body)
    {
        response.StatusCode = status;
        response.ContentType = type;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        response.Close();
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();

    private sealed class BridgeProblem(int status, string message, string? field) : Exception(message)
    {
        public int Status { get; } = status;
        public string? Field { get; } = field;
    }
}
