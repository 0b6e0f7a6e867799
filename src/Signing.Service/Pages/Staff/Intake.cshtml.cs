using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Signing.Core.Decisions;
using Signing.Core.Documents;
using Signing.Pdf.Templates;
using Signing.Service.Api;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Service.Web;

namespace Signing.Service.Pages.Staff;

/// <summary>
/// Intake: an approved decision typed into the form, or the JSON the one-stop software exports,
/// submitted through the same use case as POST /api/documents (validation, rendering, registry,
/// the head's queue). The idempotency key is made when the form is shown, so pressing the button
/// twice or reloading the answer registers one document.
/// </summary>
[Authorize(Policy = Policies.SubmitDocument)]
public sealed class IntakeModel(IssuanceService service, IStringLocalizer<ConsoleText> t) : PageModel
{
    /// <summary>The form fields the validator's paths map to; anything else is shown as a general error.</summary>
    public static readonly IReadOnlyList<string> FormFields =
    [
        "signer", "template", "parentAgency", "issuingAgency", "number", "symbol", "place", "date", "documentType", "summary", "body", "fields",
        "authority", "signerTitle", "signerName", "recipients", "dossierCode", "procedureCode",
        "applicant.name", "applicant.address", "applicant.idNumber", "applicant.phone", "applicant.email",
    ];

    [BindProperty]
    public IntakeForm Form { get; set; } = new();

    [BindProperty]
    public string? ImportJson { get; set; }

    [BindProperty]
    public IFormFile? ImportFile { get; set; }

    /// <summary>Field → the messages for it (Vietnamese rule first, the validator's words after).</summary>
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<HeadEnrollment> Heads { get; private set; } = [];

    public IReadOnlyList<TemplateDefinition> Templates { get; } =
        TemplateCatalog.BuiltIn.Ids.Order(StringComparer.Ordinal).Select(id => TemplateCatalog.BuiltIn[id]).ToList();

    public async Task OnGetAsync(CancellationToken ct)
    {
        Heads = await service.Heads.ListAsync(ct);
        Form = new IntakeForm
        {
            IdempotencyKey = Guid.NewGuid().ToString("D"),
            Signer = Heads.Count == 1 ? Heads[0].HeadId : "",
            Date = DateTimeOffset.UtcNow.ToOffset(VietnamTime.Offset).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public async Task<IActionResult> OnPostFormAsync(CancellationToken ct)
    {
        Heads = await service.Heads.ListAsync(ct);
        return await SubmitAsync(DecisionJson.Serialize(Form.ToDecision()), ct);
    }

    public async Task<IActionResult> OnPostImportAsync(CancellationToken ct)
    {
        Heads = await service.Heads.ListAsync(ct);
        byte[] body;
        if (ImportFile is { Length: > 0 } file)
        {
            if (file.Length > DecisionJson.MaxBytes) return Refuse("import", t["Import_TooLarge", DecisionJson.MaxBytes / 1024]);
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, ct);
            body = buffer.ToArray();
        }
        else if (!string.IsNullOrWhiteSpace(ImportJson))
        {
            body = System.Text.Encoding.UTF8.GetBytes(ImportJson);
        }
        else
        {
            return Refuse("import", t["Import_Nothing"]);
        }

        // A readable import fills the form, so a refused one can be corrected field by field.
        try
        {
            Form = IntakeForm.From(DecisionJson.Parse(body), Form.IdempotencyKey, Form.Signer);
        }
        catch (DecisionValidationException e)
        {
            AddErrors(e.Errors);
            return Page();
        }
        return await SubmitAsync(body, ct);
    }

    private async Task<IActionResult> SubmitAsync(byte[] body, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Form.Signer)) return Refuse("signer", t["Rule_signer"]);
        if (!Guid.TryParse(Form.IdempotencyKey, out _)) Form.IdempotencyKey = Guid.NewGuid().ToString("D");
        try
        {
            var result = await service.SubmitAsync(body, Form.IdempotencyKey, Form.Signer, StaffApi.Actor(User), ct);
            return Redirect($"/console/documents/{result.Document.Id}?created=1");
        }
        catch (DecisionValidationException e)
        {
            AddErrors(e.Errors);
        }
        catch (IdempotencyConflictException)
        {
            // This form was already sent with other content: a new key lets the person send the corrected one.
            Form.IdempotencyKey = Guid.NewGuid().ToString("D");
            Refuse("$", t["Intake_AlreadySent"]);
        }
        catch (ApiProblemException e) when (e.Field is not null)
        {
            Refuse(FormFields.Contains(e.Field) ? e.Field : "$", $"{t["Rule_" + e.Field]} ({e.Message})");
        }
        return Page();
    }

    private void AddErrors(IReadOnlyList<FieldError> errors)
    {
        foreach (var e in errors)
        {
            var field = FieldOf(e.Field);
            var rule = t["Rule_" + field];
            var label = t["Field_" + field];
            var text = rule.ResourceNotFound ? $"{e.Field}: {e.Message}" : $"{label}: {rule} ({e.Field}: {e.Message})";
            Add(field, text);
        }
    }

    /// <summary>The form field a validator path belongs to: "body[2].text" → "body", "applicant.name" stays.</summary>
    public static string FieldOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (FormFields.Contains(path)) return path;
        var cut = path.IndexOfAny(['[', '.']);
        var head = cut > 0 ? path[..cut] : path;
        return FormFields.Contains(head) ? head : "$";
    }

    private PageResult Refuse(string field, string message)
    {
        Add(field, field is "$" or "import" || t["Field_" + field].ResourceNotFound ? message : $"{t["Field_" + field]}: {message}");
        return Page();
    }

    private void Add(string field, string message)
    {
        if (!Errors.TryGetValue(field, out var list)) Errors[field] = list = [];
        list.Add(message);
    }

    public string? ErrorId(string field) => Errors.ContainsKey(field) ? "err-" + field.Replace('.', '-') : null;
}
