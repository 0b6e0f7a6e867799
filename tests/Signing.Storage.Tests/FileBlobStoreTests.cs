using Signing.Testing;

namespace Signing.Storage.Tests;

/// <summary>The blob contract on files, as the embedded SQLite registry keeps them in &lt;data&gt;/blobs.</summary>
public sealed class FileBlobStoreTests : BlobStoreContractTests
{
    private readonly string _dataDir = RepoPaths.NewTempDirectory("signing-sqlite-blobs");

    private FileBlobStore Files => Assert.IsType<FileBlobStore>(Blobs);

    protected override Task<DocumentStorage> OpenAsync(StorageOptions options) => DocumentStorage.OpenSqliteAsync(_dataDir, options);

    protected override Task TamperAsync(string key, byte[] bytes) => File.WriteAllBytesAsync(Files.PathOf(key), bytes);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task A_blob_is_a_file_under_its_hash_and_a_put_leaves_no_temp_file()
    {
        var pdf = Pdf("content");
        var key = await Blobs.PutAsync(pdf);
        Assert.Equal(Path.Combine(_dataDir, DocumentStorage.BlobFolderName), Files.Root);
        var path = Files.PathOf(key);
        Assert.Equal(Path.Combine(Files.Root, key[..2], key[2..4], key), path);
        Assert.Equal(pdf, await File.ReadAllBytesAsync(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, ".tmp-*"));
        Assert.Equal(Start.UtcDateTime, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public async Task Orphan_cleanup_also_removes_old_temp_files_of_puts_that_died_before_their_rename()
    {
        var temp = Path.Combine(Files.Root, "ab", ".tmp-crashed");
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        await File.WriteAllBytesAsync(temp, [1, 2, 3]);
        File.SetLastWriteTimeUtc(temp, Clock.GetUtcNow().UtcDateTime);

        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, await Storage.Registry.CleanupOrphanBlobsAsync(TimeSpan.FromHours(1)));
        Assert.True(File.Exists(temp));

        Clock.Advance(TimeSpan.FromHours(2));
        // Temp files are not blobs: they are removed, and not counted.
        Assert.Equal(0, await Storage.Registry.CleanupOrphanBlobsAsync(TimeSpan.FromHours(1)));
        Assert.False(File.Exists(temp));
    }
}

/// <summary>The blob contract on files beside a PostgreSQL registry (Signing:Storage:Blobs = files, a volume the instances share).</summary>
public sealed class FileBlobStoreOnPostgresTests : PostgresBlobContractTests
{
    protected override Task<DocumentStorage> OpenAsync(StorageOptions options) => DocumentStorage.OpenPostgresAsync(ConnectionString, BlobDirectory, options);

    protected override Task TamperAsync(string key, byte[] bytes) =>
        File.WriteAllBytesAsync(Assert.IsType<FileBlobStore>(Blobs).PathOf(key), bytes);

    [Fact]
    public async Task The_blobs_are_files_in_the_given_directory_and_none_are_in_the_database()
    {
        var key = await Blobs.PutAsync(Pdf("on the shared volume"));
        Assert.True(File.Exists(Path.Combine(BlobDirectory, key[..2], key[2..4], key)));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM blobs"));
    }
}
