using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.CounterForms;
using Signing.Core.Documents;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Pages.Staff;

/// <summary>A dossier's counter forms and results, with a link to issue each form.</summary>
[Authorize(Policy = Policies.IssueCounterForm)]
public sealed class DossierFormsModel(CounterFormService forms, IDocumentRegistryAccessor registry) : PageModel
{
    public string Dossier { get; private set; } = "";
    public IReadOnlyList<CounterFormRecord> Forms { get; private set; } = [];
    public IReadOnlyList<DocumentRecord> Documents { get; private set; } = [];
    public CounterFormRecord? Issued { get; private set; }

    public async Task<IActionResult> OnGetAsync(string dossier, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(dossier) || dossier.Length > 40) return NotFound();
        Dossier = dossier.Trim();
        Forms = await forms.ListAsync(Dossier, ct);
        Documents = (await registry.Registry.ListAsync(new DocumentQuery { DossierCode = Dossier, Limit = 50 }, ct)).Items;
        if (Guid.TryParse(Request.Query["issued"], out var id)) Issued = Forms.FirstOrDefault(f => f.Id == id);
        return Page();
    }
}
