using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Signing.Service.Authorization;
using Signing.Storage;

namespace Signing.Service.Tests;

/// <summary>
/// Issues results as a client of a service that may fail under it (an instance killed, the
/// database restarted): a broken connection or a 502/503 is retried with back-off, the submit with
/// the same Idempotency-Key, and a completion that may have committed before the break is checked
/// against the document's status first, so a retry never signs a document twice. Any other answer
/// fails the test.
/// </summary>
public sealed class PatientIssuer : IDisposable
{
    private static readonly TimeSpan StepDeadline = TimeSpan.FromSeconds(120);

    /// <summary>The decisions the load cycles through.</summary>
    public static readonly string[] Samples = ["quyet-dinh", "giay-phep"];
    private readonly TestPki _pki;
    private readonly IssuanceBackend _backend = IssuanceBackend.Instance;
    private readonly string _staffUrl;

    public PatientIssuer(TestPki pki, string staffUrl)
    {
        _pki = pki;
        _staffUrl = staffUrl;
        Counter = RunningService.CreateClient(pki, pki.RoleClients[Roles.CounterStaff]);
        Head = RunningService.CreateClient(pki, pki.RoleClients[Roles.DepartmentHead]);
        Sealer = RunningService.CreateClient(pki, pki.RoleClients[Roles.SealOperator]);
    }

    public HttpClient Counter { get; }
    public HttpClient Head { get; }
    public HttpClient Sealer { get; }

    public Uri Staff(string path) => new(_staffUrl + path);

    public async Task EnrollHeadAsync()
    {
        using var enrolled = await Retry(() => Head.PostAsJsonAsync(Staff("/api/heads/enroll"), new
        {
            certificate = Convert.ToBase64String(_backend.HeadCertificate.RawData),
            chain = _backend.Chain.Select(c => c.ExportCertificatePem()).ToArray(),
        }), HttpStatusCode.OK);
    }

    /// <summary>Submit → prepare → token signature → complete → seal; returns the document id.</summary>
    public async Task<Guid> IssueAsync(string sample, string idempotencyKey)
    {
        var submitted = await IssuanceFixture.Json(await Retry(() => SubmitAsync(sample, idempotencyKey), HttpStatusCode.Created, HttpStatusCode.OK));
        var id = submitted.GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow + StepDeadline;
        while (await StatusAsync(id) == "awaiting_signature")
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"document {id} was not signed within {StepDeadline}");
            var prepared = await IssuanceFixture.Json(await Retry(() => Head.PostAsync(Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK));
            var completion = new
            {
                requestId = prepared.GetProperty("requestId").GetString(),
                signatureValue = Convert.ToBase64String(_backend.SignAsHead(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!))),
            };
            try
            {
                using var completed = await Head.PostAsJsonAsync(Staff($"/api/documents/{id}/complete"), completion);
                if (completed.StatusCode == HttpStatusCode.OK) break;
                Assert.True((int)completed.StatusCode is 409 or 502 or 503, $"complete answered {(int)completed.StatusCode}: {await completed.Content.ReadAsStringAsync()}");
            }
            catch (HttpRequestException)
            {
                // the service failed mid-request: the document's status says whether it committed
            }
        }
        var issued = await IssuanceFixture.Json(await Retry(() => Sealer.PostAsync(Staff($"/api/documents/{id}/seal"), null), HttpStatusCode.OK));
        Assert.Equal("issued", issued.GetProperty("status").GetString());
        return id;
    }

    /// <summary>
    /// Issues one result per key with <paramref name="workers"/> workers and runs <paramref name="fault"/>
    /// once <paramref name="afterIssued"/> are issued, while the others are in flight.
    /// </summary>
    public async Task<Guid[]> IssueAllAsync(string[] keys, int workers, int afterIssued, Func<Task> fault)
    {
        var issued = 0;
        var faultDue = new TaskCompletionSource();
        var next = -1;
        var ids = new Guid[keys.Length];
        async Task Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < keys.Length)
            {
                ids[i] = await IssueAsync(Samples[i % Samples.Length], keys[i]);
                if (Interlocked.Increment(ref issued) == afterIssued) faultDue.TrySetResult();
            }
        }
        var all = Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(Work)));
        await Task.WhenAny(faultDue.Task, all).WaitAsync(TimeSpan.FromMinutes(5));
        if (all.IsFaulted) await all; // a worker's failure, before the fault
        await fault();
        await all.WaitAsync(TimeSpan.FromMinutes(10));
        return ids;
    }

    /// <summary>
    /// Issues results with <paramref name="workers"/> workers, each submission under a new key,
    /// until <paramref name="stop"/> completes; every result started is finished. A worker's
    /// failure ends the load at once.
    /// </summary>
    public async Task<Guid[]> IssueUntilAsync(int workers, Task stop)
    {
        var ids = new System.Collections.Concurrent.ConcurrentQueue<Guid>();
        async Task Work()
        {
            for (var i = 0; !stop.IsCompleted; i++)
                ids.Enqueue(await IssueAsync(Samples[i % Samples.Length], Guid.NewGuid().ToString()));
        }
        var all = Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(Work)));
        if (await Task.WhenAny(stop, all) == all) await all; // a worker failed (or stop never came)
        await stop;
        await all.WaitAsync(TimeSpan.FromMinutes(10));
        return [.. ids];
    }

    /// <summary>
    /// One document per id, each issued once with the whole history and nothing else, and its
    /// stored PDF there and equal to the hash the registry holds: registry, blobs and audit agree.
    /// </summary>
    public async Task AssertEachIssuedOnceAsync(Guid[] ids)
    {
        Assert.Equal(ids.Length, ids.Distinct().Count());
        var list = await Retry(() => Counter.GetAsync(Staff("/api/documents?limit=100")), HttpStatusCode.OK);
        Assert.Equal(ids.Length, (await IssuanceFixture.Json(list)).GetProperty("total").GetInt32());
        foreach (var id in ids)
        {
            var document = await IssuanceFixture.Json(await Retry(() => Counter.GetAsync(Staff($"/api/documents/{id}")), HttpStatusCode.OK));
            Assert.Equal("issued", document.GetProperty("status").GetString());
            Assert.Equal("create,send_for_signature,sign,seal,issue", await HistoryAsync(id));
            using var pdf = await Retry(() => Counter.GetAsync(Staff($"/api/documents/{id}/pdf")), HttpStatusCode.OK);
            var bytes = await pdf.Content.ReadAsByteArrayAsync();
            Assert.Equal(document.GetProperty("pdfSha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        }
    }

    public static async Task AssertAuditChainAsync(string connectionString, int documents)
    {
        await using var audit = await DocumentStorage.OpenAuditLogAsync(null, connectionString);
        var verification = await audit.Log.VerifyAsync();
        Assert.True(verification.IsValid, verification.Problem?.ToString());
        var records = new List<Signing.Core.Documents.AuditRecord>();
        for (IReadOnlyList<Signing.Core.Documents.AuditRecord> page; (page = await audit.Log.ReadAsync(records.Count + 1, 5_000)).Count > 0;)
            records.AddRange(page);
        Assert.Equal(verification.RecordCount, records.Count);
        Assert.Equal(documents * 5, records.Count(r => r.DocumentId != null)); // five per result, none twice
    }

    public async Task<HttpResponseMessage> SubmitAsync(string sample, string idempotencyKey)
    {
        var headId = CertificateRoleMapper.Sha256Thumbprint(_pki.RoleClients[Roles.DepartmentHead]);
        using var request = new HttpRequestMessage(HttpMethod.Post, Staff("/api/documents?signer=" + headId));
        request.Content = new ByteArrayContent(IssuanceFixture.Sample(sample));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await Counter.SendAsync(request);
    }

    public async Task<string> StatusAsync(Guid id)
    {
        var document = await IssuanceFixture.Json(await Retry(() => Counter.GetAsync(Staff($"/api/documents/{id}")), HttpStatusCode.OK));
        return document.GetProperty("status").GetString()!;
    }

    /// <summary>The audit actions of <paramref name="id"/>, comma-separated.</summary>
    public async Task<string> HistoryAsync(Guid id)
    {
        var history = await IssuanceFixture.Json(await Retry(() => Counter.GetAsync(Staff($"/api/documents/{id}/history")), HttpStatusCode.OK));
        return string.Join(",", history.EnumerateArray().Select(r => r.GetProperty("action").GetString()));
    }

    /// <summary>
    /// Sends until an answer with one of <paramref name="expected"/> arrives: a broken connection
    /// and a 502/503 are retried with back-off; any other answer fails the test.
    /// </summary>
    public static async Task<HttpResponseMessage> Retry(Func<Task<HttpResponseMessage>> send, params HttpStatusCode[] expected)
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

    public void Dispose()
    {
        Counter.Dispose();
        Head.Dispose();
        Sealer.Dispose();
    }
}
