using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Signing.Core.CounterForms;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Api;

/// <summary>A counter form as the staff API shows it (no personal data beyond the submitter's name the form prints).</summary>
public sealed record CounterFormView(Guid Id, string Form, string DossierCode, string Number, string ApplicantName, DateTimeOffset? DueUtc,
    string PdfSha256, DateTimeOffset CreatedUtc, string Pdf)
{
    public static CounterFormView From(CounterFormRecord f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(f.Id, "mau-" + f.Kind.Number(), f.DossierCode, f.Number, f.ApplicantName, f.DueUtc, f.PdfSha256, f.CreatedUtc, $"/api/forms/{f.Id}/pdf");
    }
}

/// <summary>A dossier past its promised return date.</summary>
public sealed record LateDossierView(string DossierCode, string ApplicantName, DateTimeOffset DueUtc, CounterFormView PromisedBy);

/// <summary>The counter-form endpoints (Decree 61 Mẫu 01-04): issue, list, read, late dossiers, drafts.</summary>
public static class CounterFormApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var dossiers = app.MapGroup("/api/dossiers");
        dossiers.MapGet("/late", async (HttpRequest request, CounterFormService s, CancellationToken ct) =>
        {
            var limit = int.TryParse(request.Query["limit"], out var l) ? l : 100;
            if (limit is < 1 or > 500) throw ApiProblemException.BadRequest("limit must be between 1 and 500", "limit");
            var late = await s.ListLateAsync(limit, ct);
            return Results.Ok(late.Select(d => new LateDossierView(d.DossierCode, d.ApplicantName, d.DueUtc, CounterFormView.From(d.PromisedBy))));
        }).StaffEndpoint(Policies.ReadDocument);
        dossiers.MapGet("/{dossier}/forms", async (string dossier, CounterFormService s, CancellationToken ct) =>
            Results.Ok((await s.ListAsync(dossier, ct)).Select(CounterFormView.From))).StaffEndpoint(Policies.ReadDocument);
        dossiers.MapGet("/{dossier}/forms/{kind}/draft", async (string dossier, string kind, CounterFormService s, CancellationToken ct) =>
            Results.Text(System.Text.Encoding.UTF8.GetString(CounterFormJson.Serialize(await s.DraftAsync(Kind(kind), dossier, ct))), "application/json"))
            .StaffEndpoint(Policies.IssueCounterForm);
        dossiers.MapPost("/{dossier}/forms/{kind}", Issue).StaffEndpoint(Policies.IssueCounterForm);

        var forms = app.MapGroup("/api/forms");
        forms.MapGet("/{id:guid}", async (Guid id, CounterFormService s, CancellationToken ct) => Results.Ok(CounterFormView.From(await s.GetAsync(id, ct))))
            .StaffEndpoint(Policies.ReadDocument);
        forms.MapGet("/{id:guid}/pdf", async (Guid id, CounterFormService s, CancellationToken ct) =>
        {
            var f = await s.GetAsync(id, ct);
            return Results.File(await s.GetPdfAsync(f, ct), "application/pdf", $"mau-{f.Kind.Number()}-{f.DossierCode}.pdf");
        }).StaffEndpoint(Policies.PrintDocument);
    }

    private static CounterFormKind Kind(string kind) =>
        CounterFormKinds.Parse(kind) ?? throw ApiProblemException.NotFound($"no counter form '{kind}': the forms are 01, 02, 03 and 04");

    private static async Task<IResult> Issue(string dossier, string kind, HttpRequest request, CounterFormService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var k = Kind(kind);
        var key = HttpInput.RequiredIdempotencyKey(request);
        var body = await HttpInput.ReadBodyAsync(request, "application/json", CounterFormJson.MaxBytes, ct);
        HttpInput.ParseJson(body); // malformed JSON is 400; a well-formed but invalid form is 422 by field
        var form = CounterFormJson.Parse(body, k);
        if (!string.IsNullOrWhiteSpace(form.DossierCode) && !string.Equals(form.DossierCode.Trim(), dossier, StringComparison.Ordinal))
            throw ApiProblemException.Unprocessable($"dossierCode '{form.DossierCode}' differs from the dossier in the URL '{dossier}'", "dossierCode");
        var (record, created) = await service.IssueAsync(form with { DossierCode = dossier }, "form:" + key, StaffApi.Actor(user), ct);
        var view = CounterFormView.From(record);
        return created ? Results.Created($"/api/forms/{view.Id}", view) : Results.Ok(view);
    }
}
