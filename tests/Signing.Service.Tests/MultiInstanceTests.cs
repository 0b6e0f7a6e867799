using System.Net;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// Two <c>Signing.Service</c> processes on one PostgreSQL database behind HAProxy, driven only
/// through the balancer, as the one-stop software would. One instance is killed with SIGKILL while
/// results are being issued: the clients retry what they were doing (the same Idempotency-Key,
/// the same seal call), the balancer sends them to the survivor, and at the end every result is
/// issued exactly once and the audit chain verifies.
/// </summary>
public sealed class MultiInstanceTests : IAsyncLifetime
{
    private const int Documents = 12;
    private const int Workers = 4;

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

    private Task<ServiceProcess> StartInstanceAsync(int instance)
    {
        var settings = RunningService.DefaultSettings(_pki);
        // Nothing on disk is shared: the registry and its blobs are in PostgreSQL, so the survivor
        // reads what the killed instance stored from the database.
        var data = Path.Combine(_data, $"instance-{instance}");
        Directory.CreateDirectory(data);
        settings["Signing:DataDirectory"] = data;
        settings["Signing:Storage:PostgresConnectionString"] = _connectionString;
        settings["Signing:Logging:Directory"] = Path.Combine(data, "logs");
        return ServiceProcess.StartAsync(settings, _pki, data);
    }

    public async Task DisposeAsync()
    {
        await PostgresIssuanceFixture.DropDatabaseAsync(_database);
        _pki.Dispose();
    }
}
