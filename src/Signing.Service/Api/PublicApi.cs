using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Signing.Core.Documents;

using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Api;

/// <summary>The anonymous endpoints of the public port: status by code, previews, and upload verification.</summary>
public static class PublicApi
{
    public const string UploadRateLimitPolicy = "verify-upload";

    /// <summary>Fixed-window limit per client address for uploads; a refusal is a 429 problem.</summary>
    public static void AddUploadRateLimit(IServiceCollection services, int permitsPerMinute)
    {
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await Results.Problem(statusCode: 429, title: "Too Many Requests",
                    detail: $"at most {permitsPerMinute} verifications a minute from one address; try again later").ExecuteAsync(context.HttpContext);
            };
            options.AddPolicy(UploadRateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = permitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/v/{code}", async (string code, HttpRequest request, IssuanceService s, CancellationToken ct) =>
        {
            if (await s.FindPublicAsync(code, ct) is { } view) return Page(PublicPages.Status(view, s.OriginalPath(view.Document.VerificationCode)));
            // A person who typed or scanned the code gets a page saying what to check; API clients keep the problem+json.
            if (!AcceptsHtml(request)) throw ApiProblemException.NotFound("no issued result has this code");
            return Page(PublicPages.NotFound(code), StatusCodes.Status404NotFound);
        }).PublicEndpoint().Produces(200, typeof(string), "text/html").PublicProblems(404);
        // The page's upload form: the same report as POST /api/verify, told for people, with the code of the page.
        app.MapPost("/v/{code}", async (string code, HttpRequest request, IssuanceService s, IssuanceRuntime runtime, CancellationToken ct) =>
        {
            if (await s.FindPublicAsync(code, ct) is not { } view) return Page(PublicPages.NotFound(code), StatusCodes.Status404NotFound);
            var original = s.OriginalPath(view.Document.VerificationCode);
            var (pdf, error, detail, status) = await ReadUploadedFormFileAsync(request, runtime.Options.MaxUploadBytes, ct);
            if (pdf is null) return Page(PublicPages.Status(view, original, error: error, errorDetail: detail), status);
            try
            {
                var result = await s.VerifyUploadAsync(pdf, view.Document.VerificationCode, ct);
                return Page(PublicPages.Status(view, original, result.Report));
            }
            catch (ApiProblemException e) when (e.Status == StatusCodes.Status422UnprocessableEntity)
            {
                return Page(PublicPages.Status(view, original, error: PublicPageText.NotReadable, errorDetail: e.Message), e.Status);
            }
        }).PublicEndpoint().RequireRateLimiting(UploadRateLimitPolicy).Body<IFormFile>("multipart/form-data")
            .Produces(200, typeof(string), "text/html").Produces(400, typeof(string), "text/html").Produces(404, typeof(string), "text/html")
            .Produces(413, typeof(string), "text/html").Produces(422, typeof(string), "text/html").PublicProblems(429);
        // Anyone who has the code sees its status and previews, so anyone who has it may also download what was issued.
        app.MapGet("/v/{code}/original.pdf", async (string code, IssuanceService s, CancellationToken ct) =>
        {
            var view = await s.FindPublicAsync(code, ct) ?? throw ApiProblemException.NotFound("no issued result has this code");
            return Results.File(await s.GetPdfAsync(view.Document, ct), "application/pdf", view.Document.VerificationCode + ".pdf");
        }).PublicEndpoint().Produces(200, typeof(Stream), "application/pdf").PublicProblems(404);
        app.MapGet("/v/{code}/pages/{page:int}.png", async (string code, int page, IssuanceService s, CancellationToken ct) =>
        {
            var view = await s.FindPublicAsync(code, ct) ?? throw ApiProblemException.NotFound("no issued result has this code");
            var path = await s.Previews.PageAsync(view.Document.PdfSha256!, page, c => s.GetPdfAsync(view.Document, c), ct)
                ?? throw ApiProblemException.NotFound($"the result has no page {page}");
            return Results.File(path, "image/png");
        }).PublicEndpoint().Produces(200, typeof(Stream), "image/png").PublicProblems(404);
        app.MapGet("/api/public/verify/{code}", async Task<Ok<Signing.Validation.IssuedResult>> (string code, IssuanceService s, CancellationToken ct) =>
        {
            var view = await s.FindPublicAsync(code, ct) ?? throw ApiProblemException.NotFound("no issued result has this code");
            return TypedResults.Ok(s.IssuedResultOf(view));
        }).WithName("GetPublicStatus").PublicEndpoint().PublicProblems(404);
        // The body is the verification report itself (docs/verification-report.md), the same JSON `signing verify --json` prints.
        app.MapPost("/api/verify", async (string? code, HttpRequest request, IssuanceService s, IssuanceRuntime runtime, CancellationToken ct) =>
        {
            var pdf = await HttpInput.ReadBodyAsync(request, "application/pdf", runtime.Options.MaxUploadBytes, ct);
            if (!LooksLikePdf(pdf)) throw ApiProblemException.Unprocessable("the file is not a PDF (it does not start with %PDF-)", "file");
            code = code is { Length: > 0 } ? code : null;
            var result = await s.VerifyUploadAsync(pdf, code, ct);
            return Results.Text(result.Report.ToJson(), "application/json; charset=utf-8");
        }).WithName("VerifyUpload").PublicEndpoint().RequireRateLimiting(UploadRateLimitPolicy).Body<Stream>("application/pdf")
            .Produces<Signing.Validation.VerificationReport>(200).PublicProblems(400, 413, 415, 422, 429);
    }

    private static bool LooksLikePdf(byte[] pdf) => pdf.Length >= 8 && pdf.AsSpan(0, 5).SequenceEqual("%PDF-"u8);

    private static IResult Page(string html, int status = StatusCodes.Status200OK) => Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);

    /// <summary>The form's one file, within the upload limit; a refusal is said on the page (a person sent it), not as problem+json.</summary>
    private static async Task<(byte[]? Pdf, Signing.Validation.Bilingual? Error, string? Detail, int Status)> ReadUploadedFormFileAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (!request.HasFormContentType) return (null, PublicPageText.NoFile, null, StatusCodes.Status400BadRequest);
        if (request.ContentLength > maxBytes + 64 * 1024) return (null, PublicPageText.TooLarge, null, StatusCodes.Status413PayloadTooLarge);
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = maxBytes + 64 * 1024, ValueCountLimit = 8, KeyLengthLimit = 64 }, ct);
        }
        catch (InvalidDataException)
        {
            return (null, PublicPageText.TooLarge, null, StatusCodes.Status413PayloadTooLarge);
        }

        if (form.Files.GetFile("file") is not { Length: > 0 } file) return (null, PublicPageText.NoFile, null, StatusCodes.Status400BadRequest);
        if (file.Length > maxBytes) return (null, PublicPageText.TooLarge, null, StatusCodes.Status413PayloadTooLarge);
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, ct);
        var pdf = buffer.ToArray();
        return LooksLikePdf(pdf) ? (pdf, null, null, StatusCodes.Status200OK) : (null, PublicPageText.NotReadable, "%PDF-", StatusCodes.Status422UnprocessableEntity);
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
