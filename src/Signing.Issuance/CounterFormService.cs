using System.Security.Cryptography;
using Signing.Core.CounterForms;
using Signing.Core.Decisions;
using Signing.Pdf.Rendering;

namespace Signing.Issuance;

/// <summary>
/// Issues the Decree 61 counter forms of a dossier: validate per field, render PDF/A with the
/// form's template, then one registry transaction (row + audit record), idempotent by key.
/// Forms are paper the officer (and for Mẫu 01 the submitter) signs by hand: no PAdES signature,
/// no verification code or QR (docs/counter-forms.md).
/// </summary>
public sealed class CounterFormService(IssuanceRuntime runtime, TimeProvider time)
{
    private ICounterFormRegistry Forms => runtime.Storage.CounterForms;

    public async Task<(CounterFormRecord Form, bool Created)> IssueAsync(CounterFormRequest request, string idempotencyKey, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var decision = CounterFormValidator.ToDecision(request);
        var json = CounterFormJson.Serialize(request);
        var rendered = ResultRenderer.Render(decision, new RenderOptions
        {
            VerificationBaseUrl = runtime.Options.VerificationBaseUrl,
            Clock = time,
            VerificationFooter = false,
        });
        return await Forms.IssueAsync(new NewCounterForm
        {
            Kind = request.Kind,
            DossierCode = decision.DossierCode,
            Number = $"{decision.Number}/{decision.Symbol}",
            ApplicantName = decision.Applicant.Name,
            DueUtc = CounterFormValidator.Due(request),
            RequestJson = System.Text.Encoding.UTF8.GetString(json),
            Pdf = rendered.Pdf,
        }, idempotencyKey, Convert.ToHexStringLower(SHA256.HashData(json)), actor, ct).ConfigureAwait(false);
    }

    public async Task<CounterFormRecord> GetAsync(Guid id, CancellationToken ct) =>
        await Forms.GetAsync(id, ct).ConfigureAwait(false) ?? throw Refuse.NotFound($"no counter form {id}");

    public Task<byte[]> GetPdfAsync(CounterFormRecord form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        return runtime.Storage.Blobs.GetAsync(form.PdfSha256, ct);
    }

    public Task<IReadOnlyList<CounterFormRecord>> ListAsync(string dossierCode, CancellationToken ct) => Forms.ListByDossierAsync(dossierCode, ct);

    public Task<IReadOnlyList<LateDossier>> ListLateAsync(int limit, CancellationToken ct) => Forms.ListLateAsync(time.GetUtcNow(), limit, ct);

    /// <summary>
    /// A new form of <paramref name="kind"/> for a dossier, filled from its latest form (the officer
    /// checks and completes it). For an apology: the missed date is the latest promise, the new
    /// date a week after today at the same hour, and the signer fields are left for the head.
    /// </summary>
    public async Task<CounterFormRequest> DraftAsync(CounterFormKind kind, string dossierCode, CancellationToken ct)
    {
        var forms = await Forms.ListByDossierAsync(dossierCode, ct).ConfigureAwait(false);
        var today = time.GetUtcNow().ToOffset(ResultRenderer.VietnamOffset);
        var fresh = new CounterFormRequest { Kind = kind, DossierCode = dossierCode.Trim(), Date = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) };
        if (forms.Count == 0) return fresh;
        var latest = CounterFormJson.Parse(System.Text.Encoding.UTF8.GetBytes(forms[^1].RequestJson), kind);
        var draft = fresh with
        {
            ParentAgency = latest.ParentAgency,
            Agency = latest.Agency,
            Place = latest.Place,
            ProcedureCode = latest.ProcedureCode,
            RequestContent = latest.RequestContent,
            ApplicantName = latest.ApplicantName,
            ApplicantAddress = latest.ApplicantAddress,
            ApplicantPhone = latest.ApplicantPhone,
            ApplicantEmail = latest.ApplicantEmail,
            OfficerName = kind == CounterFormKind.Apology ? "" : latest.OfficerName,
            ReceivedAt = forms.Where(f => f.Kind == CounterFormKind.Receipt).Select(f => CounterFormJson.Parse(System.Text.Encoding.UTF8.GetBytes(f.RequestJson), f.Kind).ReceivedAt).LastOrDefault(),
        };
        if (kind == CounterFormKind.Apology && forms.LastOrDefault(f => f.DueUtc != null) is { DueUtc: { } due })
        {
            var missed = due.ToOffset(ResultRenderer.VietnamOffset);
            var next = new DateTimeOffset(today.Date.AddDays(7).Add(missed.TimeOfDay), ResultRenderer.VietnamOffset);
            draft = draft with
            {
                ReturnAt = missed.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                NewReturnAt = next.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        return draft;
    }
}
