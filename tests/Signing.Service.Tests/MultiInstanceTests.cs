using Xunit.Abstractions;
using System.Net;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// Two <c>Signing.Service</c> processes on one PostgreSQL database behind HAProxy, driven only
/// through the balancer, as the one-stop software would. One instance is killed with SIGKILL while
/// results are being issued: the clients retry what they were doing (the same Idempotency-Key,
/// the same seal call), the balancer sends them to the survivor, and at the end every result is
/// issued exactly once and the audit chain verifies. Then three instances, killed a hundred times in turn.
/// </summary>
public sealed class MultiInstanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Documents = 12;
    private const int Workers = 4;
    private const int Kills = 100;
    private const int KilledInstances = 3;

    private readonly TestPki _pki = new();
    private readonly string _data = RepoPaths.NewTempDirectory("service-multi");
    private readonly string _database = "multi_" + Guid.NewGuid().ToString("N")[..12];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await PostgresIssuanceFixture.CreateDatabaseAsync(_database);

    [Fact]
    public async Task An_instance_killed_mid_load_loses_and_duplicates_nothing_and_the_other_finishes_the_work()
    {
        var first = await StartInstanceAsync(0);
        await using var second = await StartInstanceAsync(1);
        try
        {
            using var balancer = await Haproxy.StartAsync(new Dictionary<string, IReadOnlyList<int>>
            {
                ["staff"] = [first.StaffPort, second.StaffPort],
                ["public"] = [first.PublicPort, second.PublicPort],
            });
            using var client = new PatientIssuer(_pki, $"https://127.0.0.1:{balancer.Frontends["staff"]}");
            await client.EnrollHeadAsync();

            var keys = Enumerable.Range(0, Documents).Select(_ => Guid.NewGuid().ToString()).ToArray();
            var ids = await client.IssueAllAsync(keys, Workers, afterIssued: Documents / 4, () =>
            {
                first.Kill(); // mid-load: the other workers have requests in flight on both instances
                Assert.Equal(128 + 9, first.ExitCode);
                return Task.CompletedTask;
            });

            // Both instances served the API through the balancer (its TCP health checks log nothing), and the survivor finished the work.
            Assert.Contains("/api/documents", first.Output, StringComparison.Ordinal);
            Assert.Contains("/api/documents", second.Output, StringComparison.Ordinal);
            await client.AssertEachIssuedOnceAsync(ids);
            // A replayed submission through the balancer is the same document, not a new one.
            var replayed = await IssuanceFixture.Json(await PatientIssuer.Retry(() => client.SubmitAsync(PatientIssuer.Samples[0], keys[0]), HttpStatusCode.OK));
            Assert.Equal(ids[0], replayed.GetProperty("id").GetGuid());
        }
        finally
        {
            await first.DisposeAsync();
        }
        await PatientIssuer.AssertAuditChainAsync(_connectionString, Documents);
    }

    [Fact]
    public async Task A_hundred_SIGKILLs_at_random_points_of_a_running_load_lose_and_duplicate_nothing()
    {
        // Fixed ports: a restarted instance comes back where the balancer expects it.
        var ports = Enumerable.Range(0, KilledInstances).Select(_ => ServiceProcess.FreePorts()).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var restarts = new List<double>();
        async Task<(ServiceProcess Process, TimeSpan ReadyAt)> Start(int instance, TimeSpan? killedAt = null)
        {
            var process = await StartInstanceAsync(instance, ports[instance]);
            var readyAt = clock.Elapsed;
            if (killedAt is { } killed) lock (restarts) restarts.Add((readyAt - killed).TotalSeconds);
            return (process, readyAt);
        }
        var running = Enumerable.Range(0, KilledInstances).Select(i => Start(i)).ToArray();
        await Task.WhenAll(running);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var killedWhileServing = 0;
        try
        {
            using var balancer = await Haproxy.StartAsync(new Dictionary<string, IReadOnlyList<int>>
            {
                ["staff"] = [.. ports.Select(p => p.Staff)],
                ["public"] = [.. ports.Select(p => p.Public)],
            });
            using var client = new PatientIssuer(_pki, $"https://127.0.0.1:{balancer.Frontends["staff"]}");
            await client.EnrollHeadAsync();

            // The instances are killed in turn while they restart in the background. Before each
            // kill another instance has been up long enough for the balancer to see it (two checks
            // of 300 ms), so the load never stops; the kill itself falls at a random moment.
            async Task KillInTurns()
            {
                for (var kill = 0; kill < Kills; kill++)
                {
                    var victim = kill % KilledInstances;
                    var (process, _) = await running[victim];
                    var other = await await Task.WhenAny(running.Where((_, i) => i != victim));
                    var seen = other.ReadyAt + TimeSpan.FromMilliseconds(700) - clock.Elapsed;
                    if (seen > TimeSpan.Zero) await Task.Delay(seen);
                    await Task.Delay(random.Next(1000));

                    process.Kill();
                    Assert.Equal(128 + 9, process.ExitCode);
                    if (process.Output.Contains("/api/documents", StringComparison.Ordinal)) killedWhileServing++;
                    await process.DisposeAsync();
                    running[victim] = Start(victim, clock.Elapsed);
                }
                await Task.WhenAll(running);
            }
            var ids = await client.IssueUntilAsync(Workers, KillInTurns());
            restarts.Sort();
            output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:0} s (seed {seed}), {killedWhileServing} after answering requests: {ids.Length} results issued, " +
                $"restart to ready median {restarts[restarts.Count / 2]:0.0} s, max {restarts[^1]:0.0} s");

            // The kills fell on instances at work: an instance serves for two kills' time before its
            // turn comes, and one whose requests were all still in flight has logged none yet.
            Assert.True(killedWhileServing >= Kills * 9 / 10, $"only {killedWhileServing} of {Kills} instances killed had answered a request (seed {seed})");
            await client.AssertEachIssuedOnceAsync(ids);
            await PatientIssuer.AssertAuditChainAsync(_connectionString, ids.Length);
        }
        finally
        {
            foreach (var start in running)
                if (start.IsCompletedSuccessfully) await (await start).Process.DisposeAsync();
        }
    }

    private Task<ServiceProcess> StartInstanceAsync(int instance, (int Staff, int Public)? ports = null)
    {
        var settings = RunningService.DefaultSettings(_pki);
        // Nothing on disk is shared: the registry and its blobs are in PostgreSQL, so the survivor
        // reads what the killed instance stored from the database.
        var data = Path.Combine(_data, $"instance-{instance}");
        Directory.CreateDirectory(data);
        settings["Signing:DataDirectory"] = data;
        settings["Signing:Storage:PostgresConnectionString"] = _connectionString;
        settings["Signing:Logging:Directory"] = Path.Combine(data, "logs");
        return ServiceProcess.StartAsync(settings, _pki, data, ports);
    }

    public async Task DisposeAsync()
    {
        await PostgresIssuanceFixture.DropDatabaseAsync(_database);
        _pki.Dispose();
    }
}
