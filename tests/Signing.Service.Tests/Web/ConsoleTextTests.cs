using System.Xml.Linq;
using Signing.Service.Pages.Staff;
using Signing.Service.Web;
using Signing.Testing;

namespace Signing.Service.Tests.Web;

/// <summary>The console's words: both languages carry the same keys, each page's keys exist, and the small pure helpers.</summary>
public sealed class ConsoleTextTests
{
    private static readonly string Resources = Path.Combine(RepoPaths.Root, "src", "Signing.Service", "Resources", "Web");

    private static Dictionary<string, string> Load(string file) =>
        XDocument.Load(Path.Combine(Resources, file)).Root!.Elements("data")
            .ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")!.Value, StringComparer.Ordinal);

    [Fact]
    public void Vietnamese_and_English_have_the_same_keys_and_every_key_a_page_names_exists()
    {
        var vi = Load("ConsoleText.resx");
        var en = Load("ConsoleText.en.resx");
        Assert.Equal(vi.Keys.Order(StringComparer.Ordinal), en.Keys.Order(StringComparer.Ordinal));
        Assert.All(vi, p => Assert.False(string.IsNullOrWhiteSpace(p.Value), p.Key));
        Assert.All(en, p => Assert.False(string.IsNullOrWhiteSpace(p.Value), p.Key));

        var pages = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src", "Signing.Service", "Pages"), "*.cshtml", SearchOption.AllDirectories);
        var named = pages.SelectMany(p => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(p), "T\\[\"([A-Za-z_.]+)\"").Select(m => m.Groups[1].Value))
            .Where(k => !k.EndsWith('_')) // prefixes completed at run time (Status_, Field_, ...)
            .Distinct();
        Assert.All(named, k => Assert.True(vi.ContainsKey(k), $"a page names '{k}', which the resource lacks"));
        foreach (var status in Enum.GetValues<Signing.Core.Documents.DocumentStatus>())
            Assert.True(vi.ContainsKey("Status_" + Signing.Core.Documents.DocumentStatusNames.ToName(status)), status.ToString());
        foreach (var field in IntakeModel.FormFields)
        {
            Assert.True(vi.ContainsKey("Field_" + field), "Field_" + field);
            Assert.True(vi.ContainsKey("Rule_" + field), "Rule_" + field);
        }
    }

    [Fact]
    public void Dates_are_written_in_Vietnam_time_as_ngay_thang_nam()
    {
        var localizer = new Microsoft.Extensions.Localization.ResourceManagerStringLocalizerFactory(
            Microsoft.Extensions.Options.Options.Create(new Microsoft.Extensions.Localization.LocalizationOptions { ResourcesPath = "Resources" }),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).Create(typeof(ConsoleText));
        var previous = System.Globalization.CultureInfo.CurrentUICulture;
        try
        {
            System.Globalization.CultureInfo.CurrentUICulture = ConsoleSetup.Vietnamese;
            var t = new DateTimeOffset(2024, 3, 4, 20, 5, 9, TimeSpan.Zero);
            Assert.Equal("ngày 05 tháng 03 năm 2024, 03:05:09 (+07:00)", VietnamTime.DateTime(localizer, t));
            Assert.Equal("ngày 05 tháng 03 năm 2024", VietnamTime.Date(localizer, t));
            Assert.Equal("ngày 29 tháng 01 năm 2024", VietnamTime.IsoDate(localizer, "2024-01-29"));
            System.Globalization.CultureInfo.CurrentUICulture = ConsoleSetup.English;
            Assert.Equal("05 Mar 2024, 03:05:09 (UTC+07:00)", VietnamTime.DateTime(localizer, t));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = previous;
        }
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("+84 263", "\"'+84 263\"")]
    [InlineData(null, "")]
    public void Csv_cells_are_quoted_and_formulas_defused(string? value, string cell) => Assert.Equal(cell, ConsoleEndpoints.Cell(value));

    [Theory]
    [InlineData("body[3].text", "body")]
    [InlineData("fields[0].key", "fields")]
    [InlineData("applicant.idNumber", "applicant.idNumber")]
    [InlineData("number", "number")]
    [InlineData("schemaVersion", "$")]
    [InlineData("$", "$")]
    public void Validator_paths_map_to_the_form_field_that_shows_them(string path, string field) => Assert.Equal(field, IntakeModel.FieldOf(path));

    [Fact]
    public void The_form_turns_lines_into_articles_headings_bases_and_rows()
    {
        var d = new IntakeForm
        {
            Body = "Căn cứ Luật Xây dựng;\nQUYẾT ĐỊNH:\n\nĐiều 1. Cấp giấy phép.\nĐiều 12. Thi hành.",
            Fields = "Thời gian trả kết quả | 14 giờ 00 | returnAt\nGhi chú | không",
        }.ToDecision();
        Assert.Equal(["paragraph", "heading", "article", "article"], d.Body.Select(b => b.Kind));
        Assert.True(d.Body[0].Italic);
        Assert.Equal((12, "Thi hành."), (d.Body[3].Number!.Value, d.Body[3].Text!));
        Assert.Equal("returnAt", d.Fields[0].Key);
        Assert.Null(d.Fields[1].Key);
        Assert.Equal("không", d.Fields[1].Value);
    }
}
