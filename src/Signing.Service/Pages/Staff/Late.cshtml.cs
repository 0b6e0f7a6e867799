using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.CounterForms;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Pages.Staff;

/// <summary>Dossiers past their promised return date (Mẫu 01, or the last Mẫu 04), most overdue first, each with its apology to draft.</summary>
[Authorize(Policy = Policies.IssueCounterForm)]
public sealed class LateModel(CounterFormService forms, TimeProvider time) : PageModel
{
    public const int Shown = 200;

    public IReadOnlyList<LateDossier> Late { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Now = time.GetUtcNow();
        Late = await forms.ListLateAsync(Shown, ct);
    }
}
