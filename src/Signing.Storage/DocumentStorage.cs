using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>How to open a store.</summary>
public sealed record StorageOptions
{
    /// <summary>Create the database when it does not exist (false for read-only tools such as `audit verify`).</summary>
    public bool CreateIfMissing { get; init; } = true;

    /// <summary>Apply pending migrations at open; when false, a schema that is not current is refused.</summary>
    public bool Migrate { get; init; } = true;

    /// <summary>The clock for record and audit times (tests pass their own).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// An open registry: documents, blobs and the audit log on SQLite (embedded default) or
/// PostgreSQL. Migrations are applied at open. Dispose it when done.
/// </summary>
public sealed class DocumentStorage : IAsyncDisposable
{
    /// <summary>The SQLite database file inside the data directory.</summary>
    public const string SqliteFileName = "signing.db";

    /// <summary>The blob folder inside the data directory.</summary>
    public const string BlobFolderName = "blobs";

    private readonly SqlDatabase _db;
    private readonly TimeProvider _time;

    private DocumentStorage(SqlDatabase db, IBlobStore blobs, TimeProvider time, IReadOnlyList<int> applied)
    {
        _db = db;
        _time = time;
        Blobs = blobs;
        var store = new SqlDocumentStore(db, blobs, time);
        Registry = store;
        Archive = store;
        Heads = store;
        PreparedRequests = store;
        Locks = store;
        StateImporter = store;
        Audit = new SqlAuditLog(db);
        CounterForms = new SqlCounterFormStore(db, blobs, time);
        IdempotentResponses = new SqlIdempotentResponseStore(db, time);
        Webhooks = new SqlWebhookStore(db, time);
        AppliedMigrations = applied;
    }

    public IDocumentRegistry Registry { get; }

    public IAuditLog Audit { get; }

    /// <summary>The enrolled department heads (same database and transactions as <see cref="Registry"/>).</summary>
    public IHeadRegistry Heads { get; }

    /// <summary>Prepared head signatures; completing one marks its document signed in the same transaction.</summary>
    public IPreparedRequestRegistry PreparedRequests { get; }

    /// <summary>Per-document work locks, shared by every process on the database (see docs/service.md, "State and locking").</summary>
    public IDocumentLocks Locks { get; }

    /// <summary>Takes the service's old state files into the registry.</summary>
    public IServiceStateImporter StateImporter { get; }

    /// <summary>The archive index the archive upkeep job keeps (same database and transactions as <see cref="Registry"/>).</summary>
    public IArchiveRegistry Archive { get; }

    /// <summary>The Decree 61 counter forms issued for dossiers (Mẫu 01-04).</summary>
    public Signing.Core.CounterForms.ICounterFormRegistry CounterForms { get; }

    /// <summary>The stored answers of mutating API calls by (caller, Idempotency-Key).</summary>
    public IIdempotentResponseStore IdempotentResponses { get; }

    /// <summary>Webhook subscriptions and the outbox the registry's transitions write (same database and transactions as <see cref="Registry"/>).</summary>
    public Signing.Core.Webhooks.IWebhookRegistry Webhooks { get; }

    /// <summary>
    /// The content-addressed PDFs: files under the data directory for SQLite; for PostgreSQL the
    /// database's blobs table, or files on a volume the instances share when opened with a blob directory.
    /// </summary>
    public IBlobStore Blobs { get; }

    /// <summary>"sqlite" or "postgres".</summary>
    public string Engine => _db.Engine;

    /// <summary>Where the database is (no password).</summary>
    public string Location => _db.Describe;

    /// <summary>Migration versions applied by this open (empty when the schema was already current).</summary>
    public IReadOnlyList<int> AppliedMigrations { get; }

    /// <summary>The newest schema version this program knows for <paramref name="engine"/>.</summary>
    public static int SchemaVersion(string engine) => Migrator.Embedded(engine)[^1].Version;

    /// <summary>Opens <c>&lt;dataDirectory&gt;/signing.db</c> (WAL, synchronous=FULL) with blobs in <c>&lt;dataDirectory&gt;/blobs</c>.</summary>
    public static async Task<DocumentStorage> OpenSqliteAsync(string dataDirectory, StorageOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        options ??= new StorageOptions();
        var dir = Path.GetFullPath(dataDirectory);
        var file = Path.Combine(dir, SqliteFileName);
        if (!options.CreateIfMissing && !File.Exists(file))
            throw new Core.Documents.StorageException($"no registry database at {file}");
        Directory.CreateDirectory(dir);
        var db = new SqliteDatabase(file);
        try
        {
            await using (var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                await db.EnableWalAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            var applied = await PrepareSchemaAsync(db, options, cancellationToken).ConfigureAwait(false);
            return new DocumentStorage(db, new FileBlobStore(Path.Combine(dir, BlobFolderName), options.Time), options.Time, applied);
        }
        catch
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a PostgreSQL registry. With <paramref name="blobDirectory"/> null, blobs live in the
    /// database (the default: one backup, nothing shared but the database); with a directory, they
    /// live as files there, which every instance must share.
    /// </summary>
    public static async Task<DocumentStorage> OpenPostgresAsync(string connectionString, string? blobDirectory, StorageOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (blobDirectory != null) ArgumentException.ThrowIfNullOrWhiteSpace(blobDirectory);
        options ??= new StorageOptions();
        var db = new PostgresDatabase(connectionString);
        try
        {
            var applied = await PrepareSchemaAsync(db, options, cancellationToken).ConfigureAwait(false);
            IBlobStore blobs = blobDirectory == null ? new PostgresBlobStore(db, options.Time) : new FileBlobStore(blobDirectory, options.Time);
            return new DocumentStorage(db, blobs, options.Time, applied);
        }
        catch
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Takes the blob files under <paramref name="directory"/> (a registry that kept its blobs in
    /// files) into the database's blobs, each re-hashed, in one transaction with one audit record;
    /// each file is then renamed to <c>*.imported</c>. A corrupt file stops it with nothing imported.
    /// Only for a PostgreSQL registry with its blobs in the database.
    /// </summary>
    public Task<BlobFileImportResult> ImportBlobFilesAsync(string directory, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        if (_db is not PostgresDatabase pg || Blobs is not PostgresBlobStore blobs)
            throw new Core.Documents.StorageException($"{_db.Describe} keeps its blobs in files; there is nothing to import them into");
        return BlobFileImport.RunAsync(pg, blobs, _time, directory, actor, cancellationToken);
    }

    /// <summary>
    /// Opens only the audit log of an existing registry, read-only: nothing is created or migrated
    /// (for `signing audit verify`). Exactly one of <paramref name="dataDirectory"/> (SQLite) and
    /// <paramref name="postgresConnectionString"/> must be given.
    /// </summary>
    public static async Task<AuditLogHandle> OpenAuditLogAsync(string? dataDirectory, string? postgresConnectionString, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(dataDirectory) == string.IsNullOrWhiteSpace(postgresConnectionString))
            throw new Core.Documents.StorageException("give exactly one of a data directory (SQLite) or a PostgreSQL connection string");
        SqlDatabase db;
        if (!string.IsNullOrWhiteSpace(dataDirectory))
        {
            var file = Path.Combine(Path.GetFullPath(dataDirectory), SqliteFileName);
            if (!File.Exists(file)) throw new Core.Documents.StorageException($"no registry database at {file}");
            db = new SqliteDatabase(file);
        }
        else
        {
            db = new PostgresDatabase(postgresConnectionString!);
        }

        try
        {
            await PrepareSchemaAsync(db, new StorageOptions { CreateIfMissing = false, Migrate = false }, cancellationToken).ConfigureAwait(false);
            return new AuditLogHandle(db);
        }
        catch
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<IReadOnlyList<int>> PrepareSchemaAsync(SqlDatabase db, StorageOptions options, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (options.Migrate)
            return await Migrator.MigrateAsync(db, connection, AuditChain.ToUnixMicroseconds(options.Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);

        var current = await Migrator.CurrentVersionAsync(db, connection, cancellationToken).ConfigureAwait(false);
        var expected = SchemaVersion(db.Engine);
        if (current != expected)
            throw new Core.Documents.StorageException(current == 0
                ? $"{db.Describe} is not a registry database (no schema_version table)"
                : $"{db.Describe} has schema version {current}, this program expects {expected}; open it with the service once to migrate");
        return [];
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}

/// <summary>An open, read-only audit log; dispose it when done.</summary>
public sealed class AuditLogHandle : IAsyncDisposable
{
    private readonly SqlDatabase _db;

    internal AuditLogHandle(SqlDatabase db)
    {
        _db = db;
        Log = new SqlAuditLog(db);
    }

    public IAuditLog Log { get; }

    /// <summary>Where the database is (no password).</summary>
    public string Location => _db.Describe;

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}
