using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>
/// Content-addressed blobs in the PostgreSQL registry's <c>blobs</c> table (migration 0009), so
/// every instance on the database sees the same blobs without a shared volume. A put is one
/// autocommitted upsert: durable when it returns (the server's commit), and a re-put of the same
/// bytes only moves the write time forward, as for files. Reads re-hash what the table holds.
/// </summary>
internal sealed class PostgresBlobStore : IBlobStore
{
    private readonly PostgresDatabase _db;
    private readonly TimeProvider _time;

    public PostgresBlobStore(PostgresDatabase db, TimeProvider time)
    {
        _db = db;
        _time = time;
    }

    public async Task<string> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var key = BlobKey.Of(content.Span);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        // GREATEST: an instance whose clock is behind never makes a blob look older than it is.
        await using var cmd = Insert(connection, key, content,
            "ON CONFLICT (sha256) DO UPDATE SET written_at_us = GREATEST(blobs.written_at_us, excluded.written_at_us)");
        await WriteAsync(cmd, content.Length, cancellationToken).ConfigureAwait(false);
        return key;
    }

    public async Task<byte[]> GetAsync(string sha256, CancellationToken cancellationToken = default)
    {
        BlobKey.Check(sha256);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Command(connection, "SELECT content FROM blobs WHERE sha256 = @k", sha256);
        // Sequential: the content is read once, straight into its array.
        await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            throw new StorageException($"blob {sha256} is missing from {_db.Describe}");
        var bytes = await reader.GetFieldValueAsync<byte[]>(0, cancellationToken).ConfigureAwait(false);
        return BlobKey.Verified(sha256, bytes);
    }

    public async Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken = default)
    {
        BlobKey.Check(sha256);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Command(connection, "SELECT 1 FROM blobs WHERE sha256 = @k", sha256);
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) != null;
    }

    public async Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken = default)
    {
        BlobKey.Check(sha256);
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Command(connection, "DELETE FROM blobs WHERE sha256 = @k", sha256);
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async IAsyncEnumerable<string> ListAsync(DateTimeOffset writtenBeforeUtc, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = (NpgsqlCommand)connection.CreateCommand();
        cmd.CommandText = "SELECT sha256 FROM blobs WHERE written_at_us < @before ORDER BY sha256";
        cmd.Parameters.Add(new NpgsqlParameter<long>("before", AuditChain.ToUnixMicroseconds(writtenBeforeUtc)));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) yield return reader.GetString(0);
    }

    /// <summary>
    /// Inside the caller's write transaction: stores <paramref name="content"/> under its hash unless
    /// the key is there already. True when a row was added.
    /// </summary>
    internal async Task<bool> InsertIfMissingAsync(DbConnection connection, DbTransaction tx, string key, byte[] content, CancellationToken cancellationToken)
    {
        await using var cmd = Insert(connection, key, content, "ON CONFLICT (sha256) DO NOTHING");
        cmd.Transaction = (NpgsqlTransaction)tx;
        return await WriteAsync(cmd, content.Length, cancellationToken).ConfigureAwait(false) == 1;
    }

    private NpgsqlCommand Insert(DbConnection connection, string key, ReadOnlyMemory<byte> content, string onConflict)
    {
        var cmd = Command(connection, "INSERT INTO blobs (sha256, content, size, written_at_us) VALUES (@k, @content, @size, @t) " + onConflict, key);
        // Sent from the caller's memory as it is: no copy of a PDF of several megabytes.
        cmd.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("content", NpgsqlDbType.Bytea) { TypedValue = content });
        cmd.Parameters.Add(new NpgsqlParameter<long>("size", content.Length));
        cmd.Parameters.Add(new NpgsqlParameter<long>("t", AuditChain.ToUnixMicroseconds(_time.GetUtcNow())));
        return cmd;
    }

    private async Task<int> WriteAsync(NpgsqlCommand cmd, int length, CancellationToken cancellationToken)
    {
        try
        {
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (IsDiskFull(e))
        {
            throw new StorageFullException($"the blob store {_db.Describe} is full: {length} bytes could not be written; nothing was stored", e);
        }
    }

    /// <summary>53100 disk_full: the server could not extend the table's file (its file system or quota is full).</summary>
    private static bool IsDiskFull(PostgresException e) => e.SqlState == PostgresErrorCodes.DiskFull;

    private static NpgsqlCommand Command(DbConnection connection, string sql, string key)
    {
        var cmd = (NpgsqlCommand)connection.CreateCommand();
#pragma warning disable CA2100 // constant SQL; values are parameters
        cmd.CommandText = sql;
#pragma warning restore CA2100
        cmd.Parameters.Add(new NpgsqlParameter<string>("k", key));
        return cmd;
    }
}
