using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Signing.Core.Decisions;
using Signing.Core.Documents;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Api;

/// <summary>A document as the staff API shows it.</summary>
public sealed record DocumentView(
    Guid Id, string VerificationCode, string DossierCode, string Template, string Status, string? Signer, long Version,
    string? PdfSha256, DateTimeOffset CreatedUtc, DateTimeOffset UpdatedUtc, string? EndReason, Guid? ReplacedBy, Guid? Replaces,
    string? FailureReason)
{
    public static DocumentView From(DocumentRecord d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Id, d.VerificationCode, d.DossierCode, d.Template, d.Status.ToName(), d.SignerId, d.Version, d.PdfSha256,
            d.CreatedUtc, d.UpdatedUtc, d.EndReason, d.ReplacedBy, d.Replaces, d.Failure?.Reason);
    }
}

/// <summary>The staff (mutual TLS) endpoints; each names its policy.</summary>
public static class StaffApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static void Map(IEndpointRouteBuilder app)
    {
        var documents = app.MapGroup("/api/documents");
        documents.MapPost("", Submit).StaffEndpoint(Policies.SubmitDocument);
        documents.MapGet("", List).StaffEndpoint(Policies.ReadDocument);
        documents.MapGet("/{id:guid}", async (Guid id, IssuanceService s, CancellationToken ct) => Results.Ok(DocumentView.From(await s.GetAsync(id, ct))))
            .StaffEndpoint(Policies.ReadDocument);
        documents.MapGet("/{id:guid}/history", History).StaffEndpoint(Policies.ReadDocument);
        documents.MapGet("/{id:guid}/pdf", async (Guid id, IssuanceService s, CancellationToken ct) =>
        {
            var d = await s.GetAsync(id, ct);
            return Results.File(await s.GetPdfAsync(d, ct), "application/pdf", d.VerificationCode + ".pdf");
        }).StaffEndpoint(Policies.DownloadDocument);
        documents.MapPost("/{id:guid}/prepare", Prepare).StaffEndpoint(Policies.SignOwnQueue);
        documents.MapPost("/{id:guid}/complete", Complete).StaffEndpoint(Policies.SignOwnQueue);
        documents.MapPost("/{id:guid}/seal", async (Guid id, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
            Results.Ok(DocumentView.From(await s.SealAndIssueAsync(id, Actor(user), ct)))).StaffEndpoint(Policies.Seal);
        documents.MapPost("/{id:guid}/revoke", async (Guid id, HttpRequest request, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var body = await HttpInput.ReadJsonObjectAsync(request, ct);
            return Results.Ok(DocumentView.From(await s.RevokeAsync(id, HttpInput.OptionalString(body, "reason"), Actor(user), ct)));
        }).StaffEndpoint(Policies.Revoke);
        documents.MapPost("/{id:guid}/supersede", async (Guid id, HttpRequest request, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var body = await HttpInput.ReadJsonObjectAsync(request, ct);
            var result = await s.SupersedeAsync(id, HttpInput.RequiredGuid(body, "replacementId"), HttpInput.OptionalString(body, "reason"), Actor(user), ct);
            return Results.Ok(new { superseded = DocumentView.From(result.Superseded), replacement = DocumentView.From(result.Replacement) });
        }).StaffEndpoint(Policies.Supersede);

        var heads = app.MapGroup("/api/heads");
        heads.MapPost("/enroll", Enroll).StaffEndpoint(Policies.SignOwnQueue);
        heads.MapGet("/me/queue", Queue).StaffEndpoint(Policies.SignOwnQueue);
        // The head reads the drafts of their own queue (to look at them, and to check prepared hashes against).
        heads.MapGet("/me/documents/{id:guid}/pdf", async (Guid id, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var d = await s.GetAsync(id, ct);
            if (!string.Equals(d.SignerId, HeadId(user), StringComparison.Ordinal)) throw ApiProblemException.Forbidden($"document {d.VerificationCode} is not in your queue");
            return Results.File(await s.GetPdfAsync(d, ct), "application/pdf", d.VerificationCode + ".pdf");
        }).StaffEndpoint(Policies.SignOwnQueue);
    }

    /// <summary>The caller's id: SHA-256 thumbprint of their client certificate (the principal's NameIdentifier).</summary>
    internal static string HeadId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("an authenticated principal without a thumbprint");

    /// <summary>Audit actor: the certificate thumbprint (an id, not a name: no personal data in the audit text beyond ids).</summary>
    internal static string Actor(ClaimsPrincipal user) => "cert:" + HeadId(user);

    private static async Task<IResult> Submit(HttpRequest request, IssuanceService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var key = HttpInput.RequiredIdempotencyKey(request);
        var body = await HttpInput.ReadBodyAsync(request, DecisionJson.MediaType, DecisionJson.MaxBytes, ct);
        HttpInput.ParseJson(body); // malformed JSON is 400; well-formed but invalid decisions are 422
        var result = await service.SubmitAsync(body, key, request.Query["signer"].ToString(), Actor(user), ct);
        var view = DocumentView.From(result.Document);
        return result.Created ? Results.Created($"/api/documents/{view.Id}", view) : Results.Ok(view);
    }

    private static async Task<IResult> List(HttpRequest request, IDocumentRegistryAccessor registry, CancellationToken ct)
    {
        var q = request.Query;
        DocumentStatus? status = null;
        if (q["status"].ToString() is { Length: > 0 } s)
        {
            try { status = DocumentStatusNames.Parse(s); }
            catch (Signing.Core.SigningException e) { throw ApiProblemException.BadRequest(e.Message, "status"); }
        }
        var query = new DocumentQuery
        {
            Status = status,
            SignerId = q["signer"].ToString() is { Length: > 0 } signer ? signer.ToUpperInvariant() : null,
            DossierCode = q["dossier"].ToString() is { Length: > 0 } dossier ? dossier : null,
            CreatedFrom = Time(q["from"].ToString(), "from"),
            CreatedBefore = Time(q["to"].ToString(), "to"),
            Limit = HttpInput.QueryInt(q["limit"].ToString(), "limit", 50, 1, DocumentQuery.MaxLimit),
            Offset = HttpInput.QueryInt(q["offset"].ToString(), "offset", 0, 0, int.MaxValue),
        };
        var page = await registry.Registry.ListAsync(query, ct);
        return Results.Ok(new { items = page.Items.Select(DocumentView.From), total = page.Total, offset = page.Offset, limit = page.Limit, hasMore = page.HasMore });
    }

    private static async Task<IResult> History(Guid id, IssuanceService service, IDocumentRegistryAccessor registry, CancellationToken ct)
    {
        await service.GetAsync(id, ct);
        var records = await registry.Registry.GetHistoryAsync(id, ct);
        return Results.Ok(records.Select(r => new
        {
            seq = r.Seq, timeUtc = r.TimeUtc, actor = r.Actor, action = r.Action,
            details = JsonDocument.Parse(r.DetailsJson).RootElement.Clone(), hash = r.Hash,
        }));
    }

    private static async Task<IResult> Enroll(HttpRequest request, IssuanceService service, ClaimsPrincipal user, CancellationToken ct)
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
        return Results.Ok(new
        {
            headId = enrollment.HeadId,
            certificateSha256 = enrollment.CertificateSha256,
            subject = certificate.Subject,
            notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            chainLength = enrollment.Chain.Length + 1,
        });
    }

    private static async Task<IResult> Queue(HttpRequest request, ClaimsPrincipal user, IDocumentRegistryAccessor registry, IssuanceService service, CancellationToken ct)
    {
        var page = await registry.Registry.ListAsync(new DocumentQuery
        {
            Status = DocumentStatus.AwaitingSignature,
            SignerId = HeadId(user),
            Limit = HttpInput.QueryInt(request.Query["limit"].ToString(), "limit", 50, 1, DocumentQuery.MaxLimit),
            Offset = HttpInput.QueryInt(request.Query["offset"].ToString(), "offset", 0, 0, int.MaxValue),
        }, ct);
        // Each item carries the summary the head decides on; the agent checks it against the draft.
        var facts = await service.Facts.GetAsync(page.Items, ct);
        var items = page.Items.Select((d, i) => new { document = DocumentView.From(d), summary = Summary(facts[i]) });
        return Results.Ok(new { items, total = page.Total, offset = page.Offset, limit = page.Limit, hasMore = page.HasMore });
    }

    private static object Summary(DocumentFacts facts) => new
    {
        type = facts.DocumentType, number = facts.Number, applicant = facts.ApplicantName, dossierCode = facts.DossierCode,
        verificationCode = facts.VerificationCode, issuingAgency = facts.IssuingAgency, date = facts.Date, pages = facts.PageCount,
    };

    private static async Task<IResult> Prepare(Guid id, IssuanceService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var (request, facts, draft) = await service.PrepareAsync(id, HeadId(user), Actor(user), ct);
        // The revision and ByteRange let the signer check the hash against the draft it was shown
        // (PreparedSignatureCheck) instead of trusting this response.
        var prepared = request.Prepared;
        return Results.Ok(new
        {
            requestId = request.RequestId,
            hash = Convert.ToBase64String(prepared.ToBeSignedHash),
            hashAlgorithm = "SHA-256",
            signatureScheme = prepared.Scheme.ToString(),
            summary = Summary(facts),
            nonce = request.Nonce,
            expiresAt = request.ExpiresUtc,
            certificateSha256 = request.CertificateSha256,
            draftSha256 = draft.PdfSha256,
            draftLength = draft.Length,
            revision = Convert.ToBase64String(prepared.PreparedPdf.AsSpan(draft.Length)),
            byteRange = prepared.ByteRange,
        });
    }

    private static async Task<IResult> Complete(Guid id, HttpRequest request, IssuanceService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var body = await HttpInput.ReadJsonObjectAsync(request, ct);
        var requestId = HttpInput.RequiredGuid(body, "requestId");
        var value = HttpInput.RequiredBase64(body, "signatureValue");
        var document = await service.CompleteAsync(id, HeadId(user), requestId, HttpInput.OptionalString(body, "nonce"), value, Actor(user), ct);
        return Results.Ok(DocumentView.From(document));
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
