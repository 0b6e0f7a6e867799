using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Signing.Core.Decisions;

/// <summary>
/// Checks a decision field by field (missing, too long, control characters, invalid dates, unknown
/// template, Decree 30 conventions such as uppercase agency names) and returns a copy with every
/// string normalised to NFC. All problems are reported together; nothing is rendered from invalid input.
/// </summary>
public static partial class DecisionValidator
{
    public const int MaxAgency = 120;
    public const int MaxNumber = 10;
    public const int MaxSymbol = 40;
    public const int MaxPlace = 60;
    public const int MaxDocumentType = 80;
    public const int MaxSummary = 400;
    public const int MaxBodyBlocks = 600;
    public const int MaxBlockText = 6000;
    public const int MaxArticleTitle = 300;
    public const int MaxTableColumns = 6;
    public const int MaxTableRows = 200;
    public const int MaxCell = 500;
    public const int MaxFields = 40;
    public const int MaxFieldLabel = 120;
    public const int MaxFieldValue = 1000;
    public const int MaxAuthorityLines = 3;
    public const int MaxAuthority = 80;
    public const int MaxSignerTitle = 80;
    public const int MaxSignerName = 60;
    public const int MaxRecipients = 30;
    public const int MaxRecipient = 150;
    public const int MaxCode = 40;
    public const int MaxApplicantName = 150;
    public const int MaxAddress = 300;
    public const int MaxImageRef = 200;

    /// <summary>Authority prefixes of Decree 30 (thay mặt, ký thay, quyền, thừa lệnh, thừa ủy quyền).</summary>
    public static readonly IReadOnlyList<string> AuthorityPrefixes = ["TM. ", "KT. ", "Q. ", "TL. ", "TUQ. "];

    /// <summary>
    /// Validates and normalises. <paramref name="knownTemplates"/> are the template ids the renderer
    /// has; <paramref name="templateRules"/> adds the chosen template's own checks (required fields).
    /// </summary>
    public static Decision Validate(Decision decision, IReadOnlyCollection<string> knownTemplates, Func<Decision, IEnumerable<FieldError>>? templateRules = null)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(knownTemplates);
        var d = Normalize(decision);
        var e = new List<FieldError>();

        if (d.SchemaVersion != 1) e.Add(new("schemaVersion", "must be 1"));
        if (Text(e, "template", d.Template, 40, required: true) && !knownTemplates.Contains(d.Template))
        {
            e.Add(new("template", $"unknown template \"{d.Template}\" (known: {string.Join(", ", knownTemplates.Order(StringComparer.Ordinal))})"));
        }

        if (Text(e, "parentAgency", d.ParentAgency, MaxAgency, required: false)) Uppercase(e, "parentAgency", d.ParentAgency!);
        if (Text(e, "issuingAgency", d.IssuingAgency, MaxAgency, required: true)) Uppercase(e, "issuingAgency", d.IssuingAgency);
        if (Text(e, "number", d.Number, MaxNumber, required: true) && !NumberPattern().IsMatch(d.Number)) e.Add(new("number", "must be digits only, e.g. \"125\""));
        if (Text(e, "symbol", d.Symbol, MaxSymbol, required: true) && !SymbolPattern().IsMatch(d.Symbol)) e.Add(new("symbol", "must be uppercase letters and digits joined by '-', e.g. \"QĐ-UBND\""));
        Text(e, "place", d.Place, MaxPlace, required: true);
        if (Text(e, "date", d.Date, 10, required: true)) IssueDate(e, "date", d.Date);
        if (Text(e, "documentType", d.DocumentType, MaxDocumentType, required: true)) Uppercase(e, "documentType", d.DocumentType);
        Text(e, "summary", d.Summary, MaxSummary, required: false);

        if (d.Body.Count > MaxBodyBlocks) e.Add(new("body", $"has {d.Body.Count} blocks, at most {MaxBodyBlocks} are allowed"));
        for (var i = 0; i < Math.Min(d.Body.Count, MaxBodyBlocks); i++) Block(e, $"body[{i}]", d.Body[i]);

        if (d.Fields.Count > MaxFields) e.Add(new("fields", $"has {d.Fields.Count} rows, at most {MaxFields} are allowed"));
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(d.Fields.Count, MaxFields); i++)
        {
            var f = d.Fields[i];
            if (f is null) { e.Add(new($"fields[{i}]", "is missing")); continue; }
            if (Text(e, $"fields[{i}].key", f.Key, 40, required: false))
            {
                if (!KeyPattern().IsMatch(f.Key!)) e.Add(new($"fields[{i}].key", "must be letters and digits starting with a letter, e.g. \"returnDate\""));
                else if (!keys.Add(f.Key!)) e.Add(new($"fields[{i}].key", $"\"{f.Key}\" is used twice"));
            }

            Text(e, $"fields[{i}].label", f.Label, MaxFieldLabel, required: true);
            Text(e, $"fields[{i}].value", f.Value, MaxFieldValue, required: true);
        }

        if (d.Authority.Count > MaxAuthorityLines) e.Add(new("authority", $"has {d.Authority.Count} lines, at most {MaxAuthorityLines} are allowed"));
        for (var i = 0; i < Math.Min(d.Authority.Count, MaxAuthorityLines); i++)
        {
            var path = $"authority[{i}]";
            if (!Text(e, path, d.Authority[i], MaxAuthority, required: true)) continue;
            Uppercase(e, path, d.Authority[i]);
            if (!AuthorityPrefixes.Any(p => d.Authority[i].StartsWith(p, StringComparison.Ordinal)))
            {
                e.Add(new(path, "must start with TM., KT., Q., TL. or TUQ. followed by a space"));
            }
        }

        if (Text(e, "signerTitle", d.SignerTitle, MaxSignerTitle, required: true)) Uppercase(e, "signerTitle", d.SignerTitle);
        Text(e, "signerName", d.SignerName, MaxSignerName, required: true);

        if (d.Recipients.Count > MaxRecipients) e.Add(new("recipients", $"has {d.Recipients.Count} lines, at most {MaxRecipients} are allowed"));
        for (var i = 0; i < Math.Min(d.Recipients.Count, MaxRecipients); i++) Text(e, $"recipients[{i}]", d.Recipients[i], MaxRecipient, required: true);

        if (Text(e, "dossierCode", d.DossierCode, MaxCode, required: true) && !CodePattern().IsMatch(d.DossierCode)) e.Add(new("dossierCode", "must be letters, digits, '.' and '-' only, e.g. \"000.00.15.H29-240305-0001\""));
        if (Text(e, "procedureCode", d.ProcedureCode, MaxCode, required: true) && !CodePattern().IsMatch(d.ProcedureCode)) e.Add(new("procedureCode", "must be letters, digits, '.' and '-' only, e.g. \"1.009794\""));

        if (d.Applicant is null) e.Add(new("applicant", "is missing"));
        else
        {
            Text(e, "applicant.name", d.Applicant.Name, MaxApplicantName, required: true);
            Text(e, "applicant.address", d.Applicant.Address, MaxAddress, required: false);
            if (Text(e, "applicant.idNumber", d.Applicant.IdNumber, 20, required: false) && !IdPattern().IsMatch(d.Applicant.IdNumber!)) e.Add(new("applicant.idNumber", "must be digits and uppercase letters only"));
            if (Text(e, "applicant.phone", d.Applicant.Phone, 20, required: false) && !PhonePattern().IsMatch(d.Applicant.Phone!)) e.Add(new("applicant.phone", "must be digits, spaces, '+', '.' or '-' only"));
            if (Text(e, "applicant.email", d.Applicant.Email, 120, required: false) && !EmailPattern().IsMatch(d.Applicant.Email!)) e.Add(new("applicant.email", "is not an e-mail address"));
        }

        ImageRef(e, "signatureImage", d.SignatureImage);
        ImageRef(e, "sealImage", d.SealImage);

        // Template rules only make sense once the template itself is known and the basics hold.
        if (e.Count == 0 && templateRules != null) e.AddRange(templateRules(d));
        if (e.Count > 0) throw new DecisionValidationException(e);
        return d;
    }

    /// <summary>Parses a validated ISO date.</summary>
    public static DateOnly ParseDate(string value) => DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks one string: presence, length (in Unicode scalar values after NFC), and characters.
    /// Returns true when the value is present and fine so callers can apply further rules.
    /// </summary>
    public static bool Text(List<FieldError> errors, string field, string? value, int maxLength, bool required)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) errors.Add(new(field, "is required"));
            else if (value is { Length: > 0 }) errors.Add(new(field, "is blank; leave it out instead"));
            return false;
        }

        var length = value.EnumerateRunes().Count();
        if (length > maxLength)
        {
            errors.Add(new(field, $"is too long ({length} characters, at most {maxLength})"));
            return false;
        }

        foreach (var rune in value.EnumerateRunes())
        {
            var cat = Rune.GetUnicodeCategory(rune);
            if (cat is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                errors.Add(new(field, $"contains a control character (U+{rune.Value:X4}); use separate body blocks instead of line breaks"));
                return false;
            }

            if (cat is UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate || rune == Rune.ReplacementChar)
            {
                errors.Add(new(field, $"contains an unsupported character (U+{rune.Value:X4})"));
                return false;
            }
        }

        if (value != value.Trim())
        {
            errors.Add(new(field, "has leading or trailing spaces"));
            return false;
        }

        return true;
    }

    private static void Uppercase(List<FieldError> e, string field, string value)
    {
        if (value != value.ToUpper(CultureInfo.InvariantCulture)) e.Add(new(field, "must be in uppercase (Decree 30/2020)"));
    }

    private static void IssueDate(List<FieldError> e, string field, string value)
    {
        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            e.Add(new(field, $"\"{value}\" is not a valid date in the form yyyy-MM-dd"));
        }
        else if (date.Year is < 2000 or > 2099)
        {
            e.Add(new(field, "must be between 2000-01-01 and 2099-12-31"));
        }
    }

    private static void Block(List<FieldError> e, string path, BodyBlock? b)
    {
        if (b is null) { e.Add(new(path, "is missing")); return; }
        switch (b.Kind)
        {
            case "paragraph":
            case "heading":
                Text(e, path + ".text", b.Text, b.Kind == "heading" ? MaxSummary : MaxBlockText, required: true);
                break;
            case "article":
                if (b.Number is null or < 1 or > 999) e.Add(new(path + ".number", "is required for an article, 1 to 999"));
                Text(e, path + ".title", b.Title, MaxArticleTitle, required: false);
                if (b.Title is null) Text(e, path + ".text", b.Text, MaxBlockText, required: true);
                else Text(e, path + ".text", b.Text, MaxBlockText, required: false);
                break;
            case "table":
                var cols = b.Columns ?? [];
                if (cols.Count is < 1 or > MaxTableColumns) e.Add(new(path + ".columns", $"must have 1 to {MaxTableColumns} columns"));
                for (var c = 0; c < cols.Count; c++) Text(e, $"{path}.columns[{c}]", cols[c], MaxCell, required: true);
                var rows = b.Rows ?? [];
                if (rows.Count is < 1 or > MaxTableRows) e.Add(new(path + ".rows", $"must have 1 to {MaxTableRows} rows"));
                for (var r = 0; r < Math.Min(rows.Count, MaxTableRows); r++)
                {
                    var row = rows[r];
                    if (row is null || row.Count != cols.Count) { e.Add(new($"{path}.rows[{r}]", $"must have {cols.Count} cells like the columns")); continue; }
                    for (var c = 0; c < row.Count; c++) Text(e, $"{path}.rows[{r}][{c}]", row[c], MaxCell, required: true);
                }

                break;
            case "":
                e.Add(new(path + ".kind", "is required (paragraph, heading, article or table)"));
                break;
            default:
                e.Add(new(path + ".kind", $"unknown block kind \"{b.Kind}\" (paragraph, heading, article or table)"));
                break;
        }
    }

    private static void ImageRef(List<FieldError> e, string field, string? value)
    {
        if (!Text(e, field, value, MaxImageRef, required: false)) return;
        var v = value!;
        if (v.Contains("..", StringComparison.Ordinal) || v.StartsWith('/') || v.Contains('\\', StringComparison.Ordinal) || v.Contains(':', StringComparison.Ordinal)
            || !v.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            e.Add(new(field, "must be a relative reference to a PNG image (no '..', '\\', ':' or leading '/')"));
        }
    }

    /// <summary>Returns a copy with every string in NFC so that equal text compares and renders equal.</summary>
    public static Decision Normalize(Decision d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d with
        {
            Template = N(d.Template)!,
            ParentAgency = N(d.ParentAgency),
            IssuingAgency = N(d.IssuingAgency)!,
            Number = N(d.Number)!,
            Symbol = N(d.Symbol)!,
            Place = N(d.Place)!,
            Date = N(d.Date)!,
            DocumentType = N(d.DocumentType)!,
            Summary = N(d.Summary),
            Body = (d.Body ?? []).Select(b => b is null ? null! : b with
            {
                Kind = N(b.Kind)!,
                Text = N(b.Text),
                Title = N(b.Title),
                Columns = b.Columns?.Select(c => N(c)!).ToArray(),
                Rows = b.Rows?.Select(r => (IReadOnlyList<string>)(r?.Select(c => N(c)!).ToArray() ?? null!)).ToArray(),
            }).ToArray(),
            Fields = (d.Fields ?? []).Select(f => f is null ? null! : f with { Key = N(f.Key), Label = N(f.Label)!, Value = N(f.Value)! }).ToArray(),
            Authority = (d.Authority ?? []).Select(a => N(a)!).ToArray(),
            SignerTitle = N(d.SignerTitle)!,
            SignerName = N(d.SignerName)!,
            Recipients = (d.Recipients ?? []).Select(r => N(r)!).ToArray(),
            DossierCode = N(d.DossierCode)!,
            ProcedureCode = N(d.ProcedureCode)!,
            Applicant = d.Applicant is null ? null! : d.Applicant with
            {
                Name = N(d.Applicant.Name)!,
                Address = N(d.Applicant.Address),
                IdNumber = N(d.Applicant.IdNumber),
                Phone = N(d.Applicant.Phone),
                Email = N(d.Applicant.Email),
            },
            SignatureImage = N(d.SignatureImage),
            SealImage = N(d.SealImage),
        };
    }

    // Invalid UTF-16 (lone surrogates) cannot be normalised; leave it for the character check to report.
    private static string? N(string? s) => s is null || !IsWellFormed(s) ? s : s.Normalize(NormalizationForm.FormC);

    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(s[i])) return false;
        }

        return true;
    }

    [GeneratedRegex(@"^[0-9]{1,10}$")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^[\p{Lu}0-9]+(-[\p{Lu}0-9]+)*$")]
    private static partial Regex SymbolPattern();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^[A-Za-z0-9]+([.\-][A-Za-z0-9]+)*$")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"^[0-9A-Z]+$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\+?[0-9][0-9 .\-]*$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();
}
