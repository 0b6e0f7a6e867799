using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Signing.Service.Authorization;
using Signing.Storage;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// kill -9 in the middle of sealing: the service runs as its own process (dotnet
/// Signing.Service.dll, SQLite registry, SoftHSM2 token, built-in TSA), pauses at a known point
/// through the test-only Signing:FaultInjection knob, and is killed with SIGKILL there. A second
/// process on the same data directory must show the last committed state, finish the seal on a
/// retry, and hold exactly one document with exactly the blobs its history explains and an audit
/// chain that verifies.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly IssuanceBackend _backend = IssuanceBackend.Instance;
    private readonly string _data = RepoPaths.NewTempDirectory("service-crash");

    [Theory]
    [InlineData("seal-commit", "signed", "create,send_for_signature,sign")]
    [InlineData("issue-commit", "sealed", "create,send_for_signature,sign,seal")]
    public async Task Killed_while_sealing_it_restarts_in_the_last_committed_state_and_a_retry_completes_once(
        string pauseAt, string statusAfterCrash, string historyAfterCrash)
    {
        var settings = RunningService.DefaultSettings(_pki);
        settings["Signing:DataDirectory"] = _data;
        var body = IssuanceFixture.Sample("quyet-dinh");
        var idempotencyKey = Guid.NewGuid().ToString();
        Guid id;
        string draftSha, signedSha, issuedSha;

        var withFault = new Dictionary<string, string?>(settings)
        {
            ["Signing:FaultInjection:PauseAt"] = pauseAt,
            ["Signing:FaultInjection:Pause"] = "00:05:00",
        };
        await using (var first = await ServiceProcess.StartAsync(withFault, _pki, _data))
        {
            using var head = RunningService.CreateClient(_pki, _pki.RoleClients[Roles.DepartmentHead]);
            using var enrolled = await head.PostAsJsonAsync(first.Staff("/api/heads/enroll"), new
            {
                certificate = Convert.ToBase64String(_backend.HeadCertificate.RawData),
                chain = _backend.Chain.Select(c => c.ExportCertificatePem()).ToArray(),
            });
            await IssuanceFixture.Json(enrolled, HttpStatusCode.OK);

            var submitted = await IssuanceFixture.Json(await Submit(first.Staff(HeadQueuePath()), body, idempotencyKey), HttpStatusCode.Created);
            id = submitted.GetProperty("id").GetGuid();
            draftSha = submitted.GetProperty("pdfSha256").GetString()!;
            var prepared = await IssuanceFixture.Json(await head.PostAsync(first.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);
            using var completed = await head.PostAsJsonAsync(first.Staff($"/api/documents/{id}/complete"), new
            {
                requestId = prepared.GetProperty("requestId").GetString(),
                signatureValue = Convert.ToBase64String(_backend.SignAsHead(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!))),
            });
            signedSha = (await IssuanceFixture.Json(completed, HttpStatusCode.OK)).GetProperty("pdfSha256").GetString()!;

            using var sealer = RunningService.CreateClient(_pki, _pki.RoleClients[Roles.SealOperator]);
            var sealing = sealer.PostAsync(first.Staff($"/api/documents/{id}/seal"), null);
            await first.WaitForLineAsync(TimeSpan.FromSeconds(60), "fault injection: pausing", id.ToString());
            first.Kill();
            Assert.Equal(128 + 9, first.ExitCode); // killed by SIGKILL: no shutdown code ran
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => sealing);
        }

        await using (var second = await ServiceProcess.StartAsync(settings, _pki, _data))
        {
            Assert.DoesNotContain("fault injection", second.Output, StringComparison.Ordinal);
            using var staff = RunningService.CreateClient(_pki, _pki.RoleClients[Roles.CounterStaff]);
            var afterCrash = await IssuanceFixture.Json(await staff.GetAsync(second.Staff($"/api/documents/{id}")), HttpStatusCode.OK);
            Assert.Equal(statusAfterCrash, afterCrash.GetProperty("status").GetString());
            Assert.Equal(historyAfterCrash, await Actions(staff, second, id));
            var sealedBeforeRetry = afterCrash.GetProperty("pdfSha256").GetString()!;
            if (statusAfterCrash == "signed") Assert.Equal(signedSha, sealedBeforeRetry);

            using var sealer = RunningService.CreateClient(_pki, _pki.RoleClients[Roles.SealOperator]);
            var issued = await IssuanceFixture.Json(await sealer.PostAsync(second.Staff($"/api/documents/{id}/seal"), null), HttpStatusCode.OK);
            Assert.Equal("issued", issued.GetProperty("status").GetString());
            issuedSha = issued.GetProperty("pdfSha256").GetString()!;
            // Sealed before the crash: the retry issues that very file and does not seal again.
            if (statusAfterCrash == "sealed") Assert.Equal(sealedBeforeRetry, issuedSha);
            Assert.Equal("create,send_for_signature,sign,seal,issue", await Actions(staff, second, id));

            // One issued PDF: the downloaded file is the registered one, with exactly two signatures (head, seal) and the B-LTA document timestamp.
            var pdf = await staff.GetByteArrayAsync(second.Staff($"/api/documents/{id}/pdf"));
            Assert.Equal(issuedSha, Convert.ToHexStringLower(SHA256.HashData(pdf)));
            var file = Path.Combine(_data, "issued.pdf");
            await File.WriteAllBytesAsync(file, pdf);
            ExternalTool.RunChecked("qpdf", "--check", file);
            var pdfsig = ExternalTool.Run("pdfsig", file).StdOut;
            Assert.Contains("Signature #3", pdfsig, StringComparison.Ordinal);
            Assert.Contains("Signature Field Name: DocTimeStamp1", pdfsig, StringComparison.Ordinal);
            Assert.DoesNotContain("Signature #4", pdfsig, StringComparison.Ordinal);

            using var anonymous = RunningService.CreateClient(_pki, clientCertificate: null);
            var page = await anonymous.GetStringAsync(second.Public($"/v/{issued.GetProperty("verificationCode").GetString()}"));
            Assert.Contains("data-status=\"issued\"", page, StringComparison.Ordinal);
            Assert.Contains(issuedSha, page, StringComparison.Ordinal);

            // Nothing lost or left over: the blob store holds exactly the draft, the head-signed and the
            // issued file (no temp files, no orphan of the killed attempt).
            var blobs = Directory.EnumerateFiles(Path.Combine(_data, DocumentStorage.BlobFolderName), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(new[] { draftSha, signedSha, issuedSha }.Order(StringComparer.Ordinal), blobs);

            // The same submission again is the same document, not a second one.
            var replayed = await IssuanceFixture.Json(await Submit(second.Staff(HeadQueuePath()), body, idempotencyKey), HttpStatusCode.OK);
            Assert.Equal(id, replayed.GetProperty("id").GetGuid());
            Assert.Equal("issued", replayed.GetProperty("status").GetString());
            var list = await IssuanceFixture.Json(await staff.GetAsync(second.Staff("/api/documents")), HttpStatusCode.OK);
            Assert.Equal(1, list.GetProperty("total").GetInt32());
        }

        // The audit chain (the replay added nothing): the head's enrolment and prepare, five records
        // about this document, and it verifies (what `signing audit verify --data-dir` runs).
        await using var audit = await DocumentStorage.OpenAuditLogAsync(_data, null);
        var records = await audit.Log.ReadAsync(1, 100);
        Assert.Equal("enrol_head,create,send_for_signature,prepare_signature,sign,seal,issue", string.Join(",", records.Select(r => r.Action)));
        Assert.All(records.Where(r => r.DocumentId != null), r => Assert.Equal(id, r.DocumentId));
        var verification = await audit.Log.VerifyAsync();
        Assert.True(verification.IsValid, verification.Problem?.ToString());
        Assert.Equal(7, verification.RecordCount);
    }

    private string HeadQueuePath() => "/api/documents?signer=" + CertificateRoleMapper.Sha256Thumbprint(_pki.RoleClients[Roles.DepartmentHead]);

    private async Task<HttpResponseMessage> Submit(Uri url, byte[] body, string key)
    {
        using var staff = RunningService.CreateClient(_pki, _pki.RoleClients[Roles.CounterStaff]);
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", key);
        return await staff.SendAsync(request);
    }

    private static async Task<string> Actions(HttpClient staff, ServiceProcess service, Guid id)
    {
        var history = await IssuanceFixture.Json(await staff.GetAsync(service.Staff($"/api/documents/{id}/history")), HttpStatusCode.OK);
        return string.Join(",", history.EnumerateArray().Select(r => r.GetProperty("action").GetString()));
    }

    public void Dispose() => _pki.Dispose();
}
