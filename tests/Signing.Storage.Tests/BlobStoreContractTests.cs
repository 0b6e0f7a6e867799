using System.Security.Cryptography;
using System.Text;
using Signing.Core.Documents;
using Signing.Testing;

namespace Signing.Storage.Tests;

/// <summary>
/// The <see cref="IBlobStore"/> contract, run unchanged against every store a registry opens with:
/// files (<see cref="FileBlobStoreTests"/>, and <see cref="FileBlobStoreOnPostgresTests"/> beside a PostgreSQL registry) and the
/// PostgreSQL blobs table (<see cref="PostgresBlobStoreTests"/>). Each test gets a fresh registry
/// and a clock it moves by hand (both stores take their write times from it).
/// </summary>
public abstract class BlobStoreContractTests : OpenedStoreTests
{
    protected IBlobStore Blobs => Storage.Blobs;

    /// <summary>Replaces the stored bytes of <paramref name="key"/> behind the store's back, as a failing disk or an intruder would.</summary>
    protected abstract Task TamperAsync(string key, byte[] bytes);

    protected static byte[] Pdf(string text) => Encoding.UTF8.GetBytes("%PDF-1.7\n% " + text + "\n%%EOF\n");

    protected static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    protected async Task<List<string>> ListAsync(DateTimeOffset writtenBefore)
    {
        var keys = new List<string>();
        await foreach (var key in Blobs.ListAsync(writtenBefore)) keys.Add(key);
        return keys;
    }

    [Fact]
    public async Task A_put_is_keyed_by_the_sha256_and_a_get_returns_the_same_bytes()
    {
        var small = Pdf("content");
        Assert.Equal(Sha(small), await Blobs.PutAsync(small));
        Assert.True(await Blobs.ExistsAsync(Sha(small)));
        Assert.Equal(small, await Blobs.GetAsync(Sha(small)));

        // A scanned decision of several megabytes, put from a slice of a larger buffer.
        var buffer = RandomNumberGenerator.GetBytes(6 * 1024 * 1024 + 17);
        var large = buffer.AsMemory(17);
        var key = await Blobs.PutAsync(large);
        Assert.Equal(Sha(large.ToArray()), key);
        Assert.Equal(large.ToArray(), await Blobs.GetAsync(key));
        Assert.Equal(new[] { key, Sha(small) }.Order(StringComparer.Ordinal), (await ListAsync(DateTimeOffset.MaxValue)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_re_put_is_idempotent_and_moves_the_write_time_forward()
    {
        var pdf = Pdf("re-put");
        var key = await Blobs.PutAsync(pdf);
        Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal([key], await ListAsync(Clock.GetUtcNow() - TimeSpan.FromHours(1)));

        // Put again (a retried request): the same key, one blob, and young again for orphan cleanup.
        Assert.Equal(key, await Blobs.PutAsync(pdf));
        Assert.Empty(await ListAsync(Clock.GetUtcNow() - TimeSpan.FromHours(1)));
        Assert.Equal([key], await ListAsync(DateTimeOffset.MaxValue));
        Assert.Equal(pdf, await Blobs.GetAsync(key));

        Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal([key], await ListAsync(Clock.GetUtcNow() - TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task Corrupt_content_is_detected_on_read()
    {
        var pdf = Pdf("content");
        var key = await Blobs.PutAsync(pdf);
        await TamperAsync(key, Pdf("tampered"));

        var ex = await Assert.ThrowsAsync<StorageException>(() => Blobs.GetAsync(key));
        Assert.Equal($"blob {key} is corrupt: its content hashes to {Sha(Pdf("tampered"))}", ex.Message);
    }

    [Fact]
    public async Task A_missing_blob_or_a_malformed_key_is_a_storage_error()
    {
        var missing = new string('0', 64);
        Assert.False(await Blobs.ExistsAsync(missing));
        var ex = await Assert.ThrowsAsync<StorageException>(() => Blobs.GetAsync(missing));
        Assert.StartsWith($"blob {missing} is missing from ", ex.Message, StringComparison.Ordinal);

        foreach (var bad in new[] { "../../etc/passwd", new string('A', 64), new string('0', 63), "" })
        {
            Assert.Equal($"'{bad}' is not a blob key (64 lower-case hex digits of a SHA-256)",
                (await Assert.ThrowsAsync<StorageException>(() => Blobs.GetAsync(bad))).Message);
            await Assert.ThrowsAsync<StorageException>(() => Blobs.ExistsAsync(bad));
            await Assert.ThrowsAsync<StorageException>(() => Blobs.DeleteAsync(bad));
        }
    }

    [Fact]
    public async Task A_delete_removes_the_blob_once()
    {
        var keep = await Blobs.PutAsync(Pdf("keep"));
        var key = await Blobs.PutAsync(Pdf("delete me"));
        Assert.True(await Blobs.DeleteAsync(key));
        Assert.False(await Blobs.DeleteAsync(key));
        Assert.False(await Blobs.ExistsAsync(key));
        await Assert.ThrowsAsync<StorageException>(() => Blobs.GetAsync(key));
        Assert.Equal([keep], await ListAsync(DateTimeOffset.MaxValue));

        // Deleted, then put again: the blob is back.
        Assert.Equal(key, await Blobs.PutAsync(Pdf("delete me")));
        Assert.Equal(Pdf("delete me"), await Blobs.GetAsync(key));
    }

    [Fact]
    public async Task Orphan_cleanup_removes_old_unreferenced_blobs_and_keeps_referenced_and_young_ones()
    {
        var registry = Storage.Registry;
        var draft = Pdf("draft " + Guid.NewGuid());
        var created = (await registry.CreateAsync(new NewDocument
        {
            VerificationCode = "VC" + RandomNumberGenerator.GetHexString(8),
            DossierCode = "000.00.15.H29-260305-0001",
            Template = "giay-chung-nhan",
            Pdf = draft,
        }, "key-1", "hash-1", "staff:an")).Document;
        // Crash after the blob write, before the row commit: the blob is durable, no row names it.
        var crashed = await Blobs.PutAsync(Pdf("crashed before commit"));
        // The same state from the real code path: the blob is written, then the commit is refused.
        var refused = Pdf("refused");
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            registry.TransitionAsync(created.Id, created.Version + 1, DocumentTransition.SendForSignature("head:binh"), "staff:an", newPdf: refused));
        Assert.True(await Blobs.ExistsAsync(Sha(refused)));

        // Young blobs may belong to writes in flight: left alone.
        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, await registry.CleanupOrphanBlobsAsync(TimeSpan.FromHours(1)));
        Assert.True(await Blobs.ExistsAsync(crashed));

        Clock.Advance(TimeSpan.FromHours(2));
        var young = await Blobs.PutAsync(Pdf("young orphan"));
        Assert.Equal(2, await registry.CleanupOrphanBlobsAsync(TimeSpan.FromHours(1)));
        Assert.False(await Blobs.ExistsAsync(crashed));
        Assert.False(await Blobs.ExistsAsync(Sha(refused)));
        Assert.Equal(draft, await Blobs.GetAsync(created.PdfSha256!));
        Assert.Equal(new[] { created.PdfSha256!, young }.Order(StringComparer.Ordinal), (await ListAsync(DateTimeOffset.MaxValue)).Order(StringComparer.Ordinal));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await registry.CleanupOrphanBlobsAsync(TimeSpan.Zero));
        Assert.Equal([created.PdfSha256!], await ListAsync(DateTimeOffset.MaxValue));
    }
}

/// <summary>The contract on a PostgreSQL registry: a fresh database per test, and raw SQL on it.</summary>
public abstract class PostgresBlobContractTests : BlobStoreContractTests
{
    private readonly string _database = "signing_t_" + Guid.NewGuid().ToString("N");

    protected string ConnectionString { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync(_database);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    protected async Task<long> CountAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
