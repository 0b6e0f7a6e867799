using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Service.Web;

namespace Signing.Service.Pages.Staff;

/// <summary>
/// The head's own queue: each draft awaiting their signature with its summary and page images,
/// and signing in the browser through the desk agent on this computer (agent.js; the PIN is typed
/// in the agent's own window, never here).
/// </summary>
[Authorize(Policy = Policies.SignOwnQueue)]
public sealed class QueueModel(IDocumentRegistryAccessor registry, IssuanceService service, IConfiguration configuration) : PageModel
{
    public DeskAgentLink Agent { get; private set; } = null!;

    public IReadOnlyList<(DocumentRecord Document, DocumentFacts? Facts)> Items { get; private set; } = [];
    public long Total { get; private set; }
    public bool Enrolled { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Agent = DeskAgentLink.From(configuration);
        // This page alone may connect to the desk agent's loopback origin, and to nothing else.
        Response.Headers.ContentSecurityPolicy = ConsoleSetup.ContentSecurityPolicyAllowing("connect-src", Agent.Origin);
        var head = StaffApi.HeadId(User);
        Enrolled = await service.Heads.GetAsync(head, ct) != null;
        var page = await registry.Registry.ListAsync(new DocumentQuery { Status = DocumentStatus.AwaitingSignature, SignerId = head, Limit = 100 }, ct);
        Total = page.Total;
        var items = new List<(DocumentRecord, DocumentFacts?)>(page.Items.Count);
        foreach (var d in page.Items) items.Add((d, await FactsOfAsync(d, ct)));
        Items = items;
    }

    private async Task<DocumentFacts?> FactsOfAsync(DocumentRecord d, CancellationToken ct)
    {
        try
        {
            return await service.Facts.GetAsync(d, ct);
        }
        catch (Signing.Core.SigningException)
        {
            return null;
        }
    }
}
