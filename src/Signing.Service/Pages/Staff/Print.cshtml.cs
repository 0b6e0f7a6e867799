using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Pages.Staff;

/// <summary>
/// The paper copy of a result: its page images one to a printed sheet (the print stylesheet hides
/// everything else), and the PDF itself inline for a full-quality print of the same pages.
/// </summary>
[Authorize(Policy = Policies.PrintDocument)]
public sealed class PrintModel(IssuanceService service) : PageModel
{
    public DocumentRecord Document { get; private set; } = null!;
    public int Pages { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        Document = await service.GetAsync(id, ct);
        if (Document.PdfSha256 is null) return NotFound();
        // The sheets' images come from the preview endpoint, which renders them on first request.
        Pages = (await service.Facts.GetAsync(Document, ct)).PageCount;
        return Page();
    }

    /// <summary>The PDF inline (no download name), so the browser's viewer prints it at full quality.</summary>
    public async Task<IActionResult> OnGetPdfAsync(Guid id, CancellationToken ct)
    {
        var d = await service.GetAsync(id, ct);
        if (d.PdfSha256 is null) return NotFound();
        return File(await service.GetPdfAsync(d, ct), "application/pdf");
    }
}
