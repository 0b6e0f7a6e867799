using Npgsql;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// The registry's PostgreSQL crashes (stopped immediately: no checkpoint, every connection cut),
/// stays down for two seconds and comes back from its WAL while results are being issued. Calls
/// in flight answer 503 ("retry the same call"), never a 500; the clients retry, and every result
/// ends issued exactly once with an audit chain that verifies. The server is the test's own, so
/// the crash touches no other test.
/// </summary>
public sealed class PostgresRestartTests : IAsyncLifetime
{
    private const int Documents = 8;
    private readonly PostgresServer _server = PostgresServer.Start();
    private RestartFixture _fixture = null!;

    public async Task InitializeAsync()
    {
        await using (var connection = new NpgsqlConnection(_server.ConnectionString()))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE registry", connection);
            await create.ExecuteNonQueryAsync();
        }
        _fixture = new RestartFixture(_server.ConnectionString("registry"));
        await _fixture.InitializeAsync();
    }

    [Fact]
    public async Task A_database_crash_mid_load_is_retried_through_and_nothing_is_lost_or_issued_twice()
    {
        using var client = new PatientIssuer(_fixture.Pki, $"https://127.0.0.1:{_fixture.Service.StaffPort}");
        var keys = Enumerable.Range(0, Documents).Select(_ => Guid.NewGuid().ToString()).ToArray();

        var ids = await client.IssueAllAsync(keys, workers: 2, afterIssued: 2, () => _server.CrashAndRestartAsync(TimeSpan.FromSeconds(2)));

        await client.AssertEachIssuedOnceAsync(ids);
        NpgsqlConnection.ClearAllPools();
        await PatientIssuer.AssertAuditChainAsync(_server.ConnectionString("registry"), Documents);
    }

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        _server.Dispose();
    }

    private sealed class RestartFixture(string connectionString) : IssuanceFixture
    {
        protected override Task ConfigureStorageAsync(Dictionary<string, string?> settings)
        {
            settings["Signing:Storage:PostgresConnectionString"] = connectionString;
            return Task.CompletedTask;
        }
    }
}
