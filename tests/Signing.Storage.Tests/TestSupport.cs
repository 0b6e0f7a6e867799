using Npgsql;
using Signing.Testing;

namespace Signing.Storage.Tests;

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now;

    public ManualClock(DateTimeOffset start) => _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// The PostgreSQL server started by tests/postgres.sh: its connection string comes from
/// SIGNING_TEST_POSTGRES or .dev/postgres.conn. Missing means the test FAILS (never skips).
/// </summary>
public static class TestPostgres
{
    public static string AdminConnectionString()
    {
        var fromEnv = Environment.GetEnvironmentVariable("SIGNING_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(fromEnv)) return fromEnv.Trim();
        var file = Path.Combine(RepoPaths.Dev, "postgres.conn");
        if (!File.Exists(file))
            throw new InvalidOperationException(
                $"PostgreSQL for tests is not set up: {file} is missing. Run `bash tests/postgres.sh` (installs and starts a loopback server) or set SIGNING_TEST_POSTGRES.");
        return File.ReadAllText(file).Trim();
    }

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string name)
    {
        var admin = AdminConnectionString();
        await using var connection = new NpgsqlConnection(admin);
        try
        {
            await connection.OpenAsync();
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException($"cannot reach the test PostgreSQL ({ex.Message}); run `bash tests/postgres.sh`", ex);
        }

        await using (var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection)) await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
    }

    public static async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString());
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await cmd.ExecuteNonQueryAsync();
    }
}
