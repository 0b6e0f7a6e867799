using System.Text.Json;
using Npgsql;
using Signing.Core.Documents;

namespace Signing.Storage.Tests;

/// <summary>
/// The blob contract on the PostgreSQL registry's blobs table (the default for PostgreSQL), and the
/// import of the files an earlier files layout left in the blob folder.
/// </summary>
public sealed class PostgresBlobStoreTests : PostgresBlobContractTests
{
    protected override Task<DocumentStorage> OpenAsync(StorageOptions options) => DocumentStorage.OpenPostgresAsync(ConnectionString, null, options);

    protected override async Task TamperAsync(string key, byte[] bytes)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("UPDATE blobs SET content = @c, size = @n WHERE sha256 = @k", connection);
        cmd.Parameters.AddWithValue("c", bytes);
        cmd.Parameters.AddWithValue("n", (long)bytes.Length);
        cmd.Parameters.AddWithValue("k", key);
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    private async Task<List<AuditRecord>> ImportRecordsAsync() =>
        (await Storage.Audit.ReadAsync(1, 1000)).Where(r => r.Action == "import_blob_files").ToList();

    [Fact]
    public async Task A_blob_is_one_row_with_its_size_and_nothing_is_written_to_the_blob_folder()
    {
        var pdf = Pdf("in the database");
        var key = await Blobs.PutAsync(pdf);
        Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM blobs WHERE sha256 = '{key}' AND size = {pdf.Length} AND octet_length(content) = {pdf.Length}"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(BlobDirectory));
        Assert.Equal(9, DocumentStorage.SchemaVersion("postgres"));
    }

    [Fact]
    public async Task Blob_files_of_a_files_layout_are_imported_once_with_one_audit_record()
    {
        // The deployment before: the same registry with its blobs as files in the blob folder.
        byte[] draft = Pdf("draft"), signed = Pdf("signed"), orphan = Pdf("orphan of a crash");
        DocumentRecord document;
        await using (var before = await DocumentStorage.OpenPostgresAsync(ConnectionString, BlobDirectory, new StorageOptions { Time = Clock }))
        {
            document = (await before.Registry.CreateAsync(new NewDocument
            {
                VerificationCode = "VCIMPORT01",
                DossierCode = "000.00.15.H29-260305-0001",
                Template = "giay-chung-nhan",
                Pdf = draft,
            }, "key-1", "hash-1", "staff:an")).Document;
            document = await before.Registry.TransitionAsync(document.Id, document.Version, DocumentTransition.SendForSignature("head:binh"), "staff:an");
            document = await before.Registry.TransitionAsync(document.Id, document.Version, DocumentTransition.MarkSigned(), "head:binh", newPdf: signed);
            await before.Blobs.PutAsync(orphan);
        }
        var files = new FileBlobStore(BlobDirectory);
        // What is not a blob stays as it is: a put that died before its rename, an operator's note.
        var temp = Path.Combine(BlobDirectory, Sha(draft)[..2], ".tmp-crashed");
        await File.WriteAllBytesAsync(temp, [1, 2, 3]);
        var note = Path.Combine(BlobDirectory, "README");
        await File.WriteAllTextAsync(note, "blobs of the old layout");
        var recordsBefore = (await Storage.Audit.ReadAsync(1, 1000)).Count;

        Assert.Equal(new BlobFileImportResult(3, 0), await Storage.ImportBlobFilesAsync(BlobDirectory, "blob-import"));

        Assert.Equal(draft, await Blobs.GetAsync(Sha(draft)));
        Assert.Equal(signed, await Blobs.GetAsync((await Storage.Registry.GetAsync(document.Id))!.PdfSha256!));
        Assert.Equal(orphan, await Blobs.GetAsync(Sha(orphan)));
        foreach (var key in new[] { Sha(draft), Sha(signed), Sha(orphan) })
        {
            Assert.False(File.Exists(files.PathOf(key)));
            Assert.True(File.Exists(files.PathOf(key) + ".imported"), "the old file is kept, renamed");
        }
        Assert.True(File.Exists(temp));
        Assert.True(File.Exists(note));

        var import = Assert.Single(await ImportRecordsAsync());
        Assert.Equal(recordsBefore + 1, import.Seq);
        Assert.Equal("blob-import", import.Actor);
        Assert.Null(import.DocumentId);
        using (var details = JsonDocument.Parse(import.DetailsJson))
        {
            Assert.Equal(3, details.RootElement.GetProperty("imported").GetInt32());
            Assert.Equal(0, details.RootElement.GetProperty("already_stored").GetInt32());
            Assert.Equal(Path.GetFullPath(BlobDirectory), details.RootElement.GetProperty("from").GetString());
        }
        Assert.True((await Storage.Audit.VerifyAsync()).IsValid);

        // The next start: nothing left to import, nothing audited.
        Assert.Equal(new BlobFileImportResult(0, 0), await Storage.ImportBlobFilesAsync(BlobDirectory, "blob-import"));
        Assert.Single(await ImportRecordsAsync());

        // The imported orphan is an orphan in the database too: cleanup removes it once it is old.
        Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await Storage.Registry.CleanupOrphanBlobsAsync(TimeSpan.FromHours(1)));
        Assert.False(await Blobs.ExistsAsync(Sha(orphan)));
        Assert.True(await Blobs.ExistsAsync(Sha(draft)));
    }

    [Fact]
    public async Task A_file_whose_blob_is_in_the_database_already_is_counted_and_renamed_without_an_audit_record()
    {
        var pdf = Pdf("stored twice");
        var files = new FileBlobStore(BlobDirectory, Clock);
        var key = await files.PutAsync(pdf);
        await Blobs.PutAsync(pdf);

        Assert.Equal(new BlobFileImportResult(0, 1), await Storage.ImportBlobFilesAsync(BlobDirectory, "blob-import"));
        Assert.True(File.Exists(files.PathOf(key) + ".imported"));
        Assert.Empty(await ImportRecordsAsync());
    }

    [Fact]
    public async Task A_corrupt_blob_file_stops_the_import_with_nothing_taken_in()
    {
        var files = new FileBlobStore(BlobDirectory, Clock);
        var keys = new List<string>();
        for (var i = 0; i < 4; i++) keys.Add(await files.PutAsync(Pdf("file " + i)));
        var bad = keys.Order(StringComparer.Ordinal).ElementAt(2); // after some good ones were taken into the transaction
        await File.WriteAllBytesAsync(files.PathOf(bad), Pdf("rotted"));

        var ex = await Assert.ThrowsAsync<StorageException>(() => Storage.ImportBlobFilesAsync(BlobDirectory, "blob-import"));
        Assert.Equal($"blob {bad} is corrupt: its content hashes to {Sha(Pdf("rotted"))} ({files.PathOf(bad)}); nothing was imported: " +
            $"restore the file from a backup, or move it out of {files.Root} to accept its loss", ex.Message);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM blobs"));
        foreach (var key in keys) Assert.True(File.Exists(files.PathOf(key)));
        Assert.Empty(await ImportRecordsAsync());

        // The operator moves it aside: the next start takes in the rest.
        File.Move(files.PathOf(bad), Path.Combine(BlobDirectory, "corrupt-" + bad));
        Assert.Equal(new BlobFileImportResult(3, 0), await Storage.ImportBlobFilesAsync(BlobDirectory, "blob-import"));
        Assert.Single(await ImportRecordsAsync());
    }

    [Fact]
    public async Task Two_instances_starting_at_once_import_each_file_once_with_one_audit_record()
    {
        var files = new FileBlobStore(BlobDirectory, Clock);
        var keys = new List<string>();
        for (var i = 0; i < 8; i++) keys.Add(await files.PutAsync(Pdf("shared volume file " + i)));
        await using var other = await OpenAsync(new StorageOptions { Time = Clock });

        var results = await Task.WhenAll(
            Task.Run(() => Storage.ImportBlobFilesAsync(BlobDirectory, "blob-import")),
            Task.Run(() => other.ImportBlobFilesAsync(BlobDirectory, "blob-import")));

        Assert.Equal(keys.Count, results.Sum(r => r.Imported));
        Assert.Single(await ImportRecordsAsync());
        foreach (var key in keys)
        {
            Assert.Equal(key, Sha(await other.Blobs.GetAsync(key)));
            Assert.True(File.Exists(files.PathOf(key) + ".imported"));
        }
        Assert.True((await Storage.Audit.VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task Importing_into_a_registry_that_keeps_files_is_refused()
    {
        await using var filesRegistry = await DocumentStorage.OpenPostgresAsync(ConnectionString, BlobDirectory);
        var ex = await Assert.ThrowsAsync<StorageException>(() => filesRegistry.ImportBlobFilesAsync(BlobDirectory, "blob-import"));
        Assert.EndsWith("keeps its blobs in files; there is nothing to import them into", ex.Message, StringComparison.Ordinal);
    }
}
