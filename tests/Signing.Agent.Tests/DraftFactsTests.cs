using System.Security.Cryptography;
using Signing.Agent.Commands;
using Signing.Core;
using Signing.Core.Decisions;
using Signing.Pdf.Rendering;
using Signing.Testing;
using DocumentSummary = Signing.Service.Contracts.DocumentSummary;

namespace Signing.Agent.Tests;

/// <summary>The summary a head is shown is read back from the draft's own embedded decision.</summary>
public sealed class DraftFactsTests
{
    public static TheoryData<string> Samples() => new(Directory.GetFiles(Path.Combine(RepoPaths.Samples, "decisions"), "*.json").Select(Path.GetFileNameWithoutExtension)!);

    private static (byte[] Pdf, DocumentSummary Summary) Render(string sample)
    {
        var decision = DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", sample + ".json"));
        var rendered = ResultRenderer.Render(decision, new RenderOptions { VerificationBaseUrl = new Uri("https://verify.test.example") });
        var d = rendered.Decision;
        return (rendered.Pdf, new DocumentSummary(d.DocumentType, $"{d.Number}/{d.Symbol}", d.Applicant.Name, d.DossierCode, rendered.VerificationCode, d.IssuingAgency, d.Date, rendered.PageCount));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_sample_draft_states_its_summary(string sample)
    {
        var (pdf, summary) = Render(sample);
        DraftFacts.Check(pdf, Convert.ToHexStringLower(SHA256.HashData(pdf)), summary);
    }

    [Fact]
    public void A_summary_the_draft_does_not_state_is_named_field_by_field()
    {
        var (pdf, summary) = Render("quyet-dinh");
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));
        var e = Assert.Throws<SigningException>(() => DraftFacts.Check(pdf, sha, summary with { Number = "999/QĐ-X", DossierCode = "OTHER" }));
        Assert.Contains("number '999/QĐ-X'", e.Message, StringComparison.Ordinal);
        Assert.Contains("dossier 'OTHER'", e.Message, StringComparison.Ordinal);
        Assert.Contains("code", Assert.Throws<SigningException>(() => DraftFacts.Check(pdf, sha, summary with { VerificationCode = "AAAA-BBBB-CCC" })).Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256 differs", Assert.Throws<SigningException>(() => DraftFacts.Check(pdf, new string('0', 64), summary)).Message, StringComparison.Ordinal);
        Assert.Contains("not a readable PDF", Assert.Throws<SigningException>(() => DraftFacts.Check("%PDF-1.7 nonsense"u8.ToArray(), Convert.ToHexStringLower(SHA256.HashData("%PDF-1.7 nonsense"u8)), summary)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Selection_takes_codes_or_ids_in_order_and_refuses_unknown_ones()
    {
        var summary = new DocumentSummary("t", "1/X", "a", "d", "AAAA-BBBB-CCC", "ag", "date", 1);
        var a = new QueueItem(Guid.NewGuid(), "AAAA-BBBB-CCC", "00", 1, summary);
        var b = new QueueItem(Guid.NewGuid(), "DDDD-EEEE-FFF", "00", 1, summary with { VerificationCode = "DDDD-EEEE-FFF" });
        Assert.Equal([b, a], SignCommand.Select([a, b], ["dddd-eeee-fff", a.Id.ToString()], all: false));
        Assert.Equal([a, b], SignCommand.Select([a, b], [], all: true));
        Assert.Contains("not in your queue", Assert.Throws<SigningException>(() => SignCommand.Select([a], ["ZZZZ-ZZZZ-ZZZ"], all: false)).Message, StringComparison.Ordinal);
        Assert.Throws<SigningException>(() => SignCommand.Select([a], [], all: false));
        Assert.Throws<SigningException>(() => SignCommand.Select([a], ["x"], all: true));
    }
}
