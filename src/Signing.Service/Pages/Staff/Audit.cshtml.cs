using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.Documents;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Validation;

namespace Signing.Service.Pages.Staff;

/// <summary>The auditor's page: the audit chain's head, and on request the whole chain and its TSA anchors checked, with the first broken record or anchor named.</summary>
[Authorize(Policy = Policies.ReadAudit)]
public sealed class AuditModel(IssuanceRuntime runtime) : PageModel
{
    public AuditHead Head { get; private set; } = new(0, AuditChain.GenesisHash);
    public AuditVerification? Verification { get; private set; }
    public AuditRecord? Broken { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Head = await runtime.Storage.Audit.GetHeadAsync(ct);

    public async Task OnPostAsync(CancellationToken ct)
    {
        Head = await runtime.Storage.Audit.GetHeadAsync(ct);
        Verification = await runtime.Storage.Audit.VerifyAsync(new AuditAnchorTokenCheck(runtime.VerificationPolicy), ct);
        if (Verification.Problem is { } p)
            Broken = (await runtime.Storage.Audit.ReadAsync(p.Seq, 1, ct)).FirstOrDefault(r => r.Seq == p.Seq);
    }
}
