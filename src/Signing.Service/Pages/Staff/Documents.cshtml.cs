using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Pdf.Templates;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;
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
    /// <summary>Rows counted beyond the page shown: ten pages ahead, and at least a thousand rows.</summary>
    public const int CountAhead = 1_000;

    /// <summary>Pages the count covers; when it stopped early, the pager says "more than" this.</summary>
    public int PageCount => (int)Math.Max(1, (Result.Total - (Result.TotalIsLowerBound ? 1 : 0) + DocumentFilter.PageSize - 1) / DocumentFilter.PageSize);
    public static IReadOnlyList<DocumentStatus> Statuses { get; } = Enum.GetValues<DocumentStatus>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        Filter = DocumentFilter.Read(Request.Query);
        Heads = await service.Heads.ListAsync(ct);
        // Counting stops a thousand rows past the page shown: exact below that, "more than" above. Counting
        // every match of 100,000 rows (or the export's 10,000) cost a list page 2.5-3 times a static file.
        var offset = (Filter.Page - 1) * DocumentFilter.PageSize;
        Result = await registry.Registry.ListAsync(Filter.Query(DocumentFilter.PageSize, offset) with { CountLimit = offset + CountAhead + 1 }, ct);
    }

    public string HeadName(string? id) => id is null ? "" : Heads.FirstOrDefault(h => h.HeadId == id)?.Name ?? id[..Math.Min(12, id.Length)];
}
