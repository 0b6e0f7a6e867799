using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Signing.Core.Documents;
using Signing.Issuance;
using Signing.Storage;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>A PostgreSQL deployment as it was before blobs moved into the database: Signing:Storage:Blobs = files.</summary>
public sealed class FileBlobsOnPostgresFixture : PostgresIssuanceFixture
{
    protected override void AddSettings(Dictionary<string, string?> settings) => settings["Signing:Storage:Blobs"] = "files";
}

/// <summary>
/// Where the service keeps its PDFs on PostgreSQL: with Signing:Storage:Blobs = files they are files
/// in the data directory; a host started without the setting keeps them in the database and, at
/// startup, takes in the files the files layout left (each re-hashed, one audit record), so an
/// upgraded deployment loses nothing.
/// </summary>
public sealed class BlobPlacementOnPostgresTests(FileBlobsOnPostgresFixture f) : IClassFixture<FileBlobsOnPostgresFixture>
{
    [Fact]
    public async Task A_host_with_blobs_in_postgres_takes_in_the_files_of_the_files_layout_at_startup()
    {
        var (id, _) = await f.SubmitAndSignAsync("quyet-dinh");
        var before = f.Service.Services.GetRequiredService<IssuanceRuntime>();
        var files = Assert.IsType<FileBlobStore>(before.Storage.Blobs);
        var versions = await before.Registry.GetPdfVersionsAsync(id);
        Assert.Equal(2, versions.Count);
        foreach (var v in versions) Assert.True(File.Exists(files.PathOf(v.PdfSha256)));

        // The upgraded host: the default placement, the old blob folder named as the import source.
        var settings = new Dictionary<string, string?>(f.ServiceSettings)
        {
            ["Signing:Storage:Blobs"] = null,
            ["Signing:DataDirectory"] = RepoPaths.NewTempDirectory("service-upgraded-host"),
            ["Signing:Storage:BlobDirectory"] = files.Root,
        };
        await using var upgraded = await RunningService.StartAsync(f.Pki, settings);
        var runtime = upgraded.Services.GetRequiredService<IssuanceRuntime>();
        Assert.IsNotType<FileBlobStore>(runtime.Storage.Blobs);
        foreach (var v in versions)
        {
            Assert.Equal(v.PdfSha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await runtime.Storage.Blobs.GetAsync(v.PdfSha256))));
            Assert.False(File.Exists(files.PathOf(v.PdfSha256)));
            Assert.True(File.Exists(files.PathOf(v.PdfSha256) + ".imported"));
        }
        var import = Assert.Single(await runtime.Storage.Audit.ReadAsync(1, 1000), r => r.Action == "import_blob_files");
        Assert.Equal("blob-import", import.Actor);
        Assert.True((await runtime.Storage.Audit.VerifyAsync()).IsValid);

        // The upgraded host seals the document from the imported signed PDF, and the result is in the database.
        using var sealer = upgraded.Client(f.Pki.RoleClients[Signing.Service.Authorization.Roles.SealOperator]);
        var issued = await IssuanceFixture.Json(await sealer.PostAsync(upgraded.Staff($"/api/documents/{id}/seal"), null), HttpStatusCode.OK);
        Assert.Equal("issued", issued.GetProperty("status").GetString());
        Assert.True(await runtime.Storage.Blobs.ExistsAsync(issued.GetProperty("pdfSha256").GetString()!));
        Assert.False(File.Exists(files.PathOf(issued.GetProperty("pdfSha256").GetString()!)));
    }

    [Fact]
    public async Task A_corrupt_file_in_the_old_blob_folder_stops_the_start_in_one_line()
    {
        var (id, _) = await f.SubmitAndSignAsync("quyet-dinh");
        var runtime = f.Service.Services.GetRequiredService<IssuanceRuntime>();
        var files = Assert.IsType<FileBlobStore>(runtime.Storage.Blobs);
        var folder = RepoPaths.NewTempDirectory("service-old-blobs");
        var old = new FileBlobStore(folder);
        var signed = (await runtime.Registry.GetAsync(id))!.PdfSha256!;
        var key = await old.PutAsync(await File.ReadAllBytesAsync(files.PathOf(signed)));
        await File.WriteAllBytesAsync(old.PathOf(key), [1, 2, 3]);

        var settings = new Dictionary<string, string?>(f.ServiceSettings)
        {
            ["Signing:Storage:Blobs"] = "postgres",
            ["Signing:DataDirectory"] = RepoPaths.NewTempDirectory("service-upgraded-host"),
            ["Signing:Storage:BlobDirectory"] = folder,
        };
        var error = await Assert.ThrowsAsync<Signing.Core.SigningException>(() => RunningService.StartAsync(f.Pki, settings));
        Assert.StartsWith($"Signing:Storage:BlobDirectory: the blob files of the files layout cannot be taken into PostgreSQL (blob {key} is corrupt", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(File.Exists(old.PathOf(key)), "the file is left where it was");
        Directory.Delete(folder, recursive: true);
    }
}
