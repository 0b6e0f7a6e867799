using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Signing.Core.Documents;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Service.Authentication;

namespace Signing.Bench;

/// <summary>
/// Console pages under load on the real service host (Kestrel, mutual TLS with the dev counter-staff
/// certificate) on loopback, with 100,000 documents and their audit records in a fresh PostgreSQL
/// database, seeded with binary COPY (a valid audit chain). N clients loop one page for a fixed time;
/// the same host's /health/live and a static file are the floor, measured the same way in the same
/// run. Target (issue #12): p95 &lt; 50 ms for the list and detail pages at 32 clients.
/// </summary>
internal static class ConsoleBench
{
    private const int Documents = 100_000;
    private static readonly string[] Statuses = ["issued", "issued", "issued", "issued", "issued", "issued", "issued", "awaiting_signature", "awaiting_signature", "sealed", "draft", "revoked"];
    private static readonly string[] Templates = ["quyet-dinh", "giay-phep", "mau-01-tiep-nhan", "mau-04-xin-loi"];

    public static void Run(BenchOptions options) => RunAsync(options).GetAwaiter().GetResult();

    private static async Task RunAsync(BenchOptions options)
    {
        var layout = DevBenchToken.Layout();
        using var token = DevBenchToken.Open(layout);
        var setup = new DevServiceSetup(layout, new Pkcs11DevKeyStore(new Pkcs11KeyStore(token)), new DevServiceOptions { ModulePath = DevLayout.ModulePath });
        setup.Ensure();

        var data = Directory.CreateTempSubdirectory("signing-bench-console-").FullName;
        var database = "bench_console_" + Guid.NewGuid().ToString("N")[..12];
        var connection = await ServiceBenchDatabase.CreateAsync(database);
        var app = ServiceBench.BuildHost(layout, setup, new Dictionary<string, string?>
        {
            ["Signing:DataDirectory"] = data,
            ["Signing:Logging:Console"] = "false",
            ["Service:Listeners:Staff:Port"] = "0",
            ["Service:Listeners:Public:Port"] = "0",
            ["Signing:Storage:PostgresConnectionString"] = connection,
        });
        try
        {
            await app.StartAsync(); // migrates the empty database
            var seeding = Stopwatch.StartNew();
            var ids = await SeedAsync(connection);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Console pages on loopback ({Environment.ProcessorCount} cores, PostgreSQL, {Documents:N0} documents + {Documents:N0} audit records seeded by COPY in {seeding.Elapsed.TotalSeconds:0.0} s; {options.Seconds} s per cell after {options.Warmup} s warm-up)"));
            Console.WriteLine($"machine load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");

            var staff = new Uri($"https://127.0.0.1:{app.Services.GetRequiredService<MutualTlsListeners>().StaffPort}");
            var root = X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile(DevPkiBuilder.RootLabel));
            var issuing = X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile(DevPkiBuilder.IssuingLabel));
            using var certificate = DevServiceSetup.Load(setup.ClientPkcs12(DevServiceSetup.Roles.Single(r => r.Role == "CounterStaff")))
                ?? throw new InvalidOperationException("the CounterStaff client certificate cannot be read; run hsm-config/setup.sh");
            using var client = ServiceBench.LoadClients.Client(root, issuing, certificate);

            var pages = new (string Name, Func<int, string> Path)[]
            {
                ("floor: /assets/site.css", _ => "/assets/site.css"),
                ("console home (no query)", _ => "/console"),
                ("list, page 1", _ => "/console/documents"),
                ("list, status filter, page 3", _ => "/console/documents?status=awaiting_signature&page=3"),
                ("list, dossier filter", i => "/console/documents?dossier=" + Dossier(i % Documents)),
                ("detail", i => "/console/documents/" + ids[(int)((uint)(i * 7919) % Documents)]),
                ("late dossiers", _ => "/console/late"),
            };
            Console.WriteLine($"{"page",-30} {"clients",7} {"req/s",8} {"p50 ms",7} {"p95 ms",7} {"p99 ms",7} {"errors",6} {"p95/floor",9}");
            foreach (var clients in options.Clients)
            {
                // Warm-up (JIT, the connection pool, PostgreSQL's caches), not counted.
                foreach (var (_, path) in pages) await MeasureAsync(client, staff, path, clients, Math.Max(1, options.Warmup / pages.Length));
                double? floor = null;
                foreach (var (name, path) in pages)
                {
                    var m = await MeasureAsync(client, staff, path, clients, options.Seconds);
                    floor ??= m.P95;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name,-30} {clients,7} {m.PerSecond,8:0} {m.P50,7:0.0} {m.P95,7:0.0} {m.P99,7:0.0} {m.Errors,6} {m.P95 / floor.Value,9:0.0}"));
                    foreach (var e in m.FirstErrors) Console.WriteLine("  error: " + e);
                }
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await ServiceBenchDatabase.DropAsync(database);
            Directory.Delete(data, recursive: true);
        }
    }

    private static string Dossier(int i) => string.Create(CultureInfo.InvariantCulture, $"000.00.15.H29-2{i / 1000 % 1000:000}-{i % 20000:00000}");

    private sealed record Measurement(double PerSecond, double P50, double P95, double P99, int Errors, IReadOnlyList<string> FirstErrors);

    private static async Task<Measurement> MeasureAsync(HttpClient client, Uri staff, Func<int, string> path, int clients, int seconds)
    {
        var latencies = new List<double>[clients];
        var errors = new List<string>();
        var stopAt = Stopwatch.GetTimestamp() + (seconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = [];
            var i = c * 1_000_003;
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var t = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.GetAsync(new Uri(staff, path(i++)), HttpCompletionOption.ResponseContentRead);
                    await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode) throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
                    mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
                catch (HttpRequestException e)
                {
                    lock (errors) errors.Add(e.Message);
                }
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToList();
        double Rank(double q) => all.Count == 0 ? double.NaN : all[Math.Clamp((int)Math.Ceiling(q * all.Count) - 1, 0, all.Count - 1)];
        return new Measurement(all.Count / elapsed, Rank(0.50), Rank(0.95), Rank(0.99), errors.Count, errors.Take(3).ToList());
    }

    /// <summary>
    /// 100,000 documents over a year (statuses, templates, 20,000 dossiers), each with its "create"
    /// audit record continuing the chain, in one transaction with binary COPY; returns the ids.
    /// </summary>
    private static async Task<string[]> SeedAsync(string connectionString)
    {
        var ids = new string[Documents];
        var now = AuditChain.ToUnixMicroseconds(DateTimeOffset.UtcNow);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        long seq;
        string hash;
        await using (var head = new NpgsqlCommand("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE", connection, tx))
        await using (var r = await head.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            (seq, hash) = (r.GetInt64(0), r.GetString(1));
        }

        var audit = new List<(long Seq, long Time, string Id, string Details, string Prev, string Hash)>(Documents);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY documents (id, verification_code, dossier_code, template, status, signer_id, pdf_sha256, created_at_us, updated_at_us, version) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < Documents; i++)
            {
                var id = ids[i] = Guid.NewGuid().ToString("D");
                var status = Statuses[i % Statuses.Length];
                var created = now - ((long)(Documents - i) * 315_000_000L); // one every ~5 minutes, a year in all
                var code = string.Create(CultureInfo.InvariantCulture, $"B{i:0000000}");
                var dossier = Dossier(i);
                var template = Templates[i % Templates.Length];
                await copy.StartRowAsync();
                await copy.WriteAsync(id);
                await copy.WriteAsync(code);
                await copy.WriteAsync(dossier);
                await copy.WriteAsync(template);
                await copy.WriteAsync(status);
                if (status == "draft") await copy.WriteNullAsync(); else await copy.WriteAsync("BENCHHEAD");
                await copy.WriteNullAsync();
                await copy.WriteAsync(created, NpgsqlDbType.Bigint);
                await copy.WriteAsync(created, NpgsqlDbType.Bigint);
                await copy.WriteAsync(1L, NpgsqlDbType.Bigint);

                var details = $"{{\"verification_code\":\"{code}\",\"dossier_code\":\"{dossier}\",\"template\":\"{template}\",\"status\":\"draft\",\"version\":1}}";
                seq++;
                var next = AuditChain.ComputeHash(seq, AuditChain.FromUnixMicroseconds(created), "bench", "create", Guid.Parse(id), details, hash);
                audit.Add((seq, created, id, details, hash, next));
                hash = next;
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY audit_log (seq, time_us, actor, action, document_id, details, prev_hash, hash) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var a in audit)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(a.Seq, NpgsqlDbType.Bigint);
                await copy.WriteAsync(a.Time, NpgsqlDbType.Bigint);
                await copy.WriteAsync("bench");
                await copy.WriteAsync("create");
                await copy.WriteAsync(a.Id);
                await copy.WriteAsync(a.Details);
                await copy.WriteAsync(a.Prev);
                await copy.WriteAsync(a.Hash);
            }

            await copy.CompleteAsync();
        }

        await using (var move = new NpgsqlCommand("UPDATE audit_head SET seq = @s, hash = @h WHERE id = 1", connection, tx))
        {
            move.Parameters.AddWithValue("s", seq);
            move.Parameters.AddWithValue("h", hash);
            await move.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
        // What autovacuum does on a live registry: statistics and the visibility map (index-only counts).
        foreach (var table in new[] { "documents", "audit_log" })
        {
            await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE " + table, connection);
            await vacuum.ExecuteNonQueryAsync();
        }
        return ids;
    }
}

/// <summary>A throw-away database on the loopback server of tests/postgres.sh.</summary>
internal static class ServiceBenchDatabase
{
    private static string Admin()
    {
        var file = Path.Combine(BenchOptions.RepoRoot(), ".dev", "postgres.conn");
        if (!File.Exists(file)) throw new InvalidOperationException($"{file} is missing: run `bash tests/postgres.sh` first (bench/run.sh does).");
        return File.ReadAllText(file).Trim();
    }

    public static async Task<string> CreateAsync(string name)
    {
        await using var connection = new NpgsqlConnection(Admin());
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection)) await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(Admin()) { Database = name }.ToString();
    }

    public static async Task DropAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Admin());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
