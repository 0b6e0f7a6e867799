using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Signing.Core.Decisions;
using Signing.Core.Documents;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Service.Contracts;
using static Signing.Service.Api.ContractViews;
using DocumentPage = Signing.Service.Contracts.DocumentPage;

namespace Signing.Service.Api;

/// <summary>The staff (mutual TLS) endpoints; each names its policy.</summary>
public static class StaffApi
{
    public const string IdempotencyKeyHeader = IdempotencyKey.Header;

    public static void Map(IEndpointRouteBuilder app)
    {
        var documents = app.MapGroup("/api/documents");
        documents.MapPost("", Submit).WithName("SubmitDocument").StaffEndpoint(Policies.SubmitDocument)
            .Body<Decision>(DecisionJson.MediaType).IdempotentByRecord().StaffProblems(413, 415, 422);
        documents.MapGet("", List).WithName("ListDocuments").StaffEndpoint(Policies.ReadDocument).StaffProblems(400);
        documents.MapGet("/{id:guid}", async Task<Ok<DocumentView>> (Guid id, IssuanceService s, CancellationToken ct) => TypedResults.Ok(View(await s.GetAsync(id, ct))))
            .WithName("GetDocument").StaffEndpoint(Policies.ReadDocument).StaffProblems(404);
        documents.MapGet("/{id:guid}/history", History).WithName("GetDocumentHistory").StaffEndpoint(Policies.ReadDocument).StaffProblems(404);
        documents.MapGet("/{id:guid}/pdf", async (Guid id, IssuanceService s, CancellationToken ct) =>
        {
            var d = await s.GetAsync(id, ct);
            return Results.File(await s.GetPdfAsync(d, ct), "application/pdf", d.VerificationCode + ".pdf");
        }).WithName("GetDocumentPdf").StaffEndpoint(Policies.DownloadDocument).Produces(200, typeof(Stream), "application/pdf").StaffProblems(404);
        documents.MapPost("/{id:guid}/prepare", Prepare).WithName("PrepareSignature").StaffEndpoint(Policies.SignOwnQueue).Idempotent().StaffProblems(404, 422, 503);
        documents.MapPost("/{id:guid}/complete", Complete).WithName("CompleteSignature").StaffEndpoint(Policies.SignOwnQueue)
            .Body<CompleteRequest>("application/json").Idempotent().StaffProblems(400, 404, 410, 413, 415, 422, 503);
        documents.MapPost("/{id:guid}/seal", async Task<Ok<DocumentView>> (Guid id, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
            TypedResults.Ok(View(await s.SealAndIssueAsync(id, Actor(user), ct)))).WithName("SealAndIssue").StaffEndpoint(Policies.Seal).Idempotent().StaffProblems(404, 422, 503);
        documents.MapPost("/{id:guid}/revoke", async Task<Ok<DocumentView>> (Guid id, HttpRequest request, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var body = await HttpInput.ReadJsonObjectAsync(request, ct);
            return TypedResults.Ok(View(await s.RevokeAsync(id, HttpInput.OptionalString(body, "reason"), Actor(user), ct)));
        }).WithName("RevokeDocument").StaffEndpoint(Policies.Revoke).Body<RevokeRequest>("application/json").Idempotent().StaffProblems(400, 404, 413, 415);
        documents.MapPost("/{id:guid}/supersede", async Task<Ok<SupersedeResponse>> (Guid id, HttpRequest request, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var body = await HttpInput.ReadJsonObjectAsync(request, ct);
            var result = await s.SupersedeAsync(id, HttpInput.RequiredGuid(body, "replacementId"), HttpInput.OptionalString(body, "reason"), Actor(user), ct);
            return TypedResults.Ok(new SupersedeResponse(View(result.Superseded), View(result.Replacement)));
        }).WithName("SupersedeDocument").StaffEndpoint(Policies.Supersede).Body<SupersedeRequest>("application/json").Idempotent().StaffProblems(400, 404, 413, 415, 422);

        var heads = app.MapGroup("/api/heads");
        heads.MapPost("/enroll", Enroll).WithName("EnrollHead").StaffEndpoint(Policies.SignOwnQueue)
            .Body<EnrollRequest>("application/json").Idempotent().StaffProblems(400, 413, 415, 422);
        heads.MapGet("/me/queue", Queue).WithName("GetMyQueue").StaffEndpoint(Policies.SignOwnQueue).StaffProblems(400);
        // The head reads the drafts of their own queue (to look at them, and to check prepared hashes against).
        heads.MapGet("/me/documents/{id:guid}/pdf", async (Guid id, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var d = await s.GetAsync(id, ct);
            if (!string.Equals(d.SignerId, HeadId(user), StringComparison.Ordinal)) throw ApiProblemException.Forbidden($"document {d.VerificationCode} is not in your queue");
            return Results.File(await s.GetPdfAsync(d, ct), "application/pdf", d.VerificationCode + ".pdf");
        }).WithName("GetMyDraftPdf").StaffEndpoint(Policies.SignOwnQueue).Produces(200, typeof(Stream), "application/pdf").StaffProblems(404);
    }

    /// <summary>The caller's id: SHA-256 thumbprint of their client certificate (the principal's NameIdentifier).</summary>
    internal static string HeadId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("an authenticated principal without a thumbprint");

    /// <summary>Audit actor: the certificate thumbprint (an id, not a name: no personal data in the audit text beyond ids).</summary>
    internal static string Actor(ClaimsPrincipal user) => "cert:" + HeadId(user);

    /// <summary>201 with the new document; 200 with the same document when the key was used before with this body.</summary>
    private static async Task<Results<Created<DocumentView>, Ok<DocumentView>>> Submit(string? signer, HttpRequest request, IssuanceService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var key = HttpInput.RequiredIdempotencyKey(request);
        var body = await HttpInput.ReadBodyAsync(request, DecisionJson.MediaType, DecisionJson.MaxBytes, ct);
        HttpInput.ParseJson(body); // malformed JSON is 400; well-formed but invalid decisions are 422
        var result = await service.SubmitAsync(body, key, signer ?? "", Actor(user), ct);
        var view = View(result.Document);
        return result.Created ? TypedResults.Created($"/api/documents/{view.Id}", view) : TypedResults.Ok(view);
    }

    // The query values are bound as text so that a bad one is refused with this API's own message and field.
    private static async Task<Ok<DocumentPage>> List(string? status, string? signer, string? dossier, string? from, string? to, string? limit, string? offset,
        IDocumentRegistryAccessor registry, CancellationToken ct)
    {
        DocumentStatus? parsed = null;
        if (status is { Length: > 0 })
        {
            try { parsed = DocumentStatusNames.Parse(status); }
            catch (Signing.Core.SigningException e) { throw ApiProblemException.BadRequest(e.Message, "status"); }
        }
        var query = new DocumentQuery
        {
            Status = parsed,
            SignerId = signer is { Length: > 0 } ? signer.ToUpperInvariant() : null,
            DossierCode = dossier is { Length: > 0 } ? dossier : null,
            CreatedFrom = Time(from ?? "", "from"),
            CreatedBefore = Time(to ?? "", "to"),
            Limit = HttpInput.QueryInt(limit ?? "", "limit", 50, 1, DocumentQuery.MaxLimit),
            Offset = HttpInput.QueryInt(offset ?? "", "offset", 0, 0, int.MaxValue),
        };
        var page = await registry.Registry.ListAsync(query, ct);
        return TypedResults.Ok(new DocumentPage(page.Items.Select(View).ToList(), page.Total, page.Offset, page.Limit, page.HasMore));
    }

    private static async Task<Ok<List<HistoryEntry>>> History(Guid id, IssuanceService service, IDocumentRegistryAccessor registry, CancellationToken ct)
    {
        await service.GetAsync(id, ct);
        var records = await registry.Registry.GetHistoryAsync(id, ct);
        return TypedResults.Ok(records.Select(r => new HistoryEntry(r.Seq, r.TimeUtc, r.Actor, r.Action, JsonDocument.Parse(r.DetailsJson).RootElement.Clone(), r.Hash)).ToList());
    }

    private static async Task<Ok<Enrollment>> Enroll(HttpRequest request, IssuanceService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var body = await HttpInput.ReadJsonObjectAsync(request, ct);
        var certificate = ParseCertificate(HttpInput.RequiredString(body, "certificate"), "certificate");
        var chain = new List<X509Certificate2>();
        if (body.TryGetProperty("chain", out var chainJson) && chainJson.ValueKind != JsonValueKind.Null)
        {
            if (chainJson.ValueKind != JsonValueKind.Array) throw ApiProblemException.BadRequest("'chain' must be an array of certificates", "chain");
            var i = 0;
            foreach (var item in chainJson.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) throw ApiProblemException.BadRequest($"'chain[{i}]' must be a string", $"chain[{i}]");
                chain.Add(ParseCertificate(item.GetString()!, $"chain[{i}]"));
                i++;
            }
        }
        var enrollment = await service.EnrollAsync(HeadId(user), user.Identity?.Name ?? "", certificate, chain, Actor(user), ct);
        return TypedResults.Ok(new Enrollment(enrollment.HeadId, enrollment.CertificateSha256, certificate.Subject,
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero), enrollment.Chain.Length + 1));
    }

    private static async Task<Ok<QueuePage>> Queue(string? limit, string? offset, ClaimsPrincipal user, IDocumentRegistryAccessor registry, IssuanceService service, CancellationToken ct)
    {
        var page = await registry.Registry.ListAsync(new DocumentQuery
        {
            Status = DocumentStatus.AwaitingSignature,
            SignerId = HeadId(user),
            Limit = HttpInput.QueryInt(limit ?? "", "limit", 50, 1, DocumentQuery.MaxLimit),
            Offset = HttpInput.QueryInt(offset ?? "", "offset", 0, 0, int.MaxValue),
        }, ct);
        // Each item carries the summary the head decides on; the agent checks it against the draft.
        var facts = await service.Facts.GetAsync(page.Items, ct);
        var items = page.Items.Select((d, i) => new QueueItem(View(d), Summary(facts[i]))).ToList();
        return TypedResults.Ok(new QueuePage(items, page.Total, page.Offset, page.Limit, page.HasMore));
    }

    private static async Task<Ok<PreparedSignature>> Prepare(Guid id, IssuanceService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var (request, facts, draft) = await service.PrepareAsync(id, HeadId(user), Actor(user), ct);
        // The revision and ByteRange let the signer check the hash against the draft it was shown
        // (PreparedSignatureCheck) instead of trusting this response.
        var prepared = request.Prepared;
        return TypedResults.Ok(new PreparedSignature(request.RequestId, Convert.ToBase64String(prepared.ToBeSignedHash), "SHA-256", prepared.Scheme.ToString(),
            Summary(facts), request.Nonce, request.ExpiresUtc, request.CertificateSha256, draft.PdfSha256, draft.Length,
            Convert.ToBase64String(prepared.PreparedPdf.AsSpan(draft.Length)), prepared.ByteRange));
    }

    private static async Task<Ok<DocumentView>> Complete(Guid id, HttpRequest request, IssuanceService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var body = await HttpInput.ReadJsonObjectAsync(request, ct);
        var requestId = HttpInput.RequiredGuid(body, "requestId");
        var value = HttpInput.RequiredBase64(body, "signatureValue");
        var document = await service.CompleteAsync(id, HeadId(user), requestId, HttpInput.OptionalString(body, "nonce"), value, Actor(user), ct);
        return TypedResults.Ok(View(document));
    }

    private static X509Certificate2 ParseCertificate(string text, string field)
    {
        try
        {
            return text.Contains("-----BEGIN", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificate(Convert.FromBase64String(text));
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            throw ApiProblemException.BadRequest($"'{field}' is not a certificate (base64 DER or PEM)", field);
        }
    }

    private static DateTimeOffset? Time(string text, string field)
    {
        if (text.Length == 0) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t : throw ApiProblemException.BadRequest($"'{field}' is not an ISO 8601 time", field);
    }
}

/// <summary>Gives endpoints the registry without exposing the whole runtime.</summary>
public interface IDocumentRegistryAccessor
{
    IDocumentRegistry Registry { get; }
}

internal sealed class DocumentRegistryAccessor(IssuanceRuntime runtime) : IDocumentRegistryAccessor
{
    public IDocumentRegistry Registry => runtime.Registry;
}
