using Signing.Core.Documents;

namespace Signing.Service.Web;

/// <summary>
/// The list's filters as the page's GET form sends them (status, dossier code, template, signer,
/// created from/to as Vietnam calendar dates, page); the list page and its CSV export read the same.
/// </summary>
public sealed record DocumentFilter
{
    public const int PageSize = 25;

    public string? Status { get; init; }
    public string? Dossier { get; init; }
    public string? Template { get; init; }
    public string? Signer { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }
    public int Page { get; init; } = 1;

    /// <summary>The field names whose value could not be read, for the page to say so.</summary>
    public IReadOnlyList<string> Invalid { get; init; } = [];

    public static DocumentFilter Read(IQueryCollection q)
    {
        ArgumentNullException.ThrowIfNull(q);
        var invalid = new List<string>();
        string? Text(string name) => q[name].ToString().Trim() is { Length: > 0 } v ? v : null;
        var status = Text("status");
        if (status != null)
        {
            try { DocumentStatusNames.Parse(status); }
            catch (Signing.Core.SigningException) { invalid.Add("status"); status = null; }
        }
        var from = Text("from");
        if (from != null && VietnamTime.StartOfDay(from) == null) { invalid.Add("from"); from = null; }
        var to = Text("to");
        if (to != null && VietnamTime.StartOfDay(to) == null) { invalid.Add("to"); to = null; }
        var page = 1;
        if (Text("page") is { } p && (!int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out page) || page < 1))
        {
            invalid.Add("page");
            page = 1;
        }
        return new DocumentFilter
        {
            Status = status, Dossier = Text("dossier"), Template = Text("template"), Signer = Text("signer")?.ToUpperInvariant(),
            From = from, To = to, Page = page, Invalid = invalid,
        };
    }

    /// <summary>The registry query for one page; "to" includes its whole day.</summary>
    public DocumentQuery Query(int limit, int offset) => new()
    {
        Status = Status is null ? null : DocumentStatusNames.Parse(Status),
        DossierCode = Dossier,
        Template = Template,
        SignerId = Signer,
        CreatedFrom = VietnamTime.StartOfDay(From),
        CreatedBefore = VietnamTime.StartOfDay(To)?.AddDays(1),
        Limit = limit,
        Offset = offset,
    };

    /// <summary>The query string of these filters (without the page), for links.</summary>
    public string QueryString(int? page = null)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        void Add(string k, string? v) { if (!string.IsNullOrEmpty(v)) pairs.Add(new(k, v)); }
        Add("status", Status);
        Add("dossier", Dossier);
        Add("template", Template);
        Add("signer", Signer);
        Add("from", From);
        Add("to", To);
        if (page is > 1) Add("page", page.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Microsoft.AspNetCore.Http.QueryString.Create(pairs).ToUriComponent();
    }
}
