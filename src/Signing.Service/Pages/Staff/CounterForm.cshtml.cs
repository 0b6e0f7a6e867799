using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Core.CounterForms;
using Signing.Core.Decisions;
using Signing.Core.Documents;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service.Pages.Staff;

/// <summary>One paper row of Mẫu 01 as typed (copies as text, so a wrong number is a field error, not a binding failure).</summary>
public sealed class PaperInput
{
    public string? Name { get; set; }
    public string? Form { get; set; }
    public string? Copies { get; set; }
}

/// <summary>The counter form's fields as the page posts them; <see cref="ToRequest"/> makes the use case's request.</summary>
public sealed class CounterFormInput
{
    public string IdempotencyKey { get; set; } = "";
    public string? ParentAgency { get; set; }
    public string? Agency { get; set; }
    public string? Number { get; set; }
    public string? Place { get; set; }
    public string? Date { get; set; }
    public string? ProcedureCode { get; set; }
    public string? RequestContent { get; set; }
    public string? ApplicantName { get; set; }
    public string? ApplicantAddress { get; set; }
    public string? ApplicantPhone { get; set; }
    public string? ApplicantEmail { get; set; }
    public string? OfficerName { get; set; }
    public string? OfficerTitle { get; set; }
    public string? Authority { get; set; }
    public List<PaperInput> Papers { get; set; } = [];
    public string? Sets { get; set; }
    public string? ProcessingDays { get; set; }
    public string? ReceivedAt { get; set; }
    public string? ReturnAt { get; set; }
    public string? NewReturnAt { get; set; }
    public string? DeliveryPlace { get; set; }

    /// <summary>Mẫu 02: one item a line.</summary>
    public string? Items { get; set; }

    public string? Reason { get; set; }
    public string? Contact { get; set; }

    /// <summary>Blank paper rows are dropped; numbers that do not parse are reported by field.</summary>
    public CounterFormRequest ToRequest(CounterFormKind kind, string dossier, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var papers = new List<DossierPaper>();
        foreach (var p in Papers.Where(p => !string.IsNullOrWhiteSpace(p.Name) || !string.IsNullOrWhiteSpace(p.Copies)))
        {
            var i = papers.Count;
            var copies = ParseCount(p.Copies, $"papers[{i}].copies", $"Số lượng của giấy tờ thứ {i + 1} phải là một số", errors, 1);
            papers.Add(new DossierPaper(p.Name ?? "", p.Form ?? "", copies));
        }

        return new CounterFormRequest
        {
            Kind = kind,
            DossierCode = dossier,
            ParentAgency = ParentAgency,
            Agency = Agency ?? "",
            Number = Number ?? "",
            Place = Place ?? "",
            Date = Date ?? "",
            ProcedureCode = ProcedureCode ?? "",
            RequestContent = RequestContent ?? "",
            ApplicantName = ApplicantName ?? "",
            ApplicantAddress = ApplicantAddress,
            ApplicantPhone = ApplicantPhone,
            ApplicantEmail = ApplicantEmail,
            OfficerName = OfficerName ?? "",
            OfficerTitle = OfficerTitle,
            Authority = Authority,
            Papers = papers,
            Sets = kind == CounterFormKind.Receipt ? ParseCount(Sets, "sets", "Số lượng hồ sơ phải là một số", errors, 1) : 1,
            ProcessingDays = kind == CounterFormKind.Receipt ? ParseCount(ProcessingDays, "processingDays", "Thời gian giải quyết phải là một số ngày", errors, 0) : 0,
            ReceivedAt = ReceivedAt,
            ReturnAt = ReturnAt,
            NewReturnAt = NewReturnAt,
            DeliveryPlace = DeliveryPlace,
            Items = (Items ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList(),
            Reason = Reason,
            Contact = Contact,
        };
    }

    public static CounterFormInput From(CounterFormRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new()
        {
            IdempotencyKey = Guid.NewGuid().ToString(),
            ParentAgency = r.ParentAgency,
            Agency = r.Agency,
            Number = r.Number,
            Place = r.Place,
            Date = r.Date,
            ProcedureCode = r.ProcedureCode,
            RequestContent = r.RequestContent,
            ApplicantName = r.ApplicantName,
            ApplicantAddress = r.ApplicantAddress,
            ApplicantPhone = r.ApplicantPhone,
            ApplicantEmail = r.ApplicantEmail,
            OfficerName = r.OfficerName,
            OfficerTitle = r.OfficerTitle,
            Authority = r.Authority,
            Papers = r.Papers.Select(p => new PaperInput { Name = p.Name, Form = p.Form, Copies = p.Copies.ToString(CultureInfo.InvariantCulture) }).ToList(),
            Sets = r.Sets.ToString(CultureInfo.InvariantCulture),
            ProcessingDays = r.ProcessingDays > 0 ? r.ProcessingDays.ToString(CultureInfo.InvariantCulture) : null,
            ReceivedAt = r.ReceivedAt,
            ReturnAt = r.ReturnAt,
            NewReturnAt = r.NewReturnAt,
            DeliveryPlace = r.DeliveryPlace,
            Items = string.Join('\n', r.Items),
            Reason = r.Reason,
            Contact = r.Contact,
        };
    }

    private static int ParseCount(string? value, string field, string message, List<FieldError> errors, int fallback)
    {
        if (string.IsNullOrWhiteSpace(value)) return fallback == 1 ? 1 : 0;
        if (int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        errors.Add(new FieldError(field, message));
        return fallback;
    }
}

/// <summary>
/// Issue one counter form (Mẫu 01-04) for a dossier, filled from the dossier's latest form. The
/// same use case as the API: per-field checks in Vietnamese, PDF/A, one transaction and audit record;
/// the idempotency key is made when the page is shown, so pressing twice issues once.
/// </summary>
[Authorize(Policy = Policies.IssueCounterForm)]
public sealed class CounterFormModel(CounterFormService forms, IDocumentRegistryAccessor registry, IssuanceService issuance) : PageModel
{
    /// <summary>Blank paper rows shown after the filled ones (no script needed to add a row).</summary>
    public const int SparePaperRows = 3;

    [BindProperty] public CounterFormInput Form { get; set; } = new();

    public CounterFormKind Kind { get; private set; }
    public string Dossier { get; private set; } = "";
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);

    public async Task<IActionResult> OnGetAsync(string dossier, string kind, CancellationToken ct)
    {
        if (!Resolve(dossier, kind)) return NotFound();
        var draft = await forms.DraftAsync(Kind, Dossier, ct);
        if (string.IsNullOrEmpty(draft.ApplicantName)) draft = await FromDocumentAsync(draft, ct);
        Form = CounterFormInput.From(draft);
        if (Kind == CounterFormKind.Receipt && Form.Papers.Count == 0) Form.Sets = "1";
        Pad();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string dossier, string kind, CancellationToken ct)
    {
        if (!Resolve(dossier, kind)) return NotFound();
        var errors = new List<FieldError>();
        var request = Form.ToRequest(Kind, Dossier, errors);
        errors.AddRange(CounterFormValidator.Check(request).Where(e => !errors.Any(x => x.Field == e.Field)));
        if (string.IsNullOrWhiteSpace(Form.IdempotencyKey)) Form.IdempotencyKey = Guid.NewGuid().ToString();
        if (errors.Count == 0)
        {
            try
            {
                var (record, _) = await forms.IssueAsync(request, "form:" + Form.IdempotencyKey.Trim(), StaffApi.Actor(User), ct);
                return Redirect($"/console/dossiers/{Uri.EscapeDataString(Dossier)}/forms?issued={record.Id}");
            }
            catch (DecisionValidationException e)
            {
                errors.AddRange(e.Errors);
            }
            catch (IdempotencyConflictException e)
            {
                errors.Add(new FieldError("$", e.Message));
            }
        }

        foreach (var e in errors)
        {
            if (!Errors.TryGetValue(e.Field, out var list)) Errors[e.Field] = list = [];
            list.Add(e.Message);
        }

        Pad();
        return Page();
    }

    public string? ErrorId(string field) => Errors.ContainsKey(field) ? "err-" + field.Replace('.', '-').Replace('[', '-').Replace(']', '-') : null;

    private bool Resolve(string dossier, string kind)
    {
        if (CounterFormKinds.Parse(kind) is not { } k || string.IsNullOrWhiteSpace(dossier) || dossier.Length > 40) return false;
        Kind = k;
        Dossier = dossier.Trim();
        return true;
    }

    private void Pad()
    {
        if (Kind != CounterFormKind.Receipt) return;
        while (Form.Papers.Count < Math.Max(SparePaperRows, Form.Papers.Count(p => !string.IsNullOrWhiteSpace(p.Name)) + SparePaperRows))
            Form.Papers.Add(new PaperInput { Copies = "" });
    }

    /// <summary>A dossier with no form yet but with a registered result: start from that result's facts.</summary>
    private async Task<CounterFormRequest> FromDocumentAsync(CounterFormRequest draft, CancellationToken ct)
    {
        var page = await registry.Registry.ListAsync(new DocumentQuery { DossierCode = Dossier, Limit = 1 }, ct);
        if (page.Items.Count == 0) return draft;
        try
        {
            var facts = await issuance.Facts.GetAsync(page.Items[0], ct);
            return draft with { Agency = facts.IssuingAgency, Place = facts.Place, ApplicantName = facts.ApplicantName };
        }
        catch (Signing.Core.SigningException)
        {
            return draft;
        }
    }
}
