using System.Security.Cryptography;
using Npgsql;
using Signing.Core.Documents;
using Signing.Testing;

namespace Signing.Storage.Tests;

/// <summary>
/// The blobs table on a file system that runs out of room: a server of the test's own (it needs a
/// superuser for the tablespace) with the table moved onto a 1 MB tmpfs (the test runs as root, as
/// CI does). A put that does not fit is a <see cref="StorageFullException"/> (which the service
/// answers with 507) with nothing stored, and the same put finishes once there is room again.
/// </summary>
public sealed class PostgresBlobStoreDiskFullTests : IAsyncLifetime
{
    private readonly PostgresServer _server = PostgresServer.Start();
    private readonly string _space = RepoPaths.NewTempDirectory("pg-small-space");
    private DocumentStorage? _storage;

    public async Task InitializeAsync()
    {
        ExternalTool.RunChecked("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", _space);
        ExternalTool.RunChecked("chown", "postgres:", _space);
        await ExecuteAsync(_server.ConnectionString(), "CREATE DATABASE registry");
        await ExecuteAsync(_server.ConnectionString(), $"CREATE TABLESPACE small LOCATION '{_space}'");
        _storage = await DocumentStorage.OpenPostgresAsync(_server.ConnectionString("registry"), null);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_put_that_does_not_fit_is_storage_full_with_nothing_stored_and_the_same_put_finishes_once_there_is_room()
    {
        var blobs = _storage!.Blobs;
        await ExecuteAsync(_server.ConnectionString("registry"), "ALTER TABLE blobs SET TABLESPACE small");
        var small = RandomNumberGenerator.GetBytes(16 * 1024);
        var smallKey = await blobs.PutAsync(small);

        var large = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        var ex = await Assert.ThrowsAsync<StorageFullException>(() => blobs.PutAsync(large));
        Assert.Equal($"the blob store postgres://postgres@127.0.0.1:{_server.Port}/registry is full: {large.Length} bytes could not be written; nothing was stored", ex.Message);
        Assert.Equal(PostgresErrorCodes.DiskFull, Assert.IsType<PostgresException>(ex.InnerException).SqlState);
        var largeKey = Convert.ToHexStringLower(SHA256.HashData(large));
        Assert.False(await blobs.ExistsAsync(largeKey));
        var listed = new List<string>();
        await foreach (var key in blobs.ListAsync(DateTimeOffset.MaxValue)) listed.Add(key);
        Assert.Equal([smallKey], listed);

        // Room again (the table back on the main disk): the same put finishes, and both read back whole.
        await ExecuteAsync(_server.ConnectionString("registry"), "ALTER TABLE blobs SET TABLESPACE pg_default");
        Assert.Equal(largeKey, await blobs.PutAsync(large));
        Assert.Equal(large, await blobs.GetAsync(largeKey));
        Assert.Equal(small, await blobs.GetAsync(smallKey));
    }

    public async Task DisposeAsync()
    {
        if (_storage != null) await _storage.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        _server.Dispose();
        ExternalTool.Run("umount", _space);
        Directory.Delete(_space, recursive: true);
    }
}
