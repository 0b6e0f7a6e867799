using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Service.Issuance;

namespace Signing.Service.Pages.Staff;

/// <summary>The head's own queue: each draft awaiting their signature with its summary and page images.</summary>
[Authorize(Policy = Policies.SignOwnQueue)]
public sealed class QueueModel(IDocumentRegistryAccessor registry, IssuanceService service) : PageModel
{
    public IReadOnlyList<(DocumentRecord Document, DocumentFacts? Facts)> Items { get; private set; } = [];
    public long Total { get; private set; }
    public bool Enrolled { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var head = StaffApi.HeadId(User);
        Enrolled = service.Heads.Get(head) != null;
        var page = await registry.Registry.ListAsync(new DocumentQuery { Status = DocumentStatus.AwaitingSignature, SignerId = head, Limit = 100 }, ct);
        Total = page.Total;
        Items = page.Items.Select(d => (d, FactsOf(d))).ToList();
    }

    private DocumentFacts? FactsOf(DocumentRecord d)
    {
        try
        {
            return service.Facts.Get(d.VerificationCode);
        }
        catch (Signing.Core.SigningException)
        {
            return null;
        }
    }
}
