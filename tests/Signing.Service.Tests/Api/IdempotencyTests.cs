using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Signing.Core.CounterForms;
using Signing.Service.Authorization;
using Signing.Service.Contracts;
using Signing.Testing.CounterForms;

namespace Signing.Service.Tests.Api;

/// <summary>
/// Every mutating call with an Idempotency-Key: the same call again answers the first answer without doing the change
/// twice, and the same key with another request is a 409 problem of the idempotency-conflict type.
/// </summary>
public class IdempotencyTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    private sealed record Call(string Role, string Path, string? Body);

    /// <summary>One call made twice with one key, and another call with that key.</summary>
    private sealed record Case(Call First, Call Other, bool KeptWithRecord = false);

    public static TheoryData<string> Endpoints => new() { "submit", "counter-form", "prepare", "complete", "seal", "revoke", "supersede", "enroll" };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task The_same_key_replays_the_first_answer_and_another_request_with_it_is_a_409(string endpoint)
    {
        var c = await CaseAsync(endpoint);
        var key = $"{endpoint}-{Guid.NewGuid():N}";
        using var first = await SendAsync(c.First, key);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.IsSuccessStatusCode, $"{endpoint}: {(int)first.StatusCode} {firstBody}");

        using var again = await SendAsync(c.First, key);
        var againBody = await again.Content.ReadAsStringAsync();
        if (c.KeptWithRecord)
        {
            // Submit and counter forms keep the key with the record: the retry names the same record (200, not 201).
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(Id(firstBody), Id(againBody));
        }
        else
        {
            Assert.Equal(first.StatusCode, again.StatusCode);
            Assert.Equal(firstBody, againBody);
            Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        }

        using var other = await SendAsync(c.Other, key);
        var problem = await IssuanceFixture.AssertProblem(other, 409);
        Assert.Equal(ProblemTypes.IdempotencyConflict, problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Without_a_key_a_second_prepare_opens_a_new_request_and_a_refused_call_gives_its_key_back()
    {
        var (id, _) = await SubmitAsync();
        using var one = await SendAsync(new Call(Roles.DepartmentHead, $"/api/documents/{id}/prepare", null), null);
        using var two = await SendAsync(new Call(Roles.DepartmentHead, $"/api/documents/{id}/prepare", null), null);
        Assert.NotEqual((await IssuanceFixture.Json(one, HttpStatusCode.OK)).GetProperty("requestId").GetGuid(),
            (await IssuanceFixture.Json(two, HttpStatusCode.OK)).GetProperty("requestId").GetGuid());

        // Sealing before signing is refused; the key is not spent on the refusal.
        var key = Guid.NewGuid().ToString();
        var seal = new Call(Roles.SealOperator, $"/api/documents/{id}/seal", null);
        using var refused = await SendAsync(seal, key);
        await IssuanceFixture.AssertProblem(refused, 409);
        using var refusedAgain = await SendAsync(seal, key);
        await IssuanceFixture.AssertProblem(refusedAgain, 409);
        Assert.False(refusedAgain.Headers.Contains("Idempotent-Replayed"));

        using var badKey = await SendAsync(seal, new string('k', 201));
        await IssuanceFixture.AssertProblem(badKey, 400, "Idempotency-Key");
    }

    private async Task<Case> CaseAsync(string endpoint)
    {
        switch (endpoint)
        {
            case "submit":
            {
                var body = Encoding.UTF8.GetString(IssuanceFixture.Sample("quyet-dinh"));
                var other = Encoding.UTF8.GetString(IssuanceFixture.Sample("giay-phep"));
                var path = "/api/documents?signer=" + f.HeadId;
                return new Case(new Call(Roles.CounterStaff, path, body), new Call(Roles.CounterStaff, path, other), KeptWithRecord: true);
            }
            case "counter-form":
            {
                var dossier = "IDEM-" + Guid.NewGuid().ToString("N")[..8];
                var form = CounterFormSamples.Valid(CounterFormKind.Receipt, dossier);
                var path = $"/api/dossiers/{dossier}/forms/01";
                return new Case(new Call(Roles.CounterStaff, path, Encoding.UTF8.GetString(CounterFormJson.Serialize(form))),
                    new Call(Roles.CounterStaff, path, Encoding.UTF8.GetString(CounterFormJson.Serialize(form with { Number = "99" }))), KeptWithRecord: true);
            }
            case "prepare":
            {
                var (a, _) = await SubmitAsync();
                var (b, _) = await SubmitAsync();
                return new Case(new Call(Roles.DepartmentHead, $"/api/documents/{a}/prepare", null), new Call(Roles.DepartmentHead, $"/api/documents/{b}/prepare", null));
            }
            case "complete":
            {
                var (id, _) = await SubmitAsync();
                using var head = f.Client(Roles.DepartmentHead);
                var prepared = await IssuanceFixture.Json(await head.PostAsync(f.Service.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);
                var requestId = prepared.GetProperty("requestId").GetGuid();
                var signature = f.Backend.SignAsHead(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!));
                var path = $"/api/documents/{id}/complete";
                var body = JsonSerializer.Serialize(new CompleteRequest(requestId, Convert.ToBase64String(signature), prepared.GetProperty("nonce").GetString()), JsonSerializerOptions.Web);
                var other = JsonSerializer.Serialize(new CompleteRequest(requestId, Convert.ToBase64String(signature)), JsonSerializerOptions.Web);
                return new Case(new Call(Roles.DepartmentHead, path, body), new Call(Roles.DepartmentHead, path, other));
            }
            case "seal":
            {
                var (a, _) = await f.SubmitAndSignAsync("quyet-dinh");
                var (b, _) = await f.SubmitAndSignAsync("quyet-dinh");
                return new Case(new Call(Roles.SealOperator, $"/api/documents/{a}/seal", null), new Call(Roles.SealOperator, $"/api/documents/{b}/seal", null));
            }
            case "revoke":
            {
                var (id, _) = await f.IssueAsync("quyet-dinh");
                var path = $"/api/documents/{id}/revoke";
                return new Case(new Call(Roles.Admin, path, """{"reason":"issued in error"}"""), new Call(Roles.Admin, path, """{"reason":"another reason"}"""));
            }
            case "supersede":
            {
                var (id, _) = await f.IssueAsync("quyet-dinh");
                var (replacement, _) = await f.IssueAsync("quyet-dinh");
                var path = $"/api/documents/{id}/supersede";
                return new Case(new Call(Roles.Admin, path, $$"""{"replacementId":"{{replacement}}","reason":"corrected"}"""),
                    new Call(Roles.Admin, path, $$"""{"replacementId":"{{replacement}}","reason":"another reason"}"""));
            }
            case "enroll":
            {
                var certificate = Convert.ToBase64String(f.Backend.HeadCertificate.RawData);
                var chain = f.Backend.Chain.Select(c => c.ExportCertificatePem()).ToArray();
                return new Case(new Call(Roles.DepartmentHead, "/api/heads/enroll", JsonSerializer.Serialize(new EnrollRequest(certificate, chain), JsonSerializerOptions.Web)),
                    new Call(Roles.DepartmentHead, "/api/heads/enroll", JsonSerializer.Serialize(new EnrollRequest(certificate, chain.Take(1).ToArray()), JsonSerializerOptions.Web)));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "no such case");
        }
    }

    private async Task<(Guid Id, string Code)> SubmitAsync()
    {
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("quyet-dinh"), Guid.NewGuid().ToString());
        var document = await IssuanceFixture.Json(submitted, HttpStatusCode.Created);
        return (document.GetProperty("id").GetGuid(), document.GetProperty("verificationCode").GetString()!);
    }

    private async Task<HttpResponseMessage> SendAsync(Call call, string? key)
    {
        using var client = f.Client(call.Role);
        using var request = new HttpRequestMessage(HttpMethod.Post, f.Service.Staff(call.Path));
        if (call.Body is not null) request.Content = new StringContent(call.Body, new MediaTypeHeaderValue("application/json"));
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private static Guid Id(string json) => JsonDocument.Parse(json).RootElement.GetProperty("id").GetGuid();
}

/// <summary>The same on PostgreSQL (the claims and answers live in its idempotent_responses table).</summary>
public sealed class IdempotencyOnPostgresTests(PostgresIssuanceFixture f) : IdempotencyTests(f), IClassFixture<PostgresIssuanceFixture>;
