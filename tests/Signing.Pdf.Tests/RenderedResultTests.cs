using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Signing.Core.Decisions;
using Signing.Pdf.Rendering;
using Signing.Pdf.Templates;
using Signing.Testing;

namespace Signing.Pdf.Tests;

/// <summary>Every built-in template, judged by poppler and qpdf rather than by our own reading.</summary>
public sealed class RenderedResultTests
{
    public static TheoryData<string> TemplateNames => new(Samples.Templates);

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void Pdftotext_returns_every_input_text_exactly_with_diacritics(string template)
    {
        var result = Samples.Render(template);
        using var judge = new PdfJudge(result.Pdf);
        var text = judge.Text();
        Assert.True(text.IsNormalized(NormalizationForm.FormC));
        // The page-1 footer is read wherever poppler puts it; take it out so paragraphs read through.
        var footer = new[] { "Mã xác minh: " + result.VerificationCode, "Tra cứu bản điện tử tại: " + result.VerificationUrl.AbsoluteUri };
        foreach (var f in footer)
        {
            Assert.Contains(f, text, StringComparison.Ordinal);
            text = PdfJudge.Collapse(text.Replace(f, " ", StringComparison.Ordinal));
        }

        var missing = ExpectedTexts(result.Decision, TemplateCatalog.BuiltIn[template])
            .Select(PdfJudge.Collapse)
            .Where(s => !text.Contains(s, StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, "pdftotext lacks: " + string.Join(" | ", missing));
    }

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void Every_font_is_embedded_as_a_unicode_subset_and_qpdf_finds_no_errors(string template)
    {
        var result = Samples.Render(template);
        using var judge = new PdfJudge(result.Pdf);

        var fonts = ExternalTool.RunChecked("pdffonts", judge.Path).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).ToList();
        Assert.NotEmpty(fonts);
        foreach (var line in fonts)
        {
            Assert.Matches(@"^[A-Z]{6}\+Liberation Serif\S*\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s", line);
        }

        var check = ExternalTool.Run("qpdf", "--check", judge.Path);
        Assert.True(check.ExitCode == 0, check.All);
        Assert.DoesNotContain("WARNING", check.All, StringComparison.Ordinal);
        Assert.Contains("No syntax or stream encoding errors found", check.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void Xmp_declares_pdfa_3b_and_matches_the_info_dictionary(string template)
    {
        var result = Samples.Render(template);
        using var judge = new PdfJudge(result.Pdf);
        var xmp = judge.Xmp();
        XNamespace pdfaid = "http://www.aiim.org/pdfa/ns/id/";
        XNamespace dc = "http://purl.org/dc/elements/1.1/";
        XNamespace pdf = "http://ns.adobe.com/pdf/1.3/";
        XNamespace xmpNs = "http://ns.adobe.com/xap/1.0/";
        Assert.Equal("3", xmp.Descendants(pdfaid + "part").Single().Value);
        Assert.Equal("B", xmp.Descendants(pdfaid + "conformance").Single().Value);

        var info = ExternalTool.RunChecked("pdfinfo", "-isodates", judge.Path).StdOut.Split('\n')
            .Where(l => l.Contains(':', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)], l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
        Assert.Equal(info["Title"], xmp.Descendants(dc + "title").Single().Value);
        Assert.Equal(info["Author"], xmp.Descendants(dc + "creator").Single().Value);
        Assert.Equal(info["Subject"], xmp.Descendants(dc + "description").Single().Value);
        Assert.Equal(info["Producer"], xmp.Descendants(pdf + "Producer").Single().Value);
        Assert.Equal(info["Keywords"], xmp.Descendants(pdf + "Keywords").Single().Value);
        Assert.Equal(info["Creator"], xmp.Descendants(xmpNs + "CreatorTool").Single().Value);
        Assert.Equal("2024-03-05T09:00:00+07:00", xmp.Descendants(xmpNs + "CreateDate").Single().Value);
        Assert.StartsWith("2024-03-05T09:00:00+07", info["CreationDate"], StringComparison.Ordinal);
        Assert.Equal("no", info["Encrypted"]);
        Assert.Equal("no", info["JavaScript"]);
        Assert.Equal("1.7", info["PDF version"]);
        Assert.Equal("595 x 842 pts (A4)", info["Page size"]);
    }

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void Pikepdf_reads_a_pdfa_3b_claim_and_an_srgb_output_intent(string template)
    {
        using var judge = new PdfJudge(Samples.Render(template).Pdf);
        Pikepdf.AssertPdfA3b(judge.Path);
    }

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void Catalog_has_an_srgb_output_intent_and_the_decision_as_associated_file(string template)
    {
        var result = Samples.Render(template);
        using var judge = new PdfJudge(result.Pdf);
        var objects = judge.QpdfObjects();
        var trailer = objects.GetProperty("trailer").GetProperty("value");
        Assert.Equal(2, trailer.GetProperty("/ID").GetArrayLength());
        Assert.False(trailer.TryGetProperty("/Encrypt", out _));
        var catalog = PdfJudge.Deref(objects, trailer.GetProperty("/Root"));

        var intent = PdfJudge.Deref(objects, catalog.GetProperty("/OutputIntents")[0]);
        Assert.Equal("/GTS_PDFA1", intent.GetProperty("/S").GetString());
        var profile = PdfJudge.Deref(objects, intent.GetProperty("/DestOutputProfile"));
        Assert.Equal(3, profile.GetProperty("/N").GetInt32());

        var spec = PdfJudge.Deref(objects, catalog.GetProperty("/AF")[0]);
        Assert.Equal("/Data", spec.GetProperty("/AFRelationship").GetString());
        Assert.Equal("u:decision.json", spec.GetProperty("/UF").GetString());
        var file = PdfJudge.Deref(objects, spec.GetProperty("/EF").GetProperty("/F"));
        Assert.Equal("/application/json", file.GetProperty("/Subtype").GetString());
        Assert.False(catalog.TryGetProperty("/OpenAction", out _));
        Assert.False(catalog.TryGetProperty("/AA", out _));

        // The one-stop system reads the decision back by machine: it round-trips to the input.
        var embedded = judge.Attachment();
        Assert.Equal(DecisionJson.Serialize(result.Decision), embedded);
        var input = DecisionValidator.Normalize(Samples.Load(template));
        Assert.Equal(Encoding.UTF8.GetString(DecisionJson.Serialize(input)), Encoding.UTF8.GetString(DecisionJson.Serialize(DecisionJson.Parse(embedded))));
    }

    [Fact]
    public void Same_input_and_clock_give_the_same_bytes_and_another_time_differs()
    {
        var a = Samples.Render("quyet-dinh").Pdf;
        var b = Samples.Render("quyet-dinh").Pdf;
        Assert.Equal(a, b);
        var c = ResultRenderer.Render(Samples.Load("quyet-dinh"), Samples.Options(Samples.IssuedAt.AddMinutes(1)));
        Assert.NotEqual(a, c.Pdf);
    }

    [Fact]
    public void No_transparency_javascript_or_encryption_objects_are_written()
    {
        var pdf = Encoding.Latin1.GetString(Samples.Render("quyet-dinh").Pdf);
        foreach (var forbidden in new[] { "/JavaScript", "/JS", "/Encrypt", "/SMask", "/Transparency", "/BM/" })
        {
            Assert.DoesNotContain(forbidden, pdf, StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(@"/[cC][aA] (0\.|0[^.])", pdf);
    }

    [Fact]
    public void Page_one_carries_the_verification_code_and_qr_url_before_any_signature()
    {
        var result = Samples.Render("giay-phep");
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$", result.VerificationCode);
        Assert.Equal(result.VerificationCode, VerificationCode.Normalize(result.VerificationCode.ToLowerInvariant()));
        Assert.Equal(new Uri("https://tracuu.example.gov.vn/v/" + result.VerificationCode), result.VerificationUrl);
        using var judge = new PdfJudge(result.Pdf);
        var page1 = judge.Words().Where(w => w.Page == 0).Select(w => w.Text).ToList();
        Assert.Contains(result.VerificationCode, page1);
        Assert.Contains(result.VerificationUrl.AbsoluteUri, page1);

        var custom = ResultRenderer.Render(Samples.Load("giay-phep"), Samples.Options() with { VerificationBaseUrl = new Uri("https://dichvucong.lamdong.gov.vn/tra-cuu/"), VerificationCode = "6e8p gqvr 4a6" });
        Assert.Equal("6E8P-GQVR-4A6", custom.VerificationCode);
        Assert.Equal("https://dichvucong.lamdong.gov.vn/tra-cuu/v/6E8P-GQVR-4A6", custom.VerificationUrl.AbsoluteUri);
    }

    /// <summary>What a reader must find in the page text for this template.</summary>
    internal static IEnumerable<string> ExpectedTexts(Decision d, TemplateDefinition t)
    {
        var date = DecisionValidator.ParseDate(d.Date);
        yield return d.IssuingAgency;
        if (d.ParentAgency is { } p) yield return p;
        yield return "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        yield return "Độc lập - Tự do - Hạnh phúc";
        yield return $"Số: {d.Number}/{d.Symbol}";
        yield return DocumentLayout.PlaceAndDate(d.Place, date);
        yield return d.DocumentType;
        if (d.Summary is { } s) yield return s;
        foreach (var b in d.Body)
        {
            switch (b.Kind)
            {
                case "article":
                    yield return string.Join(' ', new[] { $"Điều {b.Number}.", b.Title, b.Text }.Where(x => x != null));
                    break;
                case "table":
                    foreach (var c in b.Columns!) yield return c;
                    foreach (var r in b.Rows!) foreach (var c in r) yield return c;
                    break;
                default:
                    yield return b.Text!;
                    break;
            }
        }

        foreach (var section in t.Sections)
        {
            if (section.Kind == "text") yield return Placeholders.Fill(section.Text!, d);
            if (section.Kind == "signature")
            {
                if (section.Note is { } note) yield return Placeholders.Fill(note, d);
                if (section.Counterpart is { } cp) { yield return Placeholders.Fill(cp.Title, d); yield return Placeholders.Fill(cp.Name, d); }
            }

            if (section.Kind != "fields") continue;
            foreach (var r in section.Rows) { yield return Placeholders.Fill(r.Label, d); yield return Placeholders.Fill(r.Value, d); }
            if (section.IncludeDecisionFields) foreach (var f in d.Fields) { yield return f.Label; yield return f.Value; }
        }

        foreach (var a in d.Authority) yield return a;
        yield return d.SignerTitle;
        yield return d.SignerName;
        if (d.Recipients.Count > 0) yield return "Nơi nhận:";
        foreach (var r in d.Recipients) yield return r;
        _ = CultureInfo.InvariantCulture;
    }
}
