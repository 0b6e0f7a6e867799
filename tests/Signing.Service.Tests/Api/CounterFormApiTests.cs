using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Signing.Core.CounterForms;
using Signing.Service.Authorization;
using Signing.Testing.CounterForms;

namespace Signing.Service.Tests.Api;

/// <summary>The counter-form endpoints: 422 problems by field, idempotent issue, the PDF, and the audit record.</summary>
public sealed class CounterFormApiTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    private async Task<HttpResponseMessage> PostAsync(string dossier, string kind, byte[] body, string? key, string role = Roles.CounterStaff)
    {
        using var client = f.Client(role);
        using var request = new HttpRequestMessage(HttpMethod.Post, f.Service.Staff($"/api/dossiers/{dossier}/forms/{kind}"));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (key != null) request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task An_invalid_form_is_a_422_problem_naming_each_field_in_vietnamese()
    {
        var dossier = "API-" + Guid.NewGuid().ToString("N")[..8];
        var bad = CounterFormSamples.Valid(CounterFormKind.Apology, dossier) with { NewReturnAt = "2024-01-01T08:00", OfficerName = "" };
        using var response = await PostAsync(dossier, "04", CounterFormJson.Serialize(bad), Guid.NewGuid().ToString());
        var problem = await IssuanceFixture.AssertProblem(response, 422);
        var errors = problem.GetProperty("errors");
        Assert.Equal("Thời gian hẹn mới phải sau thời gian hẹn trước đây", errors.GetProperty("newReturnAt")[0].GetString());
        Assert.Equal("Họ và tên người ký là bắt buộc", errors.GetProperty("officerName")[0].GetString());

        using var unknown = await PostAsync(dossier, "01", """{"dossierCode":"x","colour":"red"}"""u8.ToArray(), Guid.NewGuid().ToString());
        Assert.Equal(422, (int)unknown.StatusCode);
        using var noKey = await PostAsync(dossier, "01", CounterFormJson.Serialize(CounterFormSamples.Valid(CounterFormKind.Receipt, dossier)), null);
        await IssuanceFixture.AssertProblem(noKey, 400, "Idempotency-Key");
        using var noForm = await PostAsync(dossier, "05", "{}"u8.ToArray(), Guid.NewGuid().ToString());
        await IssuanceFixture.AssertProblem(noForm, 404);
        using var auditor = await PostAsync(dossier, "01", CounterFormJson.Serialize(CounterFormSamples.Valid(CounterFormKind.Receipt, dossier)), Guid.NewGuid().ToString(), Roles.Auditor);
        await IssuanceFixture.AssertProblem(auditor, 403);
    }

    [Fact]
    public async Task Issuing_twice_with_one_key_is_one_form_one_audit_record_and_another_body_is_a_conflict()
    {
        var dossier = "API-" + Guid.NewGuid().ToString("N")[..8];
        var form = CounterFormSamples.Valid(CounterFormKind.Receipt, dossier);
        var key = Guid.NewGuid().ToString();
        using var first = await PostAsync(dossier, "01", CounterFormJson.Serialize(form), key);
        var view = await IssuanceFixture.Json(first, HttpStatusCode.Created);
        using var again = await PostAsync(dossier, "01", CounterFormJson.Serialize(form), key);
        Assert.Equal(view.GetProperty("id").GetGuid(), (await IssuanceFixture.Json(again, HttpStatusCode.OK)).GetProperty("id").GetGuid());
        using var other = await PostAsync(dossier, "01", CounterFormJson.Serialize(form with { Number = "99" }), key);
        await IssuanceFixture.AssertProblem(other, 409);

        using var staff = f.Client(Roles.CounterStaff);
        var list = await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff($"/api/dossiers/{dossier}/forms")), HttpStatusCode.OK);
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal("mau-01", list[0].GetProperty("form").GetString());
        Assert.Equal("15/TNHS", list[0].GetProperty("number").GetString());
        using var pdf = await staff.GetAsync(f.Service.Staff(view.GetProperty("pdf").GetString()!));
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        var bytes = await pdf.Content.ReadAsByteArrayAsync();
        Assert.Equal(view.GetProperty("pdfSha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));

        var id = view.GetProperty("id").GetString()!;
        var log = f.Service.Services.GetRequiredService<Signing.Issuance.IssuanceRuntime>().Storage.Audit;
        var head = await log.GetHeadAsync();
        var records = await log.ReadAsync(Math.Max(1, head.Seq - 500), 1000);
        Assert.Single(records, r => r.Action == "issue_counter_form" && r.DetailsJson.Contains(id, StringComparison.Ordinal));
        Assert.True((await log.VerifyAsync()).IsValid);
    }

    [Fact]
    public async Task The_late_list_and_a_draft_come_from_the_forms_of_the_dossier()
    {
        var dossier = "API-" + Guid.NewGuid().ToString("N")[..8];
        var receipt = CounterFormSamples.Valid(CounterFormKind.Receipt, dossier);
        using (var issued = await PostAsync(dossier, "01", CounterFormJson.Serialize(receipt), Guid.NewGuid().ToString()))
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        using var staff = f.Client(Roles.CounterStaff);
        var late = await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff("/api/dossiers/late?limit=500")), HttpStatusCode.OK);
        Assert.Contains(late.EnumerateArray(), l => l.GetProperty("dossierCode").GetString() == dossier);
        var draft = JsonDocument.Parse(await staff.GetStringAsync(f.Service.Staff($"/api/dossiers/{dossier}/forms/04/draft"))).RootElement;
        Assert.Equal(receipt.ReturnAt, draft.GetProperty("returnAt").GetString());
        Assert.Equal(receipt.ApplicantName, draft.GetProperty("applicantName").GetString());
    }
}
