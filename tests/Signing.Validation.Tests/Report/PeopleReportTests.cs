using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;

namespace Signing.Validation.Tests.Report;

/// <summary>The report for people: Vietnamese first with English, who signed, when (the timestamp in +07:00), what changed, and the registry.</summary>
public sealed class PeopleReportTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    private static VerificationReport Verify(byte[] pdf) => PdfSignatureVerifier.Verify(pdf, new VerificationPolicy { TrustAnchors = Pki.TrustAnchors });

    [Fact]
    public void A_passing_result_says_who_signed_when_by_the_timestamp_in_vietnam_time_and_what_came_after()
    {
        var report = Verify(SignedResults.HeadThenSealTimestamped);
        Assert.True(report.Verdict == Verdict.PASSED, report.ToText());
        var people = PeopleReport.From(report);
        Assert.Equal(ReportStrings.VerdictPassed, people.VerdictText);
        Assert.Equal(2, people.Signatures.Count);
        var head = people.Signatures[0];
        var facts = report.Signatures[0];
        Assert.Contains(facts.SignerSubject!, head.Who.Vi, StringComparison.Ordinal);
        var time = facts.Timestamp.Time!.Value.ToOffset(TimeSpan.FromHours(7));
        Assert.Contains($"ngày {time:dd} tháng {time:MM} năm {time:yyyy}, {time:HH:mm}", head.When.Vi, StringComparison.Ordinal);
        Assert.Contains("UTC+07:00", head.When.Vi, StringComparison.Ordinal);
        Assert.Equal(ReportStrings.OnlyAllowedChanges.Format(1), head.ChangesHeading);
        Assert.Contains("AgencySeal", Assert.Single(head.Changes).Vi, StringComparison.Ordinal);
        Assert.Equal(ReportStrings.NothingChanged, people.Signatures[1].ChangesHeading);
        Assert.Equal([ReportStrings.RegistryNotChecked], people.Registry);

        var text = report.ToText();
        Assert.True(text.IndexOf(ReportStrings.VerdictPassed.Vi, StringComparison.Ordinal) < text.IndexOf(ReportStrings.VerdictPassed.En, StringComparison.Ordinal));
        Assert.Contains(ReportStrings.RevocationNote.Vi, text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_result_says_in_words_what_changed_after_each_signature()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var page = SignedResults.FirstPage(file);
            var dict = file.ResolveDictionary(page)!.CloneShallow();
            dict["Rotate"] = new PdfNumber(90);
            w.SetObject(page, dict);
        });
        var people = PeopleReport.From(Verify(attacked));
        Assert.Equal(Verdict.FAILED, people.Verdict);
        Assert.Equal(ReportStrings.VerdictFailed, people.VerdictText);
        Assert.All(people.Signatures, s =>
        {
            Assert.Equal(ReportStrings.DisallowedChanges, s.ChangesHeading);
            Assert.Contains(s.Changes, c => c.Vi.Contains(ReportStrings.Words(ModificationKind.PAGE_CHANGED).Vi, StringComparison.Ordinal) && c.Vi.StartsWith("phiên bản 4", StringComparison.Ordinal));
            Assert.Contains(ReportStrings.Words(PdfSignatureVerifier.DisallowedModification).Vi, s.Outcome.Vi, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Every_kind_of_change_and_every_sub_indication_has_its_own_words_in_both_languages()
    {
        foreach (var kind in Enum.GetValues<ModificationKind>())
        {
            var w = ReportStrings.Words(kind);
            Assert.NotEqual(kind.ToString(), w.Vi);
            Assert.NotEqual(w.Vi, w.En);
        }

        foreach (var sub in new[] { "FORMAT_FAILURE", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", "CRYPTO_CONSTRAINTS_FAILURE", "NO_SIGNING_CERTIFICATE_FOUND", "NO_CERTIFICATE_CHAIN_FOUND", "SIG_CONSTRAINTS_FAILURE", PdfSignatureVerifier.DisallowedModification })
        {
            Assert.NotEqual(sub, ReportStrings.Words(sub).Vi);
        }
    }

    [Fact]
    public void The_registry_lines_say_whether_it_is_the_issued_result_and_offer_the_original()
    {
        var issued = new IssuedResult { VerificationCode = "AB12-CD34-EF5", Status = "revoked", Sha256 = new string('0', 64), OriginalUrl = "https://tracuu.example/v/AB12-CD34-EF5/original.pdf" };
        var report = Verify(SignedResults.HeadThenSeal);
        var none = PeopleReport.From(report with { Registry = new RegistryMatch(RegistryMatchKind.None, issued) });
        Assert.Equal(ReportStrings.RegistryNone.Format("AB12-CD34-EF5"), none.Registry[0]);
        Assert.Contains("đã bị thu hồi", none.Registry[1].Vi, StringComparison.Ordinal);
        Assert.Equal(issued.OriginalUrl, none.OriginalUrl);
        Assert.Contains(issued.OriginalUrl, none.ToText(), StringComparison.Ordinal);
        Assert.Equal(ReportStrings.RegistryIdentical.Format("AB12-CD34-EF5"), PeopleReport.From(report with { Registry = new RegistryMatch(RegistryMatchKind.Identical, issued) }).Registry[0]);
        Assert.Equal("ngày 05 tháng 03 năm 2024, 03:05", ReportStrings.VietnamDateTime(new DateTimeOffset(2024, 3, 4, 20, 5, 0, TimeSpan.Zero)));
    }
}
