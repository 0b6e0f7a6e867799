using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Signing.Core.Decisions;
using Signing.Core.IO;
using Signing.Core.Keys;
using Signing.DevPki;
using Signing.Pdf.Rendering;
using Signing.Pkcs11;
using Signing.Service;
using Signing.Pades;
using Signing.Pades.LongTerm;
using Signing.Service.Authentication;
using Signing.Issuance;

namespace Signing.Bench;

/// <summary>
/// Load on the real service host (Kestrel, TLS with the dev client certificates, the dev token via
/// SoftHSM2, built-in TSA) on loopback, one fresh data directory (and PostgreSQL database) per
/// cell. Each client loops the whole life of one result: submit → prepare → the head's signature
/// on the dev token (as the desk agent would) → complete → seal (which issues). Reports issued
/// results/s, p50/p99 of the whole life and of each call, errors, and where the CPU went: the
/// token signatures and the rendering (costs measured alone on one thread), pdftoppm (the
/// previews, child processes), and other processes (PostgreSQL). Target (issue): ≥ 300 issued/s
/// and p99 &lt; 50 ms at 32 clients.
/// </summary>
internal static class ServiceBench
{
    private const string Sample = "mau-04-xin-loi.json";
    private static readonly string[] Kinds = ["submit", "prepare", "headSign", "complete", "seal"];

    public static void Run(BenchOptions options)
    {
        var root = BenchOptions.RepoRoot();
        var layout = DevBenchToken.Layout();
        using var token = DevBenchToken.Open(layout);
        var store = new Pkcs11KeyStore(token);
        var setup = new DevServiceSetup(layout, new Pkcs11DevKeyStore(store), new DevServiceOptions { ModulePath = DevLayout.ModulePath });
        setup.Ensure();
        // Issuing makes B-LTA results, which carry the head's and the seal's OCSP answers: the dev
        // responders must answer where the dev certificates point, as the CA's would in production.
        var revocation = DevBenchToken.ServeRevocationAsync(new Pkcs11DevKeyStore(store), layout).GetAwaiter().GetResult();
        try
        {
            var cells = RunCells(options, root, layout, store, setup);
            var ceiling = TokenCeiling(store, options.Seconds);
            var pipeline = PipelineRate(layout, setup, store, options.Seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"token ceiling: {ceiling:0} results/s ({Environment.ProcessorCount} threads, each doing one result's five token signatures: head RSA-2048, seal RSA-3072, three TSA RSA-2048)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pipeline: {pipeline:0.0} results/s ({Environment.ProcessorCount} threads in one process, no HTTP, no registry: render, head signature, seal, B-LTA as the service issues)"));
            foreach (var cell in cells.Where(c => c.Clients == 32))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"service: {cell.IssuedPerSecond:0.0} issued/s at 32 clients, p99 {cell.LifeP99:0} ms, pipeline {pipeline:0.0}/s, ratio {cell.IssuedPerSecond / pipeline:0.00}, token ceiling {ceiling:0}/s ({cell.Backend})"));
            }
        }
        finally
        {
            revocation.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private sealed record Cell(string Backend, int Clients, double IssuedPerSecond, double LifeP99);

    private static List<Cell> RunCells(BenchOptions options, string root, DevLayout layout, Pkcs11KeyStore store, DevServiceSetup setup)
    {

        var body = File.ReadAllBytes(Path.Combine(root, "samples", "decisions", Sample));
        var costs = ComponentCosts(store, DecisionJson.Parse(body));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Service load on loopback ({Environment.ProcessorCount} cores, {options.Seconds} s per cell after {options.Warmup} s of warm-up, sample {Sample}); costs alone, 1 thread: seal RSA-3072 {costs.Seal:0.00} ms, head RSA-2048 {costs.Head:0.00} ms, TSA RSA-2048 {costs.Tsa:0.00} ms, render {costs.Render:0.00} ms"));
        Console.WriteLine($"machine load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("latencies in ms, p50/p99. CPU ms per issued result: this process (load clients and service), its pdftoppm children, the PostgreSQL server, foreign (everything else on the machine).");
        Console.WriteLine("Share of the service's CPU (this process + pdftoppm + PostgreSQL): token signatures, rendering, pdftoppm previews, PostgreSQL, rest of this process (HTTP/TLS, PAdES, registry client, JSON, files, client side).");
        Console.WriteLine($"{"backend",-8} {"clients",7} {"issued/s",8} {"life",13} {"submit",13} {"prepare",13} {"headSign",11} {"complete",13} {"seal",13} {"errors",6} | {"self",6} {"pdftoppm",8} {"postgres",8} {"foreign",7} {"idle%",5} | {"token",6} {"render",6} {"pdftoppm",8} {"postgres",8} {"rest",5}");

        var backends = options.Backend == "both" ? new[] { "sqlite", "postgres" } : [options.Backend];
        // A service runs for days: its code is tiered up before load arrives. The first cell warms
        // this process for --warmup seconds (tier-1 JIT, pools); every cell warms its host for 1 s.
        var warmup = options.Warmup;
        var cells = new List<Cell>();
        foreach (var backend in backends)
        {
            foreach (var clients in options.Clients)
            {
                cells.Add(RunCell(backend, clients, options.Seconds, Math.Max(warmup, 1), layout, setup, store, body, costs).GetAwaiter().GetResult());
                warmup = 1;
            }
        }

        return cells;
    }

    /// <summary>Results/s the token allows when it does nothing else: one result's five signatures in a loop on every core.</summary>
    private static double TokenCeiling(Pkcs11KeyStore store, int seconds)
    {
        var hash = SHA256.HashData("bench"u8);
        ISignatureKey Key(string label) => store.GetSignatureKey(Pkcs11Uri.For(obj: label, type: "private"));
        var (head, seal, tsa) = (Key("head"), Key("seal"), Key(DevPkiBuilder.TsaLabel));
        void Result()
        {
            head.SignHash(hash, HashAlgorithmName.SHA256);
            seal.SignHash(hash, HashAlgorithmName.SHA256);
            for (var i = 0; i < 3; i++) tsa.SignHash(hash, HashAlgorithmName.SHA256);
        }

        Result();
        return Throughput.Measure(Environment.ProcessorCount, seconds, Result).PerSecond;
    }

    /// <summary>
    /// The service's own work for one result with no HTTP and no registry, on the objects of a real
    /// host (its token sessions, TSA, printed seal and revocation source): render, the head's
    /// signature (the key the load's desk agent uses), the seal, and the long-term level it issues.
    /// </summary>
    private static double PipelineRate(DevLayout layout, DevServiceSetup setup, Pkcs11KeyStore store, int seconds)
    {
        var data = Directory.CreateTempSubdirectory("signing-bench-pipeline-").FullName;
        var app = BuildHost(layout, setup, HostSettings(data));
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
            var runtime = app.Services.GetRequiredService<IssuanceRuntime>();
            var issuance = app.Services.GetRequiredService<IssuanceService>();
            var decision = DecisionJson.Parse(File.ReadAllBytes(Path.Combine(BenchOptions.RepoRoot(), "samples", "decisions", Sample)));
            var headKey = store.GetSignatureKey(Pkcs11Uri.For(obj: "head", type: "private"));
            var headCertificate = X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile("head"));
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(Path.Combine(layout.PkiDirectory, DevPkiBuilder.ChainFileName));
            void Result()
            {
                var rendered = ResultRenderer.Render(decision, new RenderOptions
                {
                    VerificationBaseUrl = runtime.Options.VerificationBaseUrl,
                    VerificationCode = VerificationCode.Derive(RandomNumberGenerator.GetBytes(32), DateTimeOffset.UtcNow),
                    Seal = runtime.PrintedSeal,
                });
                var facts = DocumentFacts.From(rendered);
                var signed = PadesSigner.SignAsync(rendered.Pdf, issuance.HeadSignatureRequest(facts, headCertificate, [.. chain]), headKey, runtime.Timestamps).GetAwaiter().GetResult();
                var sealedPdf = PadesSigner.SignAsync(signed, issuance.SealSignatureRequest(facts), runtime.SealKey, runtime.Timestamps).GetAwaiter().GetResult();
                LongTermUpdate.ExtendAsync(sealedPdf, issuance.LongTerm.LevelFor(decision.Template, facts.IssuingAgency), issuance.Revocation, runtime.Timestamps)
                    .GetAwaiter().GetResult();
            }

            for (var i = 0; i < 20; i++) Result(); // JIT and the revocation cache, as the service's warm-up gives it
            return Throughput.Measure(Environment.ProcessorCount, seconds, Result).PerSecond;
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<Cell> RunCell(string backend, int clients, int seconds, int warmupSeconds, DevLayout layout, DevServiceSetup setup, Pkcs11KeyStore store,
        byte[] body, Costs costs)
    {
        var data = Directory.CreateTempSubdirectory("signing-bench-service-").FullName;
        string? database = null;
        var settings = HostSettings(data);
        if (backend == "postgres")
        {
            database = "bench_" + Guid.NewGuid().ToString("N")[..12];
            settings["Signing:Storage:PostgresConnectionString"] = await CreateDatabaseAsync(database);
        }

        var app = BuildHost(layout, setup, settings);
        try
        {
            await app.StartAsync();
            var listeners = app.Services.GetRequiredService<MutualTlsListeners>();
            using var load = new LoadClients(setup, layout, store, new Uri($"https://127.0.0.1:{listeners.StaffPort}"), body);
            await load.EnrollHeadAsync();

            // Warm-up on this host (JIT, connection pool, SQLite/PostgreSQL caches), not counted.
            Throughput.Measure(clients, warmupSeconds, () => load.Lifecycle(new Recorder()));

            var recorder = new Recorder();
            var before = Cpu.Read();
            var (count, elapsed, _) = Throughput.Measure(clients, seconds, () => load.Lifecycle(recorder));
            var after = Cpu.Read();
            var issued = recorder.Count("life");
            if (issued + recorder.Errors != count) throw new InvalidOperationException("every lifecycle must end issued or as an error");

            double PerResult(double total) => total / Math.Max(issued, 1);
            var self = PerResult(after.SelfMs - before.SelfMs);
            var children = PerResult(after.ChildrenMs - before.ChildrenMs);
            var postgres = PerResult(after.PostgresMs - before.PostgresMs);
            var foreign = Math.Max(0, PerResult(after.MachineBusyMs - before.MachineBusyMs) - self - children - postgres);
            var idle = 100 * (1 - ((after.MachineBusyMs - before.MachineBusyMs) / (after.MachineTotalMs - before.MachineTotalMs)));
            // Per issued result: the head's and the seal's signatures, two TSA tokens (one per signature), one render.
            var token = costs.Head + costs.Seal + (2 * costs.Tsa);
            var ours = self + children + postgres;
            string Share(double ms) => (100 * ms / ours).ToString("0", CultureInfo.InvariantCulture) + "%";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{backend,-8} {clients,7} {issued / elapsed,8:0.0} {recorder.P("life"),13} {recorder.P("submit"),13} {recorder.P("prepare"),13} {recorder.P("headSign"),11} {recorder.P("complete"),13} {recorder.P("seal"),13} {recorder.Errors,6} | {self,6:0.0} {children,8:0.0} {postgres,8:0.0} {foreign,7:0.0} {idle,5:0} | {Share(token),6} {Share(costs.Render),6} {Share(children),8} {Share(postgres),8} {Share(self - token - costs.Render),5}"));
            foreach (var error in recorder.FirstErrors) Console.WriteLine("  error: " + error);
            return new Cell(backend, clients, issued / elapsed, recorder.Quantile("life", 0.99));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            if (database != null) await DropDatabaseAsync(database);
            Directory.Delete(data, recursive: true);
        }
    }

    private sealed record Costs(double Seal, double Head, double Tsa, double Render);

    /// <summary>Milliseconds per operation on one thread, alone: what the load spends at least per result on each.</summary>
    /// <summary>A host of its own: a fresh data directory, no console log, any free ports.</summary>
    private static Dictionary<string, string?> HostSettings(string dataDirectory) => new()
    {
        ["Signing:DataDirectory"] = dataDirectory,
        ["Signing:Logging:Console"] = "false",
        ["Service:Listeners:Staff:Port"] = "0",
        ["Service:Listeners:Public:Port"] = "0",
    };

    /// <summary>The real service host on the dev configuration, with <paramref name="settings"/> on top (data directory, ports).</summary>
    internal static WebApplication BuildHost(DevLayout layout, DevServiceSetup setup, Dictionary<string, string?> settings) =>
        ServiceHost.Build([$"--contentRoot={layout.Home}"], builder =>
        {
            builder.Configuration.AddJsonFile(setup.ConfigFile, optional: false, reloadOnChange: false);
            builder.Configuration.AddInMemoryCollection(settings);
        });

    private static Costs ComponentCosts(Pkcs11KeyStore store, Decision decision)
    {
        var hash = SHA256.HashData("bench"u8);
        double Ms(Action work)
        {
            work();
            var (count, secs, _) = Throughput.Measure(1, 1, work);
            return secs * 1000 / count;
        }

        ISignatureKey Key(string label) => store.GetSignatureKey(Pkcs11Uri.For(obj: label, type: "private"));
        var seal = Key("seal");
        var head = Key("head");
        var tsa = Key(DevPkiBuilder.TsaLabel);
        return new Costs(
            Ms(() => seal.SignHash(hash, HashAlgorithmName.SHA256)),
            Ms(() => head.SignHash(hash, HashAlgorithmName.SHA256)),
            Ms(() => tsa.SignHash(hash, HashAlgorithmName.SHA256)),
            Ms(() => ResultRenderer.Render(decision, new RenderOptions())));
    }

    private static Task<string> CreateDatabaseAsync(string name) => ServiceBenchDatabase.CreateAsync(name);

    private static Task DropDatabaseAsync(string name) => ServiceBenchDatabase.DropAsync(name);

    /// <summary>The three staff roles' HTTPS clients (dev client certificates, trusting only the dev root) and the life of one result.</summary>
    internal sealed class LoadClients : IDisposable
    {
        private readonly HttpClient _counter;
        private readonly HttpClient _head;
        private readonly HttpClient _sealer;
        private readonly X509Certificate2[] _certificates;
        private readonly ISignatureKey _headKey;
        private readonly Uri _staff;
        private readonly byte[] _body;
        private readonly string _headId;
        private readonly DevLayout _layout;

        public LoadClients(DevServiceSetup setup, DevLayout layout, Pkcs11KeyStore store, Uri staff, byte[] body)
        {
            _layout = layout;
            _staff = staff;
            _body = body;
            _headKey = store.GetSignatureKey(Pkcs11Uri.For(obj: "head", type: "private"));
            _certificates = new[] { "CounterStaff", "DepartmentHead", "SealOperator" }
                .Select(role => DevServiceSetup.Load(setup.ClientPkcs12(DevServiceSetup.Roles.Single(r => r.Role == role)))
                    ?? throw new InvalidOperationException($"the {role} client certificate cannot be read; run hsm-config/setup.sh"))
                .ToArray();
            var root = X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile(DevPkiBuilder.RootLabel));
            var issuing = X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile(DevPkiBuilder.IssuingLabel));
            _counter = Client(root, issuing, _certificates[0]);
            _head = Client(root, issuing, _certificates[1]);
            _sealer = Client(root, issuing, _certificates[2]);
            _headId = Convert.ToHexString(_certificates[1].GetCertHash(HashAlgorithmName.SHA256));
        }

        public async Task EnrollHeadAsync()
        {
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(Path.Combine(_layout.PkiDirectory, DevPkiBuilder.ChainFileName));
            using var response = await _head.PostAsJsonAsync(new Uri(_staff, "/api/heads/enroll"), new
            {
                certificate = Convert.ToBase64String(X509CertificateLoader.LoadCertificateFromFile(_layout.CertificateFile("head")).RawData),
                chain = chain.Select(c => c.ExportCertificatePem()).ToArray(),
            });
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"enrolling the head failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        /// <summary>One result from submit to issued; a refusal or transport error counts as an error, not a result.</summary>
        public void Lifecycle(Recorder recorder)
        {
            try
            {
                LifecycleAsync(recorder).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException or JsonException)
            {
                recorder.Error(e.Message);
            }
        }

        private async Task LifecycleAsync(Recorder recorder)
        {
            var life = Stopwatch.GetTimestamp();
            using var submit = new ByteArrayContent(_body);
            submit.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var document = await CallAsync(recorder, "submit", _counter, $"/api/documents?signer={_headId}", submit, HttpStatusCode.Created, Guid.NewGuid().ToString("N"));
            var id = document.GetProperty("id").GetGuid();

            var prepared = await CallAsync(recorder, "prepare", _head, $"/api/documents/{id}/prepare", null, HttpStatusCode.OK);
            var started = Stopwatch.GetTimestamp();
            var signature = _headKey.SignHash(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!), HashAlgorithmName.SHA256);
            recorder.Add("headSign", Stopwatch.GetElapsedTime(started));

            using var complete = JsonContent.Create(new
            {
                requestId = prepared.GetProperty("requestId").GetString(),
                nonce = prepared.GetProperty("nonce").GetString(),
                signatureValue = Convert.ToBase64String(signature),
            });
            Expect(await CallAsync(recorder, "complete", _head, $"/api/documents/{id}/complete", complete, HttpStatusCode.OK), "signed");
            Expect(await CallAsync(recorder, "seal", _sealer, $"/api/documents/{id}/seal", null, HttpStatusCode.OK), "issued");
            recorder.Add("life", Stopwatch.GetElapsedTime(life));
        }

        private static void Expect(JsonElement document, string status)
        {
            if (document.GetProperty("status").GetString() != status)
                throw new InvalidOperationException($"expected status {status}, got {document.GetProperty("status").GetString()}");
        }

        private async Task<JsonElement> CallAsync(Recorder recorder, string kind, HttpClient client, string path, HttpContent? content, HttpStatusCode expected, string? idempotencyKey = null)
        {
            var started = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_staff, path)) { Content = content };
            if (idempotencyKey != null) request.Headers.Add("Idempotency-Key", idempotencyKey);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != expected) throw new InvalidOperationException($"{kind}: HTTP {(int)response.StatusCode}: {text}");
            recorder.Add(kind, Stopwatch.GetElapsedTime(started));
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        internal static HttpClient Client(X509Certificate2 root, X509Certificate2 issuing, X509Certificate2 certificate) =>
            PrivateCaHttpClient.Create([root, issuing], certificate);

        public void Dispose()
        {
            _counter.Dispose();
            _head.Dispose();
            _sealer.Dispose();
            foreach (var c in _certificates) c.Dispose();
        }
    }

    /// <summary>Latencies per call kind, and errors (the first few kept for the report).</summary>
    internal sealed class Recorder
    {
        private readonly Dictionary<string, List<double>> _ms = Kinds.Append("life").ToDictionary(k => k, _ => new List<double>());
        private readonly List<string> _errors = [];
        private readonly Lock _gate = new();

        public int Errors
        {
            get { lock (_gate) return _errors.Count; }
        }

        public IEnumerable<string> FirstErrors
        {
            get { lock (_gate) return _errors.Take(3).ToList(); }
        }

        public void Add(string kind, TimeSpan elapsed)
        {
            lock (_gate) _ms[kind].Add(elapsed.TotalMilliseconds);
        }

        public void Error(string message)
        {
            lock (_gate) _errors.Add(message);
        }

        public int Count(string kind)
        {
            lock (_gate) return _ms[kind].Count;
        }

        /// <summary>"p50/p99" in ms (nearest rank).</summary>
        public string P(string kind) =>
            Count(kind) == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{Quantile(kind, 0.50):0.0}/{Quantile(kind, 0.99):0.0}");

        /// <summary>The <paramref name="q"/> quantile in ms (nearest rank); NaN when nothing was recorded.</summary>
        public double Quantile(string kind, double q)
        {
            lock (_gate)
            {
                var sorted = _ms[kind].Order().ToList();
                return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
            }
        }
    }

    /// <summary>
    /// CPU time from /proc: this process, its waited-for children (pdftoppm), the PostgreSQL server
    /// processes (pooled backends live through a cell), and the whole machine.
    /// </summary>
    private readonly record struct Cpu(double SelfMs, double ChildrenMs, double PostgresMs, double MachineBusyMs, double MachineTotalMs)
    {
        // USER_HZ: the unit of /proc times, 100 on every Linux architecture .NET runs on.
        private const double MsPerTick = 10;

        public static Cpu Read()
        {
            var self = Stat("/proc/self/stat")!.Value;
            var postgres = 0.0;
            foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])))
            {
                if (Stat(Path.Combine(dir, "stat")) is { Comm: "postgres" } p) postgres += p.Own;
            }

            var machine = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Take(8).Select(v => double.Parse(v, CultureInfo.InvariantCulture) * MsPerTick).ToArray();
            var total = machine.Sum();
            return new Cpu(self.Own, self.Children, postgres, total - machine[3] - machine[4], total);
        }

        /// <summary>Command name, own user+system time and waited-for children's, in ms; null when the process is gone.</summary>
        private static (string Comm, double Own, double Children)? Stat(string path)
        {
            string stat;
            try
            {
                stat = File.ReadAllText(path);
            }
            catch (IOException)
            {
                return null;
            }

            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' '); // fields[0] is field 3 (state)
            double Field(int number) => double.Parse(fields[number - 3], CultureInfo.InvariantCulture) * MsPerTick;
            return (stat[(open + 1)..close], Field(14) + Field(15), Field(16) + Field(17));
        }
    }
}
