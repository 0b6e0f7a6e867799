using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Signing.Core;
using Signing.Core.Decisions;
using Signing.Core.IO;

namespace Signing.Pdf.Templates;

/// <summary>
/// A template is data: an ordered list of sections that the one layout engine knows how to draw
/// (header, title, fields, text, body, signature), with fixed wording and {placeholders}. Adding a
/// template means adding a JSON file (see docs/rendering.md), never changing the engine.
/// </summary>
public sealed record TemplateDefinition
{
    public string Id { get; init; } = "";

    /// <summary>Human name, e.g. "Quyết định".</summary>
    public string Name { get; init; } = "";

    /// <summary>Form label printed at the top right, e.g. "Mẫu số 01" (Circular 01/2018 forms).</summary>
    public string? FormLabel { get; init; }

    /// <summary>Decision paths this template needs, e.g. "summary", "body", "fields", "applicant.address", "field:returnDate".</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];

    public IReadOnlyList<TemplateSection> Sections { get; init; } = [];

    /// <summary>What the printed seal in the QR code signs besides the fixed fields (docs/printed-seal.md).</summary>
    public TemplateSeal Seal { get; init; } = new();
}

/// <summary>The template's part of the printed seal: its key fields and the "check online after" hint.</summary>
public sealed record TemplateSeal
{
    /// <summary>The key fields, in order; a decision sealed with this template must have each value.</summary>
    public IReadOnlyList<TemplateSealField> KeyFields { get; init; } = [];

    /// <summary>Days after the date of issue from which a verifier tells the holder to check online.</summary>
    public int CheckOnlineAfterDays { get; init; } = 365;
}

/// <summary>One key field of the seal: a Vietnamese label, an English one for the verifier, and the value with {placeholders}.</summary>
public sealed record TemplateSealField
{
    public string Label { get; init; } = "";

    public string? LabelEn { get; init; }

    public string Value { get; init; } = "";
}

/// <summary>One section of a template.</summary>
public sealed record TemplateSection
{
    /// <summary>header | title | fields | text | body | signature.</summary>
    public string Kind { get; init; } = "";

    /// <summary>For "text": the wording, with {placeholders}.</summary>
    public string? Text { get; init; }

    /// <summary>For "text": left | center | justify (default justify, first-line indent).</summary>
    public string? Align { get; init; }

    public bool Bold { get; init; }

    public bool Italic { get; init; }

    /// <summary>For "title": draw the short rule under the summary (decisions).</summary>
    public bool Rule { get; init; }

    /// <summary>For "fields": "table" (bordered two columns) or "lines" ("Label: value").</summary>
    public string? Style { get; init; }

    /// <summary>For "fields": fixed rows (label and value may hold placeholders), shown before the decision's own rows.</summary>
    public IReadOnlyList<TemplateRow> Rows { get; init; } = [];

    /// <summary>For "fields": also show the decision's fields[] rows (default true).</summary>
    public bool IncludeDecisionFields { get; init; } = true;

    /// <summary>For "signature": a line under the signer's title, e.g. "(Ký và ghi rõ họ tên)".</summary>
    public string? Note { get; init; }

    /// <summary>For "signature": a second party who signs on the left instead of the recipients (Mẫu 01: the submitter).</summary>
    public TemplateSignatory? Counterpart { get; init; }
}

/// <summary>A party's signature block drawn from fixed wording and placeholders.</summary>
public sealed record TemplateSignatory
{
    public string Title { get; init; } = "";

    public string? Note { get; init; }

    /// <summary>The printed name, e.g. "{applicant.name}".</summary>
    public string Name { get; init; } = "";
}

public sealed record TemplateRow
{
    public string Label { get; init; } = "";

    public string Value { get; init; } = "";
}

/// <summary>Fills {placeholders} from a decision and reports which ones a template needs.</summary>
public static partial class Placeholders
{
    public static readonly IReadOnlyList<string> Names =
    [
        "issuingAgency", "parentAgency", "number", "symbol", "place", "date", "documentType", "summary",
        "dossierCode", "procedureCode", "signerName", "signerTitle",
        "applicant.name", "applicant.address", "applicant.idNumber", "applicant.phone", "applicant.email",
    ];

    /// <summary>Every {name} in a text.</summary>
    public static IEnumerable<string> Find(string text) => PlaceholderPattern().Matches(text).Select(m => m.Groups[1].Value);

    public static bool IsKnown(string name) => Names.Contains(name) || (name.StartsWith("field:", StringComparison.Ordinal) && name.Length > 6);

    /// <summary>The value of one placeholder, or null when the decision lacks it.</summary>
    public static string? Value(Decision d, string name)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith("field:", StringComparison.Ordinal))
        {
            var key = name[6..];
            return d.Fields.FirstOrDefault(f => f.Key == key)?.Value;
        }

        return name switch
        {
            "issuingAgency" => d.IssuingAgency,
            "parentAgency" => d.ParentAgency,
            "number" => d.Number,
            "symbol" => d.Symbol,
            "place" => d.Place,
            "date" => DecisionValidator.ParseDate(d.Date).ToString("dd/MM/yyyy", CultureInfo.InvariantCulture),
            "documentType" => d.DocumentType,
            "summary" => d.Summary,
            "dossierCode" => d.DossierCode,
            "procedureCode" => d.ProcedureCode,
            "signerName" => d.SignerName,
            "signerTitle" => d.SignerTitle,
            "applicant.name" => d.Applicant.Name,
            "applicant.address" => d.Applicant.Address,
            "applicant.idNumber" => d.Applicant.IdNumber,
            "applicant.phone" => d.Applicant.Phone,
            "applicant.email" => d.Applicant.Email,
            _ => null,
        };
    }

    /// <summary>Replaces every placeholder; validation has made sure all are present.</summary>
    public static string Fill(string text, Decision d) =>
        PlaceholderPattern().Replace(text, m => Value(d, m.Groups[1].Value) ?? throw new InvalidOperationException($"placeholder {m.Value} has no value"));

    [GeneratedRegex(@"\{([A-Za-z.:0-9]+)\}")]
    private static partial Regex PlaceholderPattern();
}

/// <summary>The templates the renderer knows: the built-in ones plus any JSON files in a directory.</summary>
public sealed class TemplateCatalog
{
    public static readonly IReadOnlyList<string> SectionKinds = ["header", "title", "fields", "text", "body", "signature"];

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private static readonly Lazy<TemplateCatalog> BuiltInLazy = new(LoadBuiltIn);

    private readonly Dictionary<string, TemplateDefinition> _templates;

    private TemplateCatalog(Dictionary<string, TemplateDefinition> templates) => _templates = templates;

    public static TemplateCatalog BuiltIn => BuiltInLazy.Value;

    public IReadOnlyCollection<string> Ids => _templates.Keys;

    public TemplateDefinition this[string id] => _templates[id];

    /// <summary>Built-ins plus every *.json in <paramref name="directory"/> (a file with a built-in id replaces it).</summary>
    public static TemplateCatalog WithDirectory(string? directory)
    {
        if (directory is null) return BuiltIn;
        if (!Directory.Exists(directory)) throw new SigningException($"template directory not found: {directory}");
        var all = new Dictionary<string, TemplateDefinition>(BuiltIn._templates, StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            var t = Parse(File.ReadAllBytes(file), Path.GetFileName(file));
            all[t.Id] = t;
        }

        return new TemplateCatalog(all);
    }

    /// <summary>Parses and checks one template definition; errors name the source and the section.</summary>
    public static TemplateDefinition Parse(byte[] json, string source)
    {
        TemplateDefinition t;
        try
        {
            t = JsonSerializer.Deserialize<TemplateDefinition>(json, JsonOptions) ?? throw new SigningException($"template {source} is empty");
        }
        catch (JsonException ex)
        {
            throw new SigningException($"template {source} is not valid template JSON at {ex.Path ?? "$"}", ex);
        }

        if (!Regex.IsMatch(t.Id, "^[a-z0-9]+(-[a-z0-9]+)*$")) throw new SigningException($"template {source}: id must be lowercase words joined by '-'");
        if (t.Sections.Count == 0) throw new SigningException($"template {source}: has no sections");
        for (var i = 0; i < t.Sections.Count; i++)
        {
            var s = t.Sections[i];
            if (!SectionKinds.Contains(s.Kind)) throw new SigningException($"template {source}: sections[{i}].kind \"{s.Kind}\" is not one of {string.Join(", ", SectionKinds)}");
            if (s.Kind == "text" && string.IsNullOrWhiteSpace(s.Text)) throw new SigningException($"template {source}: sections[{i}] of kind text needs text");
            if (s.Align is not (null or "left" or "center" or "justify")) throw new SigningException($"template {source}: sections[{i}].align must be left, center or justify");
            if (s.Style is not (null or "table" or "lines")) throw new SigningException($"template {source}: sections[{i}].style must be table or lines");
            if (s.Counterpart is { } cp && (string.IsNullOrWhiteSpace(cp.Title) || string.IsNullOrWhiteSpace(cp.Name)))
                throw new SigningException($"template {source}: sections[{i}].counterpart needs a title and a name");
            foreach (var name in UsedPlaceholders(s))
            {
                if (!Placeholders.IsKnown(name)) throw new SigningException($"template {source}: sections[{i}] uses unknown placeholder {{{name}}}");
            }
        }

        for (var i = 0; i < t.Seal.KeyFields.Count; i++)
        {
            var f = t.Seal.KeyFields[i];
            if (string.IsNullOrWhiteSpace(f.Label) || string.IsNullOrWhiteSpace(f.Value)) throw new SigningException($"template {source}: seal.keyFields[{i}] needs a label and a value");
            foreach (var name in Placeholders.Find(f.Value).Concat(Placeholders.Find(f.Label)))
            {
                if (!Placeholders.IsKnown(name)) throw new SigningException($"template {source}: seal.keyFields[{i}] uses unknown placeholder {{{name}}}");
            }
        }

        if (t.Seal.CheckOnlineAfterDays is < 1 or > 3660) throw new SigningException($"template {source}: seal.checkOnlineAfterDays must be between 1 and 3660");

        foreach (var r in t.Requires)
        {
            if (!Placeholders.IsKnown(r) && r is not ("body" or "fields" or "authority" or "recipients"))
            {
                throw new SigningException($"template {source}: requires \"{r}\", which is not a decision field");
            }
        }

        return t;
    }

    /// <summary>The template's own checks, reported as decision field errors.</summary>
    public static IEnumerable<FieldError> Check(TemplateDefinition t, Decision d)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(d);
        var needed = t.Requires.Concat(t.Sections.SelectMany(UsedPlaceholders)).Distinct(StringComparer.Ordinal);
        foreach (var name in needed)
        {
            switch (name)
            {
                case "body":
                    if (d.Body.Count == 0) yield return new("body", $"is required by template {t.Id}");
                    break;
                case "fields":
                    if (d.Fields.Count == 0) yield return new("fields", $"is required by template {t.Id}");
                    break;
                case "authority":
                    if (d.Authority.Count == 0) yield return new("authority", $"is required by template {t.Id}");
                    break;
                case "recipients":
                    if (d.Recipients.Count == 0) yield return new("recipients", $"is required by template {t.Id}");
                    break;
                default:
                    if (string.IsNullOrEmpty(Placeholders.Value(d, name)))
                    {
                        yield return name.StartsWith("field:", StringComparison.Ordinal)
                            ? new("fields", $"needs a row with key \"{name[6..]}\" for template {t.Id}")
                            : new(name, $"is required by template {t.Id}");
                    }

                    break;
            }
        }
    }

    private static IEnumerable<string> UsedPlaceholders(TemplateSection s) =>
        (s.Text is null ? [] : Placeholders.Find(s.Text))
            .Concat(s.Rows.SelectMany(r => Placeholders.Find(r.Label).Concat(Placeholders.Find(r.Value))))
            .Concat(s.Note is null ? [] : Placeholders.Find(s.Note))
            .Concat(s.Counterpart is { } c ? Placeholders.Find(c.Title).Concat(Placeholders.Find(c.Name)).Concat(c.Note is null ? [] : Placeholders.Find(c.Note)) : []);

    private static TemplateCatalog LoadBuiltIn()
    {
        var asm = typeof(TemplateCatalog).Assembly;
        var all = new Dictionary<string, TemplateDefinition>(StringComparer.Ordinal);
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("Signing.Pdf.Templates.", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var t = Parse(EmbeddedResource.Read(typeof(TemplateCatalog).Assembly, name), name);
            all.Add(t.Id, t);
        }

        return new TemplateCatalog(all);
    }
}
