using Npgsql;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// The issuance fixture with its registry on the real PostgreSQL server that tests/postgres.sh
/// starts on loopback (its connection string in .dev/postgres.conn, or SIGNING_TEST_POSTGRES):
/// a fresh database per fixture, dropped afterwards. Without the server the tests FAIL, never skip.
/// </summary>
public class PostgresIssuanceFixture : IssuanceFixture
{
    private readonly string _database = "svc_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The test role's connection string (it may create databases).</summary>
    public static string AdminConnectionString()
    {
        if (Environment.GetEnvironmentVariable("SIGNING_TEST_POSTGRES") is { Length: > 0 } fromEnv) return fromEnv.Trim();
        var file = Path.Combine(RepoPaths.Dev, "postgres.conn");
        if (!File.Exists(file))
            throw new InvalidOperationException(
                $"PostgreSQL for the service suite is not set up: {file} is missing. Run `bash tests/postgres.sh` (tests/run.sh does) or set SIGNING_TEST_POSTGRES.");
        return File.ReadAllText(file).Trim();
    }

    protected override async Task ConfigureStorageAsync(Dictionary<string, string?> settings) =>
        settings["Signing:Storage:PostgresConnectionString"] = await CreateDatabaseAsync(_database);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await DropDatabaseAsync(_database);
    }

    /// <summary>Creates the empty database <paramref name="name"/> on the test server; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string name)
    {
        var admin = AdminConnectionString();
        await using var connection = new NpgsqlConnection(admin);
        try
        {
            await connection.OpenAsync();
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"cannot reach the test PostgreSQL ({e.Message}); run `bash tests/postgres.sh`", e);
        }
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection)) await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
    }

    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
