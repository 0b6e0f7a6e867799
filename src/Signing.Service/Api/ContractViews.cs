using Signing.Core.CounterForms;
using Signing.Core.Documents;
using Signing.Issuance;
using Signing.Service.Contracts;

namespace Signing.Service.Api;

/// <summary>The registry's records as the API's contract records (Signing.Service.Contracts).</summary>
internal static class ContractViews
{
    public static DocumentView View(DocumentRecord d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Id, d.VerificationCode, d.DossierCode, d.Template, d.Status.ToName(), d.SignerId, d.Version, d.PdfSha256,
            d.CreatedUtc, d.UpdatedUtc, d.EndReason, d.ReplacedBy, d.Replaces, d.Failure?.Reason);
    }

    public static CounterFormView View(CounterFormRecord f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(f.Id, "mau-" + f.Kind.Number(), f.DossierCode, f.Number, f.ApplicantName, f.DueUtc, f.PdfSha256, f.CreatedUtc, $"/api/forms/{f.Id}/pdf");
    }

    public static DocumentSummary Summary(DocumentFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return new(facts.DocumentType, facts.Number, facts.ApplicantName, facts.DossierCode, facts.VerificationCode, facts.IssuingAgency, facts.Date, facts.PageCount);
    }
}
