using System.Globalization;
using System.Security.Claims;
using System.Text;
using Signing.Core.Documents;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Web;

/// <summary>The console's non-page answers: the list as CSV and page previews as PNG.</summary>
internal static class ConsoleEndpoints
{
    /// <summary>Rows one export may hold; a larger selection is refused with a hint to narrow the filters.</summary>
    public const int MaxExportRows = 10_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/console/documents.csv", ExportCsv).StaffEndpoint(Policies.ReadDocument);
        app.MapGet("/console/documents/{id:guid}/pages/{page:int}.png", async (Guid id, int page, IssuanceService s, CancellationToken ct) =>
            await PreviewAsync(await s.GetAsync(id, ct), page, s, ct)).StaffEndpoint(Policies.ReadDocument);
        // The head looks at the drafts of their own queue, and only those.
        app.MapGet("/console/queue/{id:guid}/pages/{page:int}.png", async (Guid id, int page, IssuanceService s, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var d = await s.GetAsync(id, ct);
            if (!string.Equals(d.SignerId, StaffApi.HeadId(user), StringComparison.Ordinal)) throw ApiProblemException.Forbidden($"document {d.VerificationCode} is not in your queue");
            return await PreviewAsync(d, page, s, ct);
        }).StaffEndpoint(Policies.SignOwnQueue);
    }

    /// <summary>
    /// A page image of the document's current PDF, rasterised from our own stored file on first
    /// request; the browser never opens the PDF itself.
    /// </summary>
    private static async Task<IResult> PreviewAsync(DocumentRecord d, int page, IssuanceService s, CancellationToken ct)
    {
        if (d.PdfSha256 is not { } sha) throw ApiProblemException.NotFound($"document {d.VerificationCode} has no PDF");
        var path = await s.Previews.PageAsync(sha, page, c => s.GetPdfAsync(d, c), ct) ?? throw ApiProblemException.NotFound($"the document has no page {page}");
        return Results.File(path, "image/png");
    }

    private static async Task ExportCsv(HttpContext http, IDocumentRegistryAccessor registry, CancellationToken ct)
    {
        var filter = DocumentFilter.Read(http.Request.Query);
        if (filter.Invalid.Count > 0) throw ApiProblemException.BadRequest($"'{filter.Invalid[0]}' is not a valid filter value", filter.Invalid[0]);
        var first = await registry.Registry.ListAsync(filter.Query(DocumentQuery.MaxLimit, 0), ct);
        if (first.Total > MaxExportRows)
            throw ApiProblemException.BadRequest($"{first.Total} documents match; an export holds at most {MaxExportRows}: narrow the filters (e.g. the dates)", "from");

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"documents.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        await writer.WriteAsync("verificationCode,dossierCode,template,status,signer,createdAt,updatedAt,pdfSha256,endReason\r\n");
        var page = first;
        while (true)
        {
            foreach (var d in page.Items)
            {
                var cells = new[]
                {
                    d.VerificationCode, d.DossierCode, d.Template, d.Status.ToName(), d.SignerId, Iso(d.CreatedUtc), Iso(d.UpdatedUtc), d.PdfSha256, d.EndReason ?? d.Failure?.Reason,
                };
                await writer.WriteAsync(string.Join(',', cells.Select(Cell)) + "\r\n");
            }
            if (!page.HasMore) break;
            page = await registry.Registry.ListAsync(filter.Query(DocumentQuery.MaxLimit, page.Offset + page.Items.Count), ct);
        }
    }

    private static string Iso(DateTimeOffset t) => t.ToOffset(VietnamTime.Offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 quoting, and a leading ' before what a spreadsheet would run as a formula.</summary>
    internal static string Cell(string? value)
    {
        var v = value ?? "";
        if (v.Length > 0 && "=+-@\t\r".Contains(v[0], StringComparison.Ordinal)) v = "'" + v;
        return v.IndexOfAny([',', '"', '\r', '\n']) >= 0 || v.StartsWith('\'') ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;
    }
}
