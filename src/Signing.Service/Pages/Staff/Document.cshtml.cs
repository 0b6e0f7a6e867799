using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Pages.Staff;

/// <summary>One document: status, facts, the links to what it replaced or was replaced by, its audit trail and page previews.</summary>
[Authorize(Policy = Policies.ReadDocument)]
public sealed class DocumentModel(IssuanceService service, IDocumentRegistryAccessor registry) : PageModel
{
    public DocumentRecord Document { get; private set; } = null!;
    public DocumentFacts? Facts { get; private set; }
    public IReadOnlyList<AuditRecord> History { get; private set; } = [];
    public string? ReplacedByCode { get; private set; }
    public string? ReplacesCode { get; private set; }
    public string? SignerName { get; private set; }

    /// <summary>True right after the intake form created it.</summary>
    public bool Created { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        if (await registry.Registry.GetAsync(id, ct) is not { } document) return NotFound();
        Document = document;
        try
        {
            Facts = await service.Facts.GetAsync(document, ct);
        }
        catch (Signing.Core.SigningException)
        {
            Facts = null; // the page still shows the registry's own record
        }
        History = await registry.Registry.GetHistoryAsync(id, ct);
        if (document.ReplacedBy is { } r) ReplacedByCode = (await registry.Registry.GetAsync(r, ct))?.VerificationCode;
        if (document.Replaces is { } p) ReplacesCode = (await registry.Registry.GetAsync(p, ct))?.VerificationCode;
        SignerName = document.SignerId is { } s ? (await service.Heads.GetAsync(s, ct))?.Name ?? s : null;
        Created = Request.Query["created"] == "1";
        return Page();
    }
}
