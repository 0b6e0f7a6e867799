using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Pages.Staff;

/// <summary>The seal operator's page: documents the head has signed, each sealed and issued with one button.</summary>
[Authorize(Policy = Policies.Seal)]
public sealed class SealModel(IDocumentRegistryAccessor registry, IssuanceService service) : PageModel
{
    public DocumentPage Waiting { get; private set; } = new([], 0, 0, 1);
    public string? IssuedCode { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        IssuedCode = Request.Query["issued"].ToString() is { Length: > 0 } c ? c : null;
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken ct)
    {
        try
        {
            // Idempotent: a repeated press continues from the last committed step, never seals twice.
            var d = await service.SealAndIssueAsync(id, StaffApi.Actor(User), ct);
            return Redirect("/console/seal?issued=" + Uri.EscapeDataString(d.VerificationCode));
        }
        catch (ApiProblemException e)
        {
            Error = e.Message;
            Response.StatusCode = e.Status;
            await LoadAsync(ct);
            return Page();
        }
    }

    private async Task LoadAsync(CancellationToken ct) =>
        Waiting = await registry.Registry.ListAsync(new DocumentQuery { Status = DocumentStatus.Signed, Limit = 100 }, ct);
}
