using System.Globalization;
using System.Text.RegularExpressions;
using Signing.Core.Decisions;

namespace Signing.Service.Pages.Staff;

/// <summary>
/// The intake form's fields, one per decision field (docs/rendering.md). Lists are typed one item
/// a line; <see cref="ToDecision"/> turns them into the decision the one-stop software would send,
/// and the decision validator judges it exactly as it judges the JSON API.
/// </summary>
public sealed partial class IntakeForm
{
    public string IdempotencyKey { get; set; } = "";
    public string Signer { get; set; } = "";
    public string Template { get; set; } = "quyet-dinh";
    public string? ParentAgency { get; set; }
    public string? IssuingAgency { get; set; }
    public string? Number { get; set; }
    public string? Symbol { get; set; }
    public string? Place { get; set; }
    public string? Date { get; set; }
    public string? DocumentType { get; set; }
    public string? Summary { get; set; }

    /// <summary>One block a line: "Điều 1. …" is an article, an UPPERCASE line ending in ':' a heading, "Căn cứ …" an italic basis, the rest paragraphs.</summary>
    public string? Body { get; set; }

    /// <summary>One row a line: "label | value" or "label | value | key".</summary>
    public string? Fields { get; set; }

    public string? Authority { get; set; }
    public string? SignerTitle { get; set; }
    public string? SignerName { get; set; }
    public string? Recipients { get; set; }
    public string? DossierCode { get; set; }
    public string? ProcedureCode { get; set; }
    public string? ApplicantName { get; set; }
    public string? ApplicantAddress { get; set; }
    public string? ApplicantIdNumber { get; set; }
    public string? ApplicantPhone { get; set; }
    public string? ApplicantEmail { get; set; }

    public Decision ToDecision() => new()
    {
        Template = Template.Trim(),
        ParentAgency = Optional(ParentAgency),
        IssuingAgency = Required(IssuingAgency),
        Number = Required(Number),
        Symbol = Required(Symbol),
        Place = Required(Place),
        Date = Required(Date),
        DocumentType = Required(DocumentType),
        Summary = Optional(Summary),
        Body = Lines(Body).Select(BlockOf).ToList(),
        Fields = Lines(Fields).Select(FieldOf).ToList(),
        Authority = Lines(Authority).ToList(),
        SignerTitle = Required(SignerTitle),
        SignerName = Required(SignerName),
        Recipients = Lines(Recipients).ToList(),
        DossierCode = Required(DossierCode),
        ProcedureCode = Required(ProcedureCode),
        Applicant = new Applicant
        {
            Name = Required(ApplicantName),
            Address = Optional(ApplicantAddress),
            IdNumber = Optional(ApplicantIdNumber),
            Phone = Optional(ApplicantPhone),
            Email = Optional(ApplicantEmail),
        },
    };

    /// <summary>The form filled from an imported decision, so a refused import can be corrected field by field.</summary>
    public static IntakeForm From(Decision d, string idempotencyKey, string signer)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new IntakeForm
        {
            IdempotencyKey = idempotencyKey, Signer = signer, Template = d.Template, ParentAgency = d.ParentAgency, IssuingAgency = d.IssuingAgency,
            Number = d.Number, Symbol = d.Symbol, Place = d.Place, Date = d.Date, DocumentType = d.DocumentType, Summary = d.Summary,
            Body = string.Join('\n', d.Body.Select(LineOf)),
            Fields = string.Join('\n', d.Fields.Select(f => f.Key is null ? $"{f.Label} | {f.Value}" : $"{f.Label} | {f.Value} | {f.Key}")),
            Authority = string.Join('\n', d.Authority), SignerTitle = d.SignerTitle, SignerName = d.SignerName,
            Recipients = string.Join('\n', d.Recipients), DossierCode = d.DossierCode, ProcedureCode = d.ProcedureCode,
            ApplicantName = d.Applicant.Name, ApplicantAddress = d.Applicant.Address, ApplicantIdNumber = d.Applicant.IdNumber,
            ApplicantPhone = d.Applicant.Phone, ApplicantEmail = d.Applicant.Email,
        };
    }

    private static string Required(string? s) => s?.Trim() ?? "";

    private static string? Optional(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static IEnumerable<string> Lines(string? text) =>
        (text ?? "").ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static BodyBlock BlockOf(string line)
    {
        if (ArticlePattern().Match(line) is { Success: true } m)
            return new BodyBlock { Kind = "article", Number = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Text = m.Groups[2].Value.Trim() };
        if (line.EndsWith(':') && line == line.ToUpper(CultureInfo.GetCultureInfo("vi-VN")) && line.Any(char.IsLetter))
            return new BodyBlock { Kind = "heading", Text = line };
        return new BodyBlock { Kind = "paragraph", Text = line, Italic = line.StartsWith("Căn cứ", StringComparison.Ordinal) };
    }

    private static string LineOf(BodyBlock b) => b.Kind switch
    {
        "article" => $"Điều {b.Number}. {b.Text}",
        "table" => string.Join(" | ", b.Columns ?? []),
        _ => (b.Text ?? "").ReplaceLineEndings(" "),
    };

    private static DecisionField FieldOf(string line)
    {
        var parts = line.Split('|', 3, StringSplitOptions.TrimEntries);
        return new DecisionField
        {
            Label = parts[0],
            Value = parts.Length > 1 ? parts[1] : "",
            Key = parts.Length > 2 && parts[2].Length > 0 ? parts[2] : null,
        };
    }

    [GeneratedRegex(@"^Điều\s+(\d{1,3})\.\s*(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ArticlePattern();
}
