using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>The PostgreSQL issuance fixture, and a second host on the same registry (and its blobs, which live in it).</summary>
public sealed class TwoHostsFixture : PostgresIssuanceFixture
{
    /// <summary>Another service host on the same PostgreSQL database, with its own data directory (nothing on disk is shared), pool and process state.</summary>
    public Task<RunningService> StartSecondHostAsync(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(ServiceSettings)
        {
            ["Signing:DataDirectory"] = RepoPaths.NewTempDirectory("service-second-host"),
        };
        foreach (var (key, value) in extra) settings[key] = value;
        return RunningService.StartAsync(Pki, settings, b => b.Services.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>
/// Two service hosts (two IssuanceService instances, each with its own runtime and connection
/// pool) on one PostgreSQL registry race on the same document: exactly one commits, the other
/// gets a clean 409 or, for a seal, waits for the document lock and returns the issued result
/// without sealing again; the blobs hold no second attempt's file and the audit chain verifies.
/// </summary>
public sealed class TwoHostsOnPostgresTests(TwoHostsFixture f) : IClassFixture<TwoHostsFixture>
{
    [Fact]
    public async Task Completions_on_two_hosts_at_once_sign_once_and_the_other_gets_409()
    {
        await using var second = await f.StartSecondHostAsync();
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("quyet-dinh"), Guid.NewGuid().ToString());
        var doc = await IssuanceFixture.Json(submitted, HttpStatusCode.Created);
        var id = doc.GetProperty("id").GetGuid();
        using var headOnFirst = f.Client(Roles.DepartmentHead);
        using var headOnSecond = second.Client(f.Pki.RoleClients[Roles.DepartmentHead]);
        // One request prepared on each host, both on the same document version.
        var one = await IssuanceFixture.Json(await headOnFirst.PostAsync(f.Service.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);
        var two = await IssuanceFixture.Json(await headOnSecond.PostAsync(second.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);

        var responses = await Task.WhenAll(
            Complete(headOnFirst, f.Service.Staff($"/api/documents/{id}/complete"), one),
            Complete(headOnSecond, second.Staff($"/api/documents/{id}/complete"), two),
            Complete(headOnSecond, second.Staff($"/api/documents/{id}/complete"), one));
        try
        {
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            foreach (var lost in responses.Where(r => r.StatusCode != HttpStatusCode.OK)) await IssuanceFixture.AssertProblem(lost, 409);
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }

        var runtime = f.Service.Services.GetRequiredService<IssuanceRuntime>();
        var history = await runtime.Registry.GetHistoryAsync(id);
        Assert.Equal(["create", "send_for_signature", "sign"], history.Select(h => h.Action));
        var signed = await runtime.Registry.GetAsync(id);
        // Either host answers a replay of the winner with 409 (the request is completed).
        var winner = history[^1].DetailsJson.Contains(one.GetProperty("requestId").GetString()!, StringComparison.Ordinal) ? one : two;
        using (var replay = await Complete(headOnFirst, f.Service.Staff($"/api/documents/{id}/complete"), winner)) await IssuanceFixture.AssertProblem(replay, 409);
        using (var replay = await Complete(headOnSecond, second.Staff($"/api/documents/{id}/complete"), winner)) await IssuanceFixture.AssertProblem(replay, 409);
        Assert.Equal(signed, await runtime.Registry.GetAsync(id));
        Assert.True((await runtime.Storage.Audit.VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task A_seal_on_one_host_waits_for_the_seal_in_flight_on_the_other_and_the_document_is_sealed_once()
    {
        // The second host pauses between making the sealed file and committing it, holding the lock.
        await using var second = await f.StartSecondHostAsync(("Signing:FaultInjection:PauseAt", "seal-commit"), ("Signing:FaultInjection:Pause", "00:00:03"));
        var (id, _) = await f.SubmitAndSignAsync("quyet-dinh");
        var runtime = f.Service.Services.GetRequiredService<IssuanceRuntime>();
        var blobsBefore = await BlobsAsync(runtime);

        using var sealOnSecond = second.Client(f.Pki.RoleClients[Roles.SealOperator]);
        using var sealOnFirst = f.Client(Roles.SealOperator);
        var paused = sealOnSecond.PostAsync(second.Staff($"/api/documents/{id}/seal"), null);
        await Task.Delay(TimeSpan.FromSeconds(1)); // the second host is inside its pause now
        using var fromFirst = await sealOnFirst.PostAsync(f.Service.Staff($"/api/documents/{id}/seal"), null);
        using var fromSecond = await paused;

        var a = await IssuanceFixture.Json(fromFirst, HttpStatusCode.OK);
        var b = await IssuanceFixture.Json(fromSecond, HttpStatusCode.OK);
        Assert.Equal("issued", a.GetProperty("status").GetString());
        Assert.Equal(a.GetProperty("pdfSha256").GetString(), b.GetProperty("pdfSha256").GetString());
        var history = await runtime.Registry.GetHistoryAsync(id);
        Assert.Equal(["create", "send_for_signature", "sign", "seal", "issue"], history.Select(h => h.Action));
        // One sealed file was made: the first host never sealed (it would have left a second file).
        Assert.Equal(blobsBefore.Append(a.GetProperty("pdfSha256").GetString()!).Order(StringComparer.Ordinal), (await BlobsAsync(runtime)).Order(StringComparer.Ordinal));
        Assert.True((await runtime.Storage.Audit.VerifyAsync()).IsValid);
    }

    private static async Task<List<string>> BlobsAsync(IssuanceRuntime runtime)
    {
        var keys = new List<string>();
        await foreach (var key in runtime.Storage.Blobs.ListAsync(DateTimeOffset.MaxValue)) keys.Add(key);
        return keys;
    }

    private Task<HttpResponseMessage> Complete(HttpClient head, Uri uri, JsonElement prepared) => head.PostAsJsonAsync(uri, new
    {
        requestId = prepared.GetProperty("requestId").GetString(),
        signatureValue = Convert.ToBase64String(f.Backend.SignAsHead(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!))),
    });
}
