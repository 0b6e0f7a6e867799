using System.Globalization;
using System.Text;
using Signing.Core.Documents;
using Signing.Issuance;
using Signing.Validation;

namespace Signing.Service.Api;

/// <summary>
/// The public pages, rendered on the server without scripts: a result's status, the download of
/// its issued original, an upload form, and the report for an uploaded file (<see cref="PeopleReport"/>).
/// </summary>
internal static class PublicPages
{
    // Vietnamese stays readable in the page source; markup characters are still escaped.
    private static readonly System.Text.Encodings.Web.HtmlEncoder Encoder = System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    // Without it every browser asks for /favicon.ico, which the public port does not serve (401 and a console error).
    private const string NoFavicon = "<link rel=\"icon\" href=\"data:,\">";

    private const string Style = "<style>body{font-family:serif;max-width:52em;margin:1em auto;padding:0 1em}"
        + ".en{color:#555}.PASSED{color:#0a6b2d}.FAILED{color:#a40000}.INDETERMINATE{color:#8a5a00}"
        + "section{border-top:1px solid #ccc;margin-top:1em}</style>";

    private static string E(string? s) => Encoder.Encode(s ?? "");

    /// <summary>Vietnamese, then English in a quieter span: a screen reader gets the language of each.</summary>
    private static string B(Bilingual b) => $"<span lang=\"vi\">{E(b.Vi)}</span> <span lang=\"en\" class=\"en\">({E(b.En)})</span>";

    public static string NotFound(string code)
    {
        var t = PublicPageText.NotFoundHeading;
        return "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">" + NoFavicon + "<title>" + E(PublicPageText.NotFoundTitle) + "</title></head><body>"
            + "<h1 id=\"not-found\">" + E(t.Vi) + " (" + E(t.En) + ")</h1>"
            + "<p>" + E(PublicPageText.NotFoundCodeBefore) + "<code id=\"code\">" + E(code) + "</code>" + E(PublicPageText.NotFoundCodeAfter) + "</p>"
            + "<p>" + E(PublicPageText.NotFoundHelp) + "</p>"
            + "</body></html>";
    }

    /// <summary>The page of an issued (or revoked, superseded) result, with the report of an upload or an upload error when there is one.</summary>
    public static string Status(PublicStatus v, string originalPath, VerificationReport? uploaded = null, Bilingual? error = null, string? errorDetail = null)
    {
        var (label, colour) = v.Document.Status switch
        {
            DocumentStatus.Issued => (PublicPageText.Issued, "#0a6b2d"),
            DocumentStatus.Revoked => (PublicPageText.Revoked, "#a40000"),
            _ => (PublicPageText.Superseded, "#a40000"), // replaced: not to be relied on, red like a revocation
        };
        var code = v.Document.VerificationCode;
        var issued = v.IssuedUtc?.ToOffset(TimeSpan.FromHours(7)).ToString("HH:mm:ss dd/MM/yyyy '+07:00'", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">").Append(NoFavicon).Append(Style)
            .Append("<title>").Append(E(PublicPageText.TitlePrefix + code)).Append("</title></head><body>");
        sb.Append("<h1>").Append(E(v.Facts.DocumentType)).Append(E(PublicPageText.NumberWord)).Append(E(v.Facts.Number)).Append("</h1>");
        sb.Append("<p id=\"status\" data-status=\"").Append(E(v.Document.Status.ToName())).Append("\" style=\"color:").Append(colour).Append("\"><strong>")
            .Append(E($"{label.Vi} ({label.En})")).Append("</strong></p>");
        if (v.Document.EndReason != null) sb.Append("<p id=\"reason\">").Append(E(PublicPageText.ReasonPrefix + v.Document.EndReason)).Append("</p>");
        if (v.ReplacedByCode != null) sb.Append("<p>").Append(E(PublicPageText.ReplacedBy)).Append("<a href=\"/v/").Append(E(v.ReplacedByCode)).Append("\">").Append(E(v.ReplacedByCode)).Append("</a></p>");
        sb.Append("<dl><dt>").Append(E(PublicPageText.Agency)).Append("</dt><dd id=\"agency\">").Append(E(v.Facts.IssuingAgency)).Append("</dd>");
        sb.Append("<dt>").Append(E(PublicPageText.DocumentDate)).Append("</dt><dd>").Append(E(v.Facts.Date)).Append("</dd>");
        sb.Append("<dt>").Append(E(PublicPageText.IssuedAt)).Append("</dt><dd>").Append(E(issued)).Append("</dd>");
        sb.Append("<dt>").Append(E(PublicPageText.Code)).Append("</dt><dd>").Append(E(code)).Append("</dd>");
        sb.Append("<dt>SHA-256</dt><dd id=\"sha256\"><code>").Append(E(v.Document.PdfSha256)).Append("</code></dd></dl>");
        sb.Append("<p><a id=\"download-original\" href=\"").Append(E(originalPath)).Append("\" download>").Append(B(ReportStrings.DownloadOriginal)).Append("</a></p>");

        sb.Append("<section id=\"check\"><h2>").Append(B(PublicPageText.CheckHeading)).Append("</h2><p>").Append(B(PublicPageText.CheckExplain)).Append("</p>");
        sb.Append("<form id=\"upload\" method=\"post\" action=\"/v/").Append(E(code)).Append("\" enctype=\"multipart/form-data\">")
            .Append("<label>").Append(B(PublicPageText.ChooseFile)).Append(" <input type=\"file\" name=\"file\" accept=\"application/pdf,.pdf\"></label> ")
            .Append("<button type=\"submit\">").Append(B(PublicPageText.Submit)).Append("</button></form>");
        if (error is not null)
            sb.Append("<p id=\"upload-error\" role=\"alert\">").Append(B(error)).Append(errorDetail is null ? "" : " <code>" + E(errorDetail) + "</code>").Append("</p>");
        sb.Append("</section>");
        if (uploaded is not null) AppendReport(sb, PeopleReport.From(uploaded), originalPath);

        for (var n = 1; n <= v.PreviewPages; n++)
        {
            var src = $"/v/{code}/pages/{n}.png";
            sb.Append("<p><a href=\"").Append(E(src)).Append("\"><img src=\"").Append(E(src)).Append("\" alt=\"").Append(E(PublicPageText.PagePrefix)).Append(n).Append("\"></a></p>");
        }

        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static void AppendReport(StringBuilder sb, PeopleReport r, string originalPath)
    {
        sb.Append("<section id=\"report\" data-verdict=\"").Append(r.Verdict).Append("\"><h2>").Append(B(PublicPageText.ReportHeading)).Append("</h2>");
        sb.Append("<p id=\"verdict\" class=\"").Append(r.Verdict).Append("\"><strong>").Append(B(r.VerdictText)).Append("</strong></p>");
        sb.Append("<p id=\"file\">").Append(B(r.File)).Append("</p>");
        foreach (var s in r.Signatures)
        {
            sb.Append("<div class=\"signature\" data-indication=\"").Append(s.Indication).Append("\"><h3>").Append(B(s.Heading)).Append("</h3><ul>");
            sb.Append("<li class=\"outcome\">").Append(B(s.Outcome)).Append("</li>");
            sb.Append("<li class=\"what\">").Append(B(s.What)).Append("</li>");
            sb.Append("<li class=\"who\">").Append(B(s.Who)).Append("</li>");
            sb.Append("<li class=\"when\">").Append(B(s.When)).Append("</li>");
            sb.Append("<li class=\"changes\">").Append(B(s.ChangesHeading));
            if (s.Changes.Count > 0)
            {
                sb.Append("<ul>");
                foreach (var c in s.Changes) sb.Append("<li class=\"change\">").Append(B(c)).Append("</li>");
                sb.Append("</ul>");
            }

            sb.Append("</li></ul></div>");
        }

        if (r.DocumentFindings.Count > 0)
        {
            sb.Append("<p>").Append(B(ReportStrings.DocumentFindings)).Append("</p><ul>");
            foreach (var c in r.DocumentFindings) sb.Append("<li class=\"change\">").Append(B(c)).Append("</li>");
            sb.Append("</ul>");
        }

        sb.Append("<div id=\"registry\" data-match=\"").Append(E(MatchName(r))).Append("\">");
        foreach (var line in r.Registry) sb.Append("<p>").Append(B(line)).Append("</p>");
        if (r.OriginalUrl is not null)
            sb.Append("<p><a id=\"report-download-original\" href=\"").Append(E(originalPath)).Append("\" download>").Append(B(ReportStrings.DownloadOriginal)).Append("</a></p>");
        sb.Append("</div><p class=\"note\">").Append(B(r.Note)).Append("</p></section>");
    }

    /// <summary>The match as the JSON report names it, for tests and scripts reading the page.</summary>
    private static string MatchName(PeopleReport r) => r.Match switch
    {
        RegistryMatchKind.Identical => "identical",
        RegistryMatchKind.Extends => "extends",
        RegistryMatchKind.None => "none",
        _ => "not-checked",
    };
}
