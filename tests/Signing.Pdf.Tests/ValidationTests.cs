using System.Text;
using Signing.Core;
using Signing.Core.Decisions;
using Signing.Pdf.Rendering;
using Signing.Pdf.Templates;

namespace Signing.Pdf.Tests;

/// <summary>Bad input gets one clear error per field and nothing is rendered.</summary>
public sealed class ValidationTests
{
    private static DecisionValidationException Reject(Decision d) =>
        Assert.Throws<DecisionValidationException>(() => ResultRenderer.Render(d, Samples.Options()));

    private static void AssertError(DecisionValidationException ex, string field, string fragment) =>
        Assert.Contains(ex.Errors, e => e.Field == field && e.Message.Contains(fragment, StringComparison.Ordinal));

    [Fact]
    public void Missing_fields_are_each_reported_with_their_path()
    {
        var d = Samples.Load("quyet-dinh") with { IssuingAgency = "", SignerName = " ", Date = "", Applicant = new Applicant() };
        var ex = Reject(d);
        AssertError(ex, "issuingAgency", "is required");
        AssertError(ex, "signerName", "is required");
        AssertError(ex, "date", "is required");
        AssertError(ex, "applicant.name", "is required");
        Assert.StartsWith("invalid decision: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.IsAssignableFrom<SigningException>(ex);
    }

    [Fact]
    public void Too_long_control_characters_and_bad_dates_are_rejected()
    {
        var d = Samples.Load("quyet-dinh") with
        {
            Summary = new string('a', DecisionValidator.MaxSummary + 1),
            SignerName = "Trần\u0007Văn",
            Date = "2024-02-30",
            Recipients = ["- Như Điều 3;\n- Lưu"],
            Body = [new BodyBlock { Kind = "paragraph", Text = "abc\u202Edef" }, new BodyBlock { Kind = "poem", Text = "x" }],
        };
        var ex = Reject(d);
        AssertError(ex, "summary", "too long (401 characters, at most 400)");
        AssertError(ex, "signerName", "control character (U+0007)");
        AssertError(ex, "date", "\"2024-02-30\" is not a valid date");
        AssertError(ex, "recipients[0]", "control character (U+000A)");
        AssertError(ex, "body[0].text", "control character (U+202E)");
        AssertError(ex, "body[1].kind", "unknown block kind \"poem\"");
    }

    [Fact]
    public void Unknown_template_and_decree_conventions_are_reported()
    {
        var d = Samples.Load("quyet-dinh") with { Template = "thu-moi", IssuingAgency = "Ủy ban nhân dân tỉnh Lâm Đồng", Authority = ["THAY MẶT CHỦ TỊCH"], Symbol = "qđ ubnd" };
        var ex = Reject(d);
        AssertError(ex, "template", "unknown template \"thu-moi\" (known: giay-phep, mau-01-tiep-nhan, mau-02-bo-sung, mau-03-tu-choi, mau-04-xin-loi, quyet-dinh)");
        AssertError(ex, "issuingAgency", "uppercase");
        AssertError(ex, "authority[0]", "TM., KT., Q.");
        AssertError(ex, "symbol", "uppercase letters");
        Assert.Throws<DecisionValidationException>(() => ResultRenderer.Render(Samples.Load("quyet-dinh"), Samples.Options() with { TemplateOverride = "nope" }));
    }

    [Fact]
    public void A_template_names_the_fields_it_needs()
    {
        var d = Samples.Load("mau-04-xin-loi");
        var ex = Reject(d with { Fields = d.Fields.Where(f => f.Key != "newReturnAt").ToArray() });
        AssertError(ex, "fields", "needs a row with key \"newReturnAt\" for template mau-04-xin-loi");
        var ex2 = Reject(Samples.Load("quyet-dinh") with { Summary = null });
        AssertError(ex2, "summary", "is required by template quyet-dinh");
    }

    [Fact]
    public void Text_is_normalised_to_nfc_before_rendering_and_embedding()
    {
        var nfd = "Trần Văn Hiệp".Normalize(NormalizationForm.FormD);
        var result = ResultRenderer.Render(Samples.Load("quyet-dinh") with { SignerName = nfd }, Samples.Options());
        Assert.Equal("Trần Văn Hiệp", result.Decision.SignerName);
        Assert.True(result.Decision.SignerName.IsNormalized(NormalizationForm.FormC));
        using var judge = new PdfJudge(result.Pdf);
        Assert.Contains("Trần Văn Hiệp", judge.Text(), StringComparison.Ordinal);
        Assert.Contains("\"signerName\": \"Trần Văn Hiệp\"", Encoding.UTF8.GetString(judge.Attachment()), StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_and_misspelt_properties_are_clear_errors()
    {
        var ex = Assert.Throws<DecisionValidationException>(() => DecisionJson.Parse("{\"template\": \"quyet-dinh\", \"signerNmae\": \"x\"}"));
        Assert.Contains("signerNmae", ex.Message, StringComparison.Ordinal);
        var ex2 = Assert.Throws<DecisionValidationException>(() => DecisionJson.Parse("{\"template\": "));
        Assert.Contains("not valid decision JSON", ex2.Message, StringComparison.Ordinal);
        Assert.Throws<SigningException>(() => DecisionJson.Load("/nonexistent/decision.json"));
    }

    [Fact]
    public void Verification_code_check_character_catches_typos_and_swaps()
    {
        var code = Samples.Render("mau-04-xin-loi").VerificationCode;
        var plain = code.Replace("-", "", StringComparison.Ordinal);
        for (var i = 0; i < plain.Length; i++)
        {
            var typo = plain.ToCharArray();
            typo[i] = VerificationCode.Alphabet[(VerificationCode.Alphabet.IndexOf(typo[i], StringComparison.Ordinal) + 7) % 32];
            Assert.Throws<SigningException>(() => VerificationCode.Normalize(new string(typo)));
            if (i + 1 < plain.Length && plain[i] != plain[i + 1])
            {
                var swap = plain.ToCharArray();
                (swap[i], swap[i + 1]) = (swap[i + 1], swap[i]);
                Assert.Throws<SigningException>(() => VerificationCode.Normalize(new string(swap)));
            }
        }

        Assert.Equal(code, VerificationCode.Normalize(plain.ToLowerInvariant().Replace('0', 'o').Replace('1', 'l')));
    }

    [Fact]
    public void A_new_template_is_a_json_file_and_needs_no_engine_change()
    {
        var dir = Signing.Testing.RepoPaths.NewTempDirectory("signing-templates");
        try
        {
            File.WriteAllText(Path.Combine(dir, "thong-bao.json"), """
                { "id": "thong-bao", "name": "Thông báo", "requires": ["summary"],
                  "sections": [ { "kind": "header" }, { "kind": "title" },
                    { "kind": "text", "text": "Kính gửi: {applicant.name}", "align": "center", "bold": true },
                    { "kind": "body" }, { "kind": "signature" } ] }
                """);
            var d = Samples.Load("quyet-dinh") with { Template = "thong-bao", DocumentType = "THÔNG BÁO" };
            var result = ResultRenderer.Render(d, Samples.Options() with { TemplateDirectory = dir });
            using var judge = new PdfJudge(result.Pdf);
            Assert.Contains("Kính gửi: Công ty Cổ phần Xây dựng Đà Lạt", judge.Text(), StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(dir, "thong-bao.json"), """{ "id": "thong-bao", "sections": [ { "kind": "marquee" } ] }""");
            var ex = Assert.Throws<SigningException>(() => ResultRenderer.Render(d, Samples.Options() with { TemplateDirectory = dir }));
            Assert.Contains("sections[0].kind \"marquee\"", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Built_in_templates_are_the_four_of_the_issue()
    {
        Assert.Equal(["giay-phep", "mau-01-tiep-nhan", "mau-02-bo-sung", "mau-03-tu-choi", "mau-04-xin-loi", "quyet-dinh"], TemplateCatalog.BuiltIn.Ids.Order(StringComparer.Ordinal));
    }
}
