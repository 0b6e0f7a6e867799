using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Signing.Core.CounterForms;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Service.Contracts;
using static Signing.Service.Api.ContractViews;

namespace Signing.Service.Api;

/// <summary>The counter-form endpoints (Decree 61 Mẫu 01-04): issue, list, read, late dossiers, drafts.</summary>
public static class CounterFormApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var dossiers = app.MapGroup("/api/dossiers");
        dossiers.MapGet("/late", async Task<Ok<List<LateDossierView>>> (string? limit, CounterFormService s, CancellationToken ct) =>
        {
            var count = int.TryParse(limit, out var l) ? l : 100;
            if (count is < 1 or > 500) throw ApiProblemException.BadRequest("limit must be between 1 and 500", "limit");
            var late = await s.ListLateAsync(count, ct);
            return TypedResults.Ok(late.Select(d => new LateDossierView(d.DossierCode, d.ApplicantName, d.DueUtc, View(d.PromisedBy))).ToList());
        }).StaffEndpoint(Policies.ReadDocument).StaffProblems(400);
        dossiers.MapGet("/{dossier}/forms", async Task<Ok<List<CounterFormView>>> (string dossier, CounterFormService s, CancellationToken ct) =>
            TypedResults.Ok((await s.ListAsync(dossier, ct)).Select(View).ToList())).StaffEndpoint(Policies.ReadDocument).StaffProblems();
        dossiers.MapGet("/{dossier}/forms/{kind}/draft", async (string dossier, string kind, CounterFormService s, CancellationToken ct) =>
            Results.Text(System.Text.Encoding.UTF8.GetString(CounterFormJson.Serialize(await s.DraftAsync(Kind(kind), dossier, ct))), "application/json"))
            .StaffEndpoint(Policies.IssueCounterForm).Produces<CounterFormRequest>(200, "application/json").StaffProblems(404);
        dossiers.MapPost("/{dossier}/forms/{kind}", Issue).StaffEndpoint(Policies.IssueCounterForm)
            .Body<CounterFormRequest>("application/json").IdempotentByRecord().StaffProblems(404, 413, 415, 422);

        var forms = app.MapGroup("/api/forms");
        forms.MapGet("/{id:guid}", async Task<Ok<CounterFormView>> (Guid id, CounterFormService s, CancellationToken ct) => TypedResults.Ok(View(await s.GetAsync(id, ct))))
            .StaffEndpoint(Policies.ReadDocument).StaffProblems(404);
        forms.MapGet("/{id:guid}/pdf", async (Guid id, CounterFormService s, CancellationToken ct) =>
        {
            var f = await s.GetAsync(id, ct);
            return Results.File(await s.GetPdfAsync(f, ct), "application/pdf", $"mau-{f.Kind.Number()}-{f.DossierCode}.pdf");
        }).StaffEndpoint(Policies.PrintDocument).Produces(200, typeof(Stream), "application/pdf").StaffProblems(404);
    }

    private static CounterFormKind Kind(string kind) =>
        CounterFormKinds.Parse(kind) ?? throw ApiProblemException.NotFound($"no counter form '{kind}': the forms are 01, 02, 03 and 04");

    /// <summary>201 with the new form; 200 with the same form when the key was used before with this form.</summary>
    private static async Task<Results<Created<CounterFormView>, Ok<CounterFormView>>> Issue(string dossier, string kind, HttpRequest request, CounterFormService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var k = Kind(kind);
        var key = HttpInput.RequiredIdempotencyKey(request);
        var body = await HttpInput.ReadBodyAsync(request, "application/json", CounterFormJson.MaxBytes, ct);
        HttpInput.ParseJson(body); // malformed JSON is 400; a well-formed but invalid form is 422 by field
        var form = CounterFormJson.Parse(body, k);
        if (!string.IsNullOrWhiteSpace(form.DossierCode) && !string.Equals(form.DossierCode.Trim(), dossier, StringComparison.Ordinal))
            throw ApiProblemException.Unprocessable($"dossierCode '{form.DossierCode}' differs from the dossier in the URL '{dossier}'", "dossierCode");
        var (record, created) = await service.IssueAsync(form with { DossierCode = dossier }, "form:" + key, StaffApi.Actor(user), ct);
        var view = View(record);
        return created ? TypedResults.Created($"/api/forms/{view.Id}", view) : TypedResults.Ok(view);
    }
}
