using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Storage;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// The service's orphan-blob sweep on a real data directory: a first service issues a document and
/// replays its submit (the replay renders again and leaves an unreferenced blob), a blob of a
/// "crashed" write is added; a second service on the same directory removes the old orphans at
/// startup and again on its interval, and keeps every blob a document references and any orphan
/// younger than the minimum age.
/// </summary>
public sealed class OrphanBlobSweepTests : IAsyncLifetime
{
    private readonly IssuanceFixture _first = new();
    private readonly TestPki _pki = new();

    public Task InitializeAsync() => _first.InitializeAsync();

    [Fact]
    public async Task Startup_and_periodic_sweeps_remove_old_orphans_and_keep_referenced_and_young_blobs()
    {
        // First service: issue one document, and replay its submit with the same key.
        var body = IssuanceFixture.Sample("quyet-dinh");
        var key = Guid.NewGuid().ToString();
        var submitted = await IssuanceFixture.Json(await _first.SubmitAsync(body, key), HttpStatusCode.Created);
        var id = submitted.GetProperty("id").GetGuid();
        var draft = submitted.GetProperty("pdfSha256").GetString()!;
        var replayed = await IssuanceFixture.Json(await _first.SubmitAsync(body, key), HttpStatusCode.OK);
        Assert.Equal(id, replayed.GetProperty("id").GetGuid());
        using var head = _first.Client(Roles.DepartmentHead);
        var prepared = await IssuanceFixture.Json(await head.PostAsync(_first.Service.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);
        using var completed = await head.PostAsJsonAsync(_first.Service.Staff($"/api/documents/{id}/complete"), new
        {
            requestId = prepared.GetProperty("requestId").GetString(),
            signatureValue = Convert.ToBase64String(_first.Backend.SignAsHead(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!))),
        });
        var signed = (await IssuanceFixture.Json(completed, HttpStatusCode.OK)).GetProperty("pdfSha256").GetString()!;
        using var sealer = _first.Client(Roles.SealOperator);
        var issued = (await IssuanceFixture.Json(await sealer.PostAsync(_first.Service.Staff($"/api/documents/{id}/seal"), null), HttpStatusCode.OK))
            .GetProperty("pdfSha256").GetString()!;
        await _first.Service.DisposeAsync();

        var data = _first.DataDirectory;
        var blobs = new FileBlobStore(Path.Combine(data, DocumentStorage.BlobFolderName));
        var referenced = new[] { draft, signed, issued };
        var replayOrphan = Assert.Single(BlobKeys(blobs).Except(referenced));
        // A blob whose row never committed (a crash between the blob write and the commit).
        var crashOrphan = await blobs.PutAsync(RandomNumberGenerator.GetBytes(4096));
        // Everything so far is two hours old; one more orphan is written "now" and must survive.
        foreach (var k in BlobKeys(blobs)) File.SetLastWriteTimeUtc(blobs.PathOf(k), DateTime.UtcNow.AddHours(-2));
        // The replay rendered again under a new code, but its facts went nowhere: they commit with the row.
        Assert.False(Directory.Exists(Path.Combine(data, "documents")));
        var youngOrphan = await blobs.PutAsync(RandomNumberGenerator.GetBytes(4096));

        // Second service on the same directory: the sweep runs at startup, then every 2 s.
        var logs = new ConcurrentQueue<string>();
        var settings = RunningService.DefaultSettings(_pki);
        settings["Signing:DataDirectory"] = data;
        settings["Signing:BlobSweep:Interval"] = "00:00:02";
        settings["Signing:BlobSweep:MinimumAge"] = "01:00:00";
        await using var second = await RunningService.StartAsync(_pki, settings, b => b.Logging.AddProvider(new CapturingLoggerProvider(logs)));

        await WaitFor(() => logs.Any(l => l.Contains("orphan blob sweep removed 2 ", StringComparison.Ordinal)), logs);
        await WaitFor(() => logs.Any(l => l.Contains("state sweep removed 0 prepared request(s)", StringComparison.Ordinal)), logs);
        var code = submitted.GetProperty("verificationCode").GetString()!;
        Assert.Equal(referenced.Append(youngOrphan).Order(StringComparer.Ordinal), BlobKeys(blobs).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(replayOrphan, BlobKeys(blobs));
        Assert.DoesNotContain(crashOrphan, BlobKeys(blobs));

        // The issued document is whole: its PDF downloads with the registered hash.
        using var staff = second.Client(_pki.RoleClients[Roles.CounterStaff]);
        var pdf = await staff.GetByteArrayAsync(second.Staff($"/api/documents/{id}/pdf"));
        Assert.Equal(issued, Convert.ToHexStringLower(SHA256.HashData(pdf)));

        // Once the young orphan is old enough, a later periodic sweep removes it (and nothing else).
        File.SetLastWriteTimeUtc(blobs.PathOf(youngOrphan), DateTime.UtcNow.AddHours(-2));
        // Wait for the log line, not the file: the file goes before the sweep returns and logs.
        await WaitFor(() => logs.Any(l => l.Contains("orphan blob sweep removed 1 ", StringComparison.Ordinal)), logs);
        Assert.False(File.Exists(blobs.PathOf(youngOrphan)));
        Assert.Equal(referenced.Order(StringComparer.Ordinal), BlobKeys(blobs).Order(StringComparer.Ordinal));

        // The public page still has everything it needs (the facts of the issued document).
        using var anonymous = second.Client(null);
        using var view = await anonymous.GetAsync(second.Public($"/api/public/verify/{code}"));
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);

        // The prepared request was completed moments ago: kept until it settled before the cut-off,
        // then removed with one audit record.
        var requests = ((IssuanceService)second.Services.GetService(typeof(IssuanceService))!).PreparedRequests;
        var requestId = Guid.Parse(prepared.GetProperty("requestId").GetString()!);
        var completedUtc = (await requests.GetAsync(requestId, default))!.CompletedUtc!.Value;
        Assert.Equal(0, await requests.RemoveSettledBeforeAsync(completedUtc, default));
        Assert.NotNull(await requests.GetAsync(requestId, default));
        Assert.Equal(1, await requests.RemoveSettledBeforeAsync(completedUtc.AddSeconds(1), default));
        Assert.Null(await requests.GetAsync(requestId, default));
        var runtime = (IssuanceRuntime)second.Services.GetService(typeof(IssuanceRuntime))!;
        var chainHead = await runtime.Storage.Audit.GetHeadAsync();
        var last = Assert.Single(await runtime.Storage.Audit.ReadAsync(chainHead.Seq, 1));
        Assert.Equal("sweep_prepared_requests", last.Action);
        Assert.True((await runtime.Storage.Audit.VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task A_bad_interval_stops_startup_with_one_line_naming_the_setting()
    {
        var settings = RunningService.DefaultSettings(_pki);
        settings["Signing:BlobSweep:Interval"] = "soon";
        var e = await Assert.ThrowsAsync<Signing.Core.SigningException>(() => RunningService.StartAsync(_pki, settings));
        Assert.Equal("Signing:BlobSweep:Interval 'soon' is not a positive duration (hh:mm:ss).", e.Message);
    }

    private static List<string> BlobKeys(FileBlobStore blobs) =>
        Directory.EnumerateFiles(blobs.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)!).ToList();

    private static async Task WaitFor(Func<bool> condition, IEnumerable<string> logs)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) Assert.Fail("timed out; service log:\n" + string.Join('\n', logs));
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        _first.Pki.Dispose();
        _pki.Dispose();
        await Task.CompletedTask;
    }
}
