using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Pages.Staff;

/// <summary>
/// The admin's page: revoke an issued result, or mark it superseded by its corrected result, with a
/// reason. Both go through the same use cases as the API (one transaction and one audit record; a
/// repeated press is answered with the document as it already is).
/// </summary>
[Authorize(Policy = Policies.Revoke)]
public sealed class RevokeModel(IssuanceService service, IDocumentRegistryAccessor registry) : PageModel
{
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public string? Reason { get; set; }
    [BindProperty] public string? ReplacementCode { get; set; }

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);
    public DocumentRecord? Done { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostRevokeAsync(CancellationToken ct)
    {
        var document = await FindAsync(Code, "code", ct);
        if (string.IsNullOrWhiteSpace(Reason)) Errors["reason"] = "reason";
        if (document is null || Errors.Count > 0) return Page();
        return await RunAsync(() => service.RevokeAsync(document.Id, Reason!.Trim(), StaffApi.Actor(User), ct));
    }

    /// <summary>Supersede is its own policy; the page refuses it to an admin role that lacks it (today the same role holds both).</summary>
    public async Task<IActionResult> OnPostSupersedeAsync([FromServices] IAuthorizationService authorization, CancellationToken ct)
    {
        if (!(await authorization.AuthorizeAsync(User, Policies.Supersede)).Succeeded) return Forbid();
        var document = await FindAsync(Code, "code", ct);
        var replacement = await FindAsync(ReplacementCode, "replacementCode", ct);
        if (string.IsNullOrWhiteSpace(Reason)) Errors["reason"] = "reason";
        if (document is null || replacement is null || Errors.Count > 0) return Page();
        return await RunAsync(async () => (await service.SupersedeAsync(document.Id, replacement.Id, Reason!.Trim(), StaffApi.Actor(User), ct)).Superseded);
    }

    private async Task<IActionResult> RunAsync(Func<Task<DocumentRecord>> action)
    {
        try
        {
            Done = await action();
        }
        catch (ApiProblemException e)
        {
            Errors[e.Field == "replacementId" ? "replacementCode" : "$"] = e.Message;
            Response.StatusCode = e.Status;
        }
        catch (IllegalTransitionException e)
        {
            Errors["$"] = e.Message;
            Response.StatusCode = StatusCodes.Status409Conflict;
        }
        return Page();
    }

    private async Task<DocumentRecord?> FindAsync(string? code, string field, CancellationToken ct)
    {
        string normalized;
        try
        {
            normalized = Signing.Pdf.Rendering.VerificationCode.Normalize(code ?? "");
        }
        catch (Signing.Core.SigningException)
        {
            Errors[field] = "shape";
            return null;
        }
        var d = await registry.Registry.GetByCodeAsync(normalized, ct);
        if (d is null) Errors[field] = "unknown";
        return d;
    }
}
