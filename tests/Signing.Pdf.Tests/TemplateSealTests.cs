using System.Text;
using Signing.Core;
using Signing.Pdf.Templates;

namespace Signing.Pdf.Tests;

public sealed class TemplateSealTests
{
    [Fact]
    public void Every_built_in_template_names_key_fields_for_its_printed_seal()
    {
        foreach (var id in Samples.Templates)
        {
            var seal = TemplateCatalog.BuiltIn[id].Seal;
            Assert.NotEmpty(seal.KeyFields);
            Assert.All(seal.KeyFields, f => Assert.False(string.IsNullOrEmpty(f.LabelEn)));
            Assert.InRange(seal.CheckOnlineAfterDays, 1, 3660);
        }
    }

    [Theory]
    [InlineData("""{ "keyFields": [ { "label": "Chủ", "value": "{applicant.passport}" } ] }""", "seal.keyFields[0] uses unknown placeholder {applicant.passport}")]
    [InlineData("""{ "keyFields": [ { "label": "", "value": "{applicant.name}" } ] }""", "seal.keyFields[0] needs a label and a value")]
    [InlineData("""{ "checkOnlineAfterDays": 0 }""", "seal.checkOnlineAfterDays must be between 1 and 3660")]
    public void A_bad_seal_section_is_refused_with_its_path(string seal, string message)
    {
        var json = $$"""{ "id": "thong-bao", "sections": [ { "kind": "header" } ], "seal": {{seal}} }""";
        var ex = Assert.Throws<SigningException>(() => TemplateCatalog.Parse(Encoding.UTF8.GetBytes(json), "thong-bao.json"));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
