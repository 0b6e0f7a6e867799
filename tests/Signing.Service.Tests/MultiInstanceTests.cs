using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Signing.Service.Authorization;
using Signing.Storage;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// Two <c>Signing.Service</c> processes on one PostgreSQL database behind HAProxy, driven only
/// through the balancer, as the one-stop software would. One instance is killed with SIGKILL while
/// results are being issued: the clients retry what they were doing (the same Idempotency-Key,
/// the same seal call), the balancer sends them to the survivor, and at the end every result is
/// issued exactly once and the audit chain verifies.
/// </summary>
public sealed class MultiInstanceTests : IAsyncLifetime
{
    private const int Documents = 12;
    private const int Workers = 4;
    private static readonly string[] Samples = ["quyet-dinh", "giay-phep"];
    private static readonly TimeSpan StepDeadline = TimeSpan.FromSeconds(120);

    private readonly TestPki _pki = new();
    private readonly IssuanceBackend _backend = IssuanceBackend.Instance;
    private readonly string _data = RepoPaths.NewTempDirectory("service-multi");
    private readonly string _database = "multi_" + Guid.NewGuid().ToString("N")[..12];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await PostgresIssuanceFixture.CreateDatabaseAsync(_database);

    [Fact]
    public async Task An_instance_killed_mid_load_loses_and_duplicates_nothing_and_the_other_finishes_the_work()
    {
        var first = await StartInstanceAsync(0);
        await using var second = await StartInstanceAsync(1);
        try
        {
            using var balancer = await Haproxy.StartAsync(new Dictionary<string, IReadOnlyList<int>>
            {
                ["staff"] = [first.StaffPort, second.StaffPort],
                ["public"] = [first.PublicPort, second.PublicPort],
            });
            var staffUrl = $"https://127.0.0.1:{balancer.Frontends["staff"]}";
            using var head = RunningService.CreateClient(_pki, _pki.RoleClients[Roles.DepartmentHead]);
            using var counter = RunningService.CreateClient(_pki, _pki.RoleClients[Roles.CounterStaff]);
            using var sealer = RunningService.CreateClient(_pki, _pki.RoleClients[Roles.SealOperator]);
            using var enrolled = await Retry(() => head.PostAsJsonAsync(new Uri(staffUrl + "/api/heads/enroll"), new
            {
                certificate = Convert.ToBase64String(_backend.HeadCertificate.RawData),
                chain = _backend.Chain.Select(c => c.ExportCertificatePem()).ToArray(),
            }), HttpStatusCode.OK);

            var issued = 0;
            var killed = new TaskCompletionSource();
            var keys = Enumerable.Range(0, Documents).Select(_ => Guid.NewGuid().ToString()).ToArray();
            var next = -1;
            var ids = new Guid[Documents];
            async Task Work()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < Documents)
                {
                    ids[i] = await IssueThroughAsync(staffUrl, counter, head, sealer, Samples[i % Samples.Length], keys[i]);
                    if (Interlocked.Increment(ref issued) == Documents / 4) killed.TrySetResult();
                }
            }
            var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(Work)).ToList();
            var all = Task.WhenAll(workers);
            await Task.WhenAny(killed.Task, all).WaitAsync(TimeSpan.FromMinutes(5));
            if (all.IsFaulted) await all; // a worker's failure, before the kill
            first.Kill(); // mid-load: the other workers have requests in flight on both instances
            Assert.Equal(128 + 9, first.ExitCode);
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(10));

            // Both instances served the API through the balancer (its TCP health checks log nothing), and the survivor finished the work.
            Assert.Contains("/api/documents", first.Output, StringComparison.Ordinal);
            Assert.Contains("/api/documents", second.Output, StringComparison.Ordinal);

            // Nothing duplicated: one document per idempotency key, each issued once with the whole history and nothing else.
            Assert.Equal(Documents, ids.Distinct().Count());
            var list = await Retry(() => counter.GetAsync(new Uri(staffUrl + "/api/documents?limit=100")), HttpStatusCode.OK);
            Assert.Equal(Documents, (await IssuanceFixture.Json(list)).GetProperty("total").GetInt32());
            foreach (var id in ids)
            {
                var document = await IssuanceFixture.Json(await Retry(() => counter.GetAsync(new Uri(staffUrl + $"/api/documents/{id}")), HttpStatusCode.OK));
                Assert.Equal("issued", document.GetProperty("status").GetString());
                var history = await IssuanceFixture.Json(await Retry(() => counter.GetAsync(new Uri(staffUrl + $"/api/documents/{id}/history")), HttpStatusCode.OK));
                Assert.Equal("create,send_for_signature,sign,seal,issue", string.Join(",", history.EnumerateArray().Select(r => r.GetProperty("action").GetString())));
            }

            // A replayed submission through the balancer is the same document, not a new one.
            var replayed = await IssuanceFixture.Json(await Retry(() => Submit(counter, staffUrl, Samples[0], keys[0]), HttpStatusCode.OK));
            Assert.Equal(ids[0], replayed.GetProperty("id").GetGuid());
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var audit = await DocumentStorage.OpenAuditLogAsync(null, _connectionString);
        var verification = await audit.Log.VerifyAsync();
        Assert.True(verification.IsValid, verification.Problem?.ToString());
        var records = await audit.Log.ReadAsync(1, 10_000);
        Assert.Equal(verification.RecordCount, records.Count);
        Assert.Equal(Documents * 5, records.Count(r => r.DocumentId != null)); // five per result, none twice
    }

    /// <summary>
    /// Submit → prepare → token signature → complete → seal through the balancer. A step whose
    /// connection broke is retried; a completion that may have committed before the break is
    /// checked against the document first, so a retry never signs a document twice.
    /// </summary>
    private async Task<Guid> IssueThroughAsync(string staffUrl, HttpClient counter, HttpClient head, HttpClient sealer, string sample, string key)
    {
        var submitted = await IssuanceFixture.Json(await Retry(() => Submit(counter, staffUrl, sample, key), HttpStatusCode.Created, HttpStatusCode.OK));
        var id = submitted.GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow + StepDeadline;
        while (await StatusAsync(counter, staffUrl, id) == "awaiting_signature")
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"document {id} was not signed within {StepDeadline}");
            var prepared = await IssuanceFixture.Json(await Retry(() => head.PostAsync(new Uri(staffUrl + $"/api/documents/{id}/prepare"), null), HttpStatusCode.OK));
            var completion = new
            {
                requestId = prepared.GetProperty("requestId").GetString(),
                signatureValue = Convert.ToBase64String(_backend.SignAsHead(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!))),
            };
            try
            {
                using var completed = await head.PostAsJsonAsync(new Uri(staffUrl + $"/api/documents/{id}/complete"), completion);
                if (completed.StatusCode == HttpStatusCode.OK) break;
                Assert.True((int)completed.StatusCode is 409 or 502 or 503, $"complete answered {(int)completed.StatusCode}: {await completed.Content.ReadAsStringAsync()}");
            }
            catch (HttpRequestException)
            {
                // the instance died mid-request: the document's status says whether it committed
            }
        }
        var issued = await IssuanceFixture.Json(await Retry(() => sealer.PostAsync(new Uri(staffUrl + $"/api/documents/{id}/seal"), null), HttpStatusCode.OK));
        Assert.Equal("issued", issued.GetProperty("status").GetString());
        return id;
    }

    private static async Task<string> StatusAsync(HttpClient counter, string staffUrl, Guid id)
    {
        var document = await IssuanceFixture.Json(await Retry(() => counter.GetAsync(new Uri(staffUrl + $"/api/documents/{id}")), HttpStatusCode.OK));
        return document.GetProperty("status").GetString()!;
    }

    private async Task<HttpResponseMessage> Submit(HttpClient counter, string staffUrl, string sample, string key)
    {
        var headId = CertificateRoleMapper.Sha256Thumbprint(_pki.RoleClients[Roles.DepartmentHead]);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(staffUrl + "/api/documents?signer=" + headId));
        request.Content = new ByteArrayContent(IssuanceFixture.Sample(sample));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", key);
        return await counter.SendAsync(request);
    }

    /// <summary>
    /// Sends until an answer with one of <paramref name="expected"/> arrives: a broken connection
    /// (the killed instance) and the balancer's 502/503 are retried with back-off; any other answer fails the test.
    /// </summary>
    private static async Task<HttpResponseMessage> Retry(Func<Task<HttpResponseMessage>> send, params HttpStatusCode[] expected)
    {
        var deadline = DateTime.UtcNow + StepDeadline;
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                var response = await send();
                if (expected.Contains(response.StatusCode)) return response;
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                response.Dispose();
                Assert.True(status is 502 or 503, $"expected {string.Join("/", expected.Select(e => (int)e))}, got {status}: {body}");
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {string.Join("/", expected)} answer within {StepDeadline}");
            await Task.Delay(pause);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 2000));
        }
    }

    private Task<ServiceProcess> StartInstanceAsync(int instance)
    {
        var settings = RunningService.DefaultSettings(_pki);
        settings["Signing:DataDirectory"] = _data; // shared: the blob store
        settings["Signing:Storage:PostgresConnectionString"] = _connectionString;
        settings["Signing:Logging:Directory"] = Path.Combine(_data, $"logs-{instance}");
        return ServiceProcess.StartAsync(settings, _pki, _data);
    }

    public async Task DisposeAsync()
    {
        await PostgresIssuanceFixture.DropDatabaseAsync(_database);
        _pki.Dispose();
    }
}
