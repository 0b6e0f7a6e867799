using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Signing.Core.Documents;

using Signing.Service.Authorization;
using Signing.Service.Issuance;

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
            if (await s.FindPublicAsync(code, ct) is { } view) return Results.Content(Html(view), "text/html; charset=utf-8");
            // A person who typed or scanned the code gets a page saying what to check; API clients keep the problem+json.
            if (!AcceptsHtml(request)) throw ApiProblemException.NotFound("no issued result has this code");
            return Results.Content(NotFoundHtml(code), "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        }).PublicEndpoint();
        app.MapGet("/v/{code}/pages/{page:int}.png", async (string code, int page, IssuanceService s, CancellationToken ct) =>
        {
            var view = await s.FindPublicAsync(code, ct) ?? throw ApiProblemException.NotFound("no issued result has this code");
            var path = s.Previews.PagePath(view.Document.PdfSha256!, page) ?? throw ApiProblemException.NotFound($"the result has no page {page}");
            return Results.File(path, "image/png");
        }).PublicEndpoint();
        app.MapGet("/api/public/verify/{code}", async (string code, IssuanceService s, CancellationToken ct) =>
        {
            var view = await s.FindPublicAsync(code, ct) ?? throw ApiProblemException.NotFound("no issued result has this code");
            return Results.Ok(Json(view));
        }).PublicEndpoint();
        app.MapPost("/api/verify", async (HttpRequest request, IssuanceService s, IssuanceRuntime runtime, CancellationToken ct) =>
        {
            var pdf = await HttpInput.ReadBodyAsync(request, "application/pdf", runtime.Options.MaxUploadBytes, ct);
            if (pdf.Length < 8 || !pdf.AsSpan(0, 5).SequenceEqual("%PDF-"u8))
                throw ApiProblemException.Unprocessable("the file is not a PDF (it does not start with %PDF-)", "file");
            var code = request.Query["code"].ToString() is { Length: > 0 } c ? c : null;
            var result = await s.VerifyUploadAsync(pdf, code, ct);
            return Results.Ok(new
            {
                indication = result.Report.Indication.ToString(),
                registry = new { match = result.Match, document = result.Registered is { } r ? Json(r) : null },
                report = System.Text.Json.JsonDocument.Parse(result.Report.ToJson()).RootElement.Clone(),
            });
        }).PublicEndpoint().RequireRateLimiting(UploadRateLimitPolicy);
    }

    // Vietnamese stays readable in the page source; markup characters are still escaped.
    private static readonly System.Text.Encodings.Web.HtmlEncoder Encoder = System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    private static object Json(PublicStatus v) => new
    {
        verificationCode = v.Document.VerificationCode,
        status = v.Document.Status.ToName(),
        reason = v.Document.EndReason,
        replacedBy = v.ReplacedByCode,
        issuingAgency = v.Facts.IssuingAgency,
        documentType = v.Facts.DocumentType,
        number = v.Facts.Number,
        date = v.Facts.Date,
        issuedUtc = v.IssuedUtc,
        sha256 = v.Document.PdfSha256,
        pages = Enumerable.Range(1, v.PreviewPages).Select(n => $"/v/{v.Document.VerificationCode}/pages/{n}.png").ToArray(),
    };

    // Without it every browser asks for /favicon.ico, which the public port does not serve (401 and a console error).
    private const string NoFavicon = "<link rel=\"icon\" href=\"data:,\">";

    private static bool AcceptsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    private static string NotFoundHtml(string code)
    {
        var typed = Encoder.Encode(code);
        return "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">" + NoFavicon + "<title>Không tìm thấy kết quả</title></head><body>"
            + "<h1 id=\"not-found\">Không tìm thấy kết quả (not found)</h1>"
            + "<p>Mã tra cứu <code id=\"code\">" + typed + "</code> không khớp với kết quả nào đã ban hành.</p>"
            + "<p>Hãy kiểm tra lại mã in trên văn bản (dạng XXXX-XXXX-XXX) hoặc quét lại mã QR; nếu vẫn không thấy, liên hệ cơ quan đã cấp văn bản.</p>"
            + "</body></html>";
    }

    private static string Html(PublicStatus v)
    {
        static string E(string? s) => Encoder.Encode(s ?? "");
        var (label, colour) = v.Document.Status switch
        {
            DocumentStatus.Issued => ("Đang có hiệu lực (issued)", "#0a6b2d"),
            DocumentStatus.Revoked => ("Đã bị thu hồi (revoked)", "#a40000"),
            _ => ("Đã được thay thế (superseded)", "#8a5a00"),
        };
        var issued = v.IssuedUtc?.ToOffset(TimeSpan.FromHours(7)).ToString("HH:mm:ss dd/MM/yyyy '+07:00'", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">").Append(NoFavicon).Append("<title>Tra cứu kết quả ").Append(E(v.Document.VerificationCode)).Append("</title></head><body>");
        sb.Append("<h1>").Append(E(v.Facts.DocumentType)).Append(" số ").Append(E(v.Facts.Number)).Append("</h1>");
        sb.Append("<p id=\"status\" data-status=\"").Append(E(v.Document.Status.ToName())).Append("\" style=\"color:").Append(colour).Append("\"><strong>").Append(E(label)).Append("</strong></p>");
        if (v.Document.EndReason != null) sb.Append("<p id=\"reason\">Lý do: ").Append(E(v.Document.EndReason)).Append("</p>");
        if (v.ReplacedByCode != null) sb.Append("<p>Thay thế bởi: <a href=\"/v/").Append(E(v.ReplacedByCode)).Append("\">").Append(E(v.ReplacedByCode)).Append("</a></p>");
        sb.Append("<dl><dt>Cơ quan ban hành</dt><dd id=\"agency\">").Append(E(v.Facts.IssuingAgency)).Append("</dd>");
        sb.Append("<dt>Ngày văn bản</dt><dd>").Append(E(v.Facts.Date)).Append("</dd>");
        sb.Append("<dt>Thời điểm ban hành</dt><dd>").Append(E(issued)).Append("</dd>");
        sb.Append("<dt>Mã tra cứu</dt><dd>").Append(E(v.Document.VerificationCode)).Append("</dd>");
        sb.Append("<dt>SHA-256</dt><dd id=\"sha256\"><code>").Append(E(v.Document.PdfSha256)).Append("</code></dd></dl>");
        for (var n = 1; n <= v.PreviewPages; n++)
        {
            var src = $"/v/{v.Document.VerificationCode}/pages/{n}.png";
            sb.Append("<p><a href=\"").Append(E(src)).Append("\"><img src=\"").Append(E(src)).Append("\" alt=\"Trang ").Append(n).Append("\"></a></p>");
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }

}
