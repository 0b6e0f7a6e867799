using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Pdf.Templates;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Service.Issuance;
using Signing.Service.Web;

namespace Signing.Service.Pages.Staff;

/// <summary>The documents list: filtered by status, dossier code, template, signer and dates; paged; exported to CSV.</summary>
[Authorize(Policy = Policies.ReadDocument)]
public sealed class DocumentsModel(IDocumentRegistryAccessor registry, IssuanceService service) : PageModel
{
    public DocumentFilter Filter { get; private set; } = new();
    public DocumentPage Result { get; private set; } = new([], 0, 0, DocumentFilter.PageSize);
    public IReadOnlyList<HeadEnrollment> Heads { get; private set; } = [];
    public IReadOnlyList<string> Templates { get; } = TemplateCatalog.BuiltIn.Ids.Order(StringComparer.Ordinal).ToList();
    public const int CountLimit = Signing.Service.Web.ConsoleEndpoints.MaxExportRows + 1;

    public int PageCount => (int)Math.Max(1, (Result.Total + DocumentFilter.PageSize - 1) / DocumentFilter.PageSize);
    public static IReadOnlyList<DocumentStatus> Statuses { get; } = Enum.GetValues<DocumentStatus>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        Filter = DocumentFilter.Read(Request.Query);
        Heads = service.Heads.All();
        // Counting stops past the export limit: exact below it, "more than" above (100,000 rows cost a count each page).
        Result = await registry.Registry.ListAsync(Filter.Query(DocumentFilter.PageSize, (Filter.Page - 1) * DocumentFilter.PageSize) with { CountLimit = CountLimit }, ct);
    }

    public string HeadName(string? id) => id is null ? "" : Heads.FirstOrDefault(h => h.HeadId == id)?.Name ?? id[..Math.Min(12, id.Length)];
}
