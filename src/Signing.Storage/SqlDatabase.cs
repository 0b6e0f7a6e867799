using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>What differs between the engines; everything else is shared SQL in <see cref="SqlDocumentStore"/>.</summary>
internal abstract class SqlDatabase : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgres": the migrations folder and the name in messages.</summary>
    public abstract string Engine { get; }

    /// <summary>Where the database is, for messages (never includes a password).</summary>
    public abstract string Describe { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts a write transaction that holds the store-wide write lock until it ends, so audit
    /// appends never fork and orphan cleanup cannot race a commit.
    /// </summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A read-only transaction with one consistent snapshot for all its queries.</summary>
    public abstract Task<DbTransaction> BeginSnapshotReadAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Reads the chain head inside a write transaction, locking it where the engine needs that.</summary>
    public abstract string SelectHeadForUpdateSql { get; }

    public abstract bool IsUniqueViolation(DbException exception);

    /// <summary>Holds one document's work lock until the handle is disposed (see <see cref="IDocumentLocks"/>).</summary>
    public abstract Task<IAsyncDisposable> LockDocumentAsync(Guid documentId, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>A stable 32-bit key for a document (the same in every process): its id's four words folded.</summary>
    protected static int DocumentLockKey(Guid documentId)
    {
        Span<byte> bytes = stackalloc byte[16];
        documentId.TryWriteBytes(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes)
            ^ System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes[4..])
            ^ System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes[8..])
            ^ System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
    }

    protected static async Task<DbConnection> Wrap(Func<Task<DbConnection>> open, string where)
    {
        try
        {
            return await open().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidOperationException or TimeoutException)
        {
            throw new StorageException($"cannot open the database {where}: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
    }
}

/// <summary>
/// One SQLite file, WAL journal, <c>synchronous=FULL</c> (a commit survives power loss), foreign
/// keys on. Writers take the database write lock at BEGIN (IMMEDIATE), which serializes them.
/// </summary>
internal sealed class SqliteDatabase : SqlDatabase
{
    private static readonly Lock PoolCheckout = new();
    private readonly string _connectionString;

    public SqliteDatabase(string file)
    {
        File = Path.GetFullPath(file);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = File,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string File { get; }

    public override string Engine => "sqlite";

    public override string Describe => File;

    public override string SelectHeadForUpdateSql => "SELECT seq, hash FROM audit_head WHERE id = 1";

    public override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => Wrap(async () =>
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            // One checkout from the pool at a time: Microsoft.Data.Sqlite 10.0.11 can lend one pooled
            // handle to two concurrent opens (dotnet/efcore#39008), and two writers would then share
            // one transaction. Opening (SQLite's open is synchronous anyway) is microseconds.
            lock (PoolCheckout) connection.Open();
            using var pragmas = connection.CreateCommand();
            // Per-connection settings (journal_mode=WAL is persistent and set once at open).
            pragmas.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }, File);

    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // deferred: false => BEGIN IMMEDIATE: the write lock is taken now, not at the first write,
        // so two writers never both read a version and then collide on upgrade.
        return Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false));
    }

    public override Task<DbTransaction> BeginSnapshotReadAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // BEGIN DEFERRED: in WAL mode the first read fixes a snapshot and takes no write lock.
        return Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));
    }

    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    // SQLite has one writer at a time (BEGIN IMMEDIATE), and holding that lock through a token or
    // TSA call would stop every other writer, so the document lock is per database file in this
    // process: every registry opened on the file here shares it. The file is one host's; a second
    // process on it still cannot commit twice (the version check), it could only repeat the work.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim[]> DocumentStripes = new(StringComparer.Ordinal);

    public override async Task<IAsyncDisposable> LockDocumentAsync(Guid documentId, CancellationToken cancellationToken)
    {
        var stripes = DocumentStripes.GetOrAdd(File, _ => Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray());
        var gate = stripes[(int)((uint)DocumentLockKey(documentId) % (uint)stripes.Length)];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Released(gate);
    }

    private sealed class Released(SemaphoreSlim gate) : IAsyncDisposable
    {
        private int _done;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) gate.Release();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Switches the file to WAL once (the setting is stored in the file).</summary>
    public async Task EnableWalAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode = WAL;";
        var mode = (string?)await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new StorageException($"SQLite at {File} refused WAL mode (journal_mode is {mode}); is it on a network file system?");
    }

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open (and its WAL un-checkpointed); release them.
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// PostgreSQL through Npgsql, READ COMMITTED. The write lock is a row lock on the single-row
/// audit_head table (<c>SELECT … FOR UPDATE</c>), held to commit, which serializes audit appends
/// across every service instance.
/// </summary>
internal sealed class PostgresDatabase : SqlDatabase
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _describe;

    public PostgresDatabase(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new StorageException($"invalid PostgreSQL connection string: {ex.Message}", ex);
        }

        _describe = $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public override string Engine => "postgres";

    public override string Describe => _describe;

    public override string SelectHeadForUpdateSql => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE";

    public override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        Wrap(async () => await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false), _describe);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<DbTransaction> BeginSnapshotReadAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
    }

    public override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>The first key of the two-key advisory locks on documents (the migrator's one-key lock is another key space).</summary>
    private const int DocumentLockSpace = 0x5349_474E; // "SIGN"

    /// <summary>
    /// A transaction-scoped advisory lock on its own connection: every instance on this database
    /// waits for it, no row stays locked (the transition commits on another connection), and it
    /// ends with the transaction, or with the connection when the process dies.
    /// </summary>
    public override async Task<IAsyncDisposable> LockDocumentAsync(Guid documentId, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await Sql.ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(@space, @key)", cancellationToken,
                ("space", DocumentLockSpace), ("key", DocumentLockKey(documentId))).ConfigureAwait(false);
            return new HeldLock(connection, tx);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class HeldLock(DbConnection connection, DbTransaction tx) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await tx.RollbackAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is DbException or InvalidOperationException)
            {
                // a broken connection: the server ended the transaction and its lock with it
            }
            finally
            {
                await tx.DisposeAsync().ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
