using Microsoft.Data.Sqlite;
using Npgsql;
using Signing.Testing;

namespace Signing.Storage.Tests;

/// <summary>The contract on the embedded default: a SQLite file in a fresh data directory.</summary>
public sealed class SqliteRegistryTests : RegistryContractTests
{
    private readonly string _dataDir = RepoPaths.NewTempDirectory("signing-sqlite");

    private string DbFile => Path.Combine(_dataDir, DocumentStorage.SqliteFileName);

    protected override Task<DocumentStorage> OpenAsync(StorageOptions options) => DocumentStorage.OpenSqliteAsync(_dataDir, options);

    protected override async Task<int> ExecuteRawAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DbFile};Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteNonQueryAsync();
    }

    protected override async Task<long> CountRawAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DbFile};Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Connections_opened_at_once_never_share_a_pooled_handle()
    {
        // Microsoft.Data.Sqlite 10.0.11 can lend one pooled handle to two concurrent opens
        // (dotnet/efcore#39008); two writers would then share one transaction.
        await using var db = new SqliteDatabase(DbFile);
        for (var wave = 0; wave < 200; wave++)
        {
            SqliteConnection.ClearAllPools();
            var opened = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => db.OpenAsync(CancellationToken.None))));
            try
            {
                var handles = opened.Select(c => ((SqliteConnection)c).Handle!.DangerousGetHandle()).ToList();
                Assert.Equal(handles.Count, handles.Distinct().Count());
            }
            finally
            {
                foreach (var connection in opened) await connection.DisposeAsync();
            }
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    protected override (string[] Args, Dictionary<string, string> Environment) CliTarget() => (["--data-dir", _dataDir], []);

    protected override string BlobLiteral(byte[] bytes) => $"X'{Convert.ToHexString(bytes)}'";

    [Fact]
    public void Signing_audit_verify_refuses_a_missing_or_ambiguous_target_in_one_line()
    {
        var neither = RunCli(["audit", "verify"]);
        Assert.Equal(1, neither.ExitCode);
        Assert.Equal("signing: give exactly one of --data-dir DIR or --postgres CONNSTRING", neither.StdErr.Trim());

        var both = RunCli(["audit", "verify", "--data-dir", _dataDir, "--postgres", "Host=127.0.0.1"]);
        Assert.Equal(1, both.ExitCode);

        var empty = RepoPaths.NewTempDirectory("signing-nodb");
        var missing = RunCli(["audit", "verify", "--data-dir", empty]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"signing: no registry database at {Path.Combine(empty, "signing.db")}", missing.StdErr.Trim());
        Assert.Empty(Directory.GetFileSystemEntries(empty));
        Directory.Delete(empty);
    }

    [Fact]
    public async Task The_database_runs_in_wal_mode_with_full_sync()
    {
        Assert.Equal(Path.Combine(_dataDir, "blobs"), Assert.IsType<FileBlobStore>(Storage.Blobs).Root);
        Assert.True(File.Exists(DbFile));
        await using var connection = new SqliteConnection($"Data Source={DbFile};Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync());
        Assert.Equal("sqlite", Storage.Engine);
    }

    [Fact]
    public async Task Instances_opening_a_new_database_at_once_migrate_it_exactly_once()
    {
        var dir = RepoPaths.NewTempDirectory("signing-race");
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => DocumentStorage.OpenSqliteAsync(dir))));
        Assert.Equal(1, opened.Count(o => o.AppliedMigrations.Count > 0));
        foreach (var o in opened) await o.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task A_missing_database_is_not_created_by_read_only_opens()
    {
        var empty = RepoPaths.NewTempDirectory("signing-empty");
        var ex = await Assert.ThrowsAsync<Core.Documents.StorageException>(() =>
            DocumentStorage.OpenSqliteAsync(empty, new StorageOptions { CreateIfMissing = false, Migrate = false }));
        Assert.StartsWith("no registry database at", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(empty));
        Directory.Delete(empty);
    }
}

/// <summary>The same contract on a real PostgreSQL server (tests/postgres.sh), a fresh database per test.</summary>
public sealed class PostgresRegistryTests : RegistryContractTests
{
    private readonly string _database = "signing_t_" + Guid.NewGuid().ToString("N");
    private string? _connectionString;

    public override async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync(_database);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    // The connection string travels in the environment, not on the command line (ps would show it).
    protected override (string[] Args, Dictionary<string, string> Environment) CliTarget() =>
        (["--postgres", "env:SIGNING_AUDIT_TEST_PG"], new() { ["SIGNING_AUDIT_TEST_PG"] = _connectionString! });

    protected override string BlobLiteral(byte[] bytes) => $"'\\x{Convert.ToHexString(bytes)}'::bytea";

    // Blobs in the database, the default for PostgreSQL (FileBlobStoreOnPostgresTests covers files beside it).
    protected override Task<DocumentStorage> OpenAsync(StorageOptions options) =>
        DocumentStorage.OpenPostgresAsync(_connectionString!, null, options);

    protected override async Task<int> ExecuteRawAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return await cmd.ExecuteNonQueryAsync();
    }

    protected override async Task<long> CountRawAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Instances_opening_a_new_database_at_once_migrate_it_exactly_once()
    {
        var name = "signing_t_" + Guid.NewGuid().ToString("N");
        var conn = await TestPostgres.CreateDatabaseAsync(name);
        try
        {
            var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => DocumentStorage.OpenPostgresAsync(conn, BlobDirectory))));
            Assert.Equal(1, opened.Count(o => o.AppliedMigrations.Count > 0));
            foreach (var o in opened) await o.DisposeAsync();
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(name);
        }
    }

    [Fact]
    public async Task A_wrong_password_is_one_clear_error_without_the_password()
    {
        var bad = new NpgsqlConnectionStringBuilder(_connectionString) { Password = "wrong-password-123" }.ToString();
        var ex = await Assert.ThrowsAsync<Core.Documents.StorageException>(() => DocumentStorage.OpenPostgresAsync(bad, BlobDirectory));
        Assert.StartsWith("cannot open the database postgres://", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-123", ex.Message, StringComparison.Ordinal);
        Assert.Equal("postgres", Storage.Engine);
    }

    [Fact]
    public async Task A_document_lock_ends_with_its_connection_when_the_holder_dies()
    {
        await using var other = await OpenAsync(new StorageOptions());
        var id = Guid.NewGuid();
        var held = await Storage.Locks.AcquireAsync(id);
        var waiting = other.Locks.AcquireAsync(id);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);

        // The holder's server process goes away, as when its host is killed mid-seal. pg_locks spans
        // the server: only this database's lock, never another test's.
        Assert.Equal(1, await CountRawAsync(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1397311310 AND objsubid = 2 AND granted " +
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        await held.DisposeAsync(); // its connection is gone: nothing to release, and no error
    }
}
