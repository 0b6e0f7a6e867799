using System.Net;
using Signing.Service.Authorization;
using Signing.Storage;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// The blob store on a real file system that runs out of room: a 4 MB tmpfs mounted for the test
/// (the test runs as root, as CI does) and filled to the brim. A submit and a seal answer 507 with
/// nothing committed and no temp file left; once there is room again the same calls finish, and the
/// registry, the blobs and the audit chain agree.
/// </summary>
public sealed class DiskFullTests : IAsyncLifetime
{
    private readonly IssuanceFixture _fixture = new();
    private readonly string _blobs;

    public DiskFullTests()
    {
        // The embedded registry keeps its blobs in <data>/blobs: that folder is the small file system.
        _blobs = Path.Combine(_fixture.DataDirectory, DocumentStorage.BlobFolderName);
        Directory.CreateDirectory(_blobs);
        ExternalTool.RunChecked("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", _blobs);
    }

    public Task InitializeAsync() => _fixture.InitializeAsync();

    [Fact]
    public async Task A_full_disk_refuses_with_507_commits_nothing_and_the_same_calls_finish_once_there_is_room()
    {
        var filler = Path.Combine(_blobs, "filler");

        // Submit on a full disk: 507, no document, nothing on disk but the filler.
        Fill(filler);
        var key = Guid.NewGuid().ToString();
        var body = IssuanceFixture.Sample("quyet-dinh");
        await IssuanceFixture.AssertProblem(await _fixture.SubmitAsync(body, key), 507);
        using var staff = _fixture.Client(Roles.CounterStaff);
        Assert.Equal(0, (await IssuanceFixture.Json(await staff.GetAsync(_fixture.Service.Staff("/api/documents")), HttpStatusCode.OK)).GetProperty("total").GetInt32());
        Assert.Equal([filler], Directory.EnumerateFiles(_blobs, "*", SearchOption.AllDirectories));

        // Room again: the same key creates the document (201, not a replay of a half-made one).
        File.Delete(filler);
        var submitted = await IssuanceFixture.Json(await _fixture.SubmitAsync(body, key), HttpStatusCode.Created);
        var id = submitted.GetProperty("id").GetGuid();
        await _fixture.SignAsync(id);

        // Seal on a full disk: 507, the document stays signed, no sealed blob, no temp file.
        Fill(filler);
        var before = Blobs();
        using var sealer = _fixture.Client(Roles.SealOperator);
        await IssuanceFixture.AssertProblem(await sealer.PostAsync(_fixture.Service.Staff($"/api/documents/{id}/seal"), null), 507);
        var signed = await IssuanceFixture.Json(await staff.GetAsync(_fixture.Service.Staff($"/api/documents/{id}")), HttpStatusCode.OK);
        Assert.Equal("signed", signed.GetProperty("status").GetString());
        Assert.Equal(before, Blobs());

        // Room again: the seal issues, and every blob the history names is there, and no other.
        File.Delete(filler);
        var issued = await IssuanceFixture.Json(await sealer.PostAsync(_fixture.Service.Staff($"/api/documents/{id}/seal"), null), HttpStatusCode.OK);
        Assert.Equal("issued", issued.GetProperty("status").GetString());
        Assert.Equal(
            new[] { submitted.GetProperty("pdfSha256").GetString(), signed.GetProperty("pdfSha256").GetString(), issued.GetProperty("pdfSha256").GetString() }.Order(StringComparer.Ordinal),
            Blobs());
        var history = await IssuanceFixture.Json(await staff.GetAsync(_fixture.Service.Staff($"/api/documents/{id}/history")), HttpStatusCode.OK);
        Assert.Equal("create,send_for_signature,sign,seal,issue", string.Join(",", history.EnumerateArray().Select(r => r.GetProperty("action").GetString())));

        await using var audit = await DocumentStorage.OpenAuditLogAsync(_fixture.DataDirectory, null);
        var verification = await audit.Log.VerifyAsync();
        Assert.True(verification.IsValid, verification.Problem?.ToString());
    }

    /// <summary>Fills the file system but for a few kilobytes: less than any result's PDF.</summary>
    private void Fill(string filler)
    {
        var free = new DriveInfo(_blobs).AvailableFreeSpace;
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write);
        var chunk = new byte[64 * 1024];
        try
        {
            for (long left = free - 8 * 1024; left > 0; left -= chunk.Length) stream.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
            stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // full already: that is the point
        }
    }

    private List<string> Blobs() => Directory.EnumerateFiles(_blobs, "*", SearchOption.AllDirectories)
        .Select(Path.GetFileName).Where(n => n != "filler").Select(n => n!).Order(StringComparer.Ordinal).ToList();

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAsync();
        ExternalTool.Run("umount", _blobs);
    }
}
