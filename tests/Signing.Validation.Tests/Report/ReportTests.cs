using System.Text.Json;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;

namespace Signing.Validation.Tests.Report;

/// <summary>The machine report (schema 3): one verdict, the rules that make it, and a JSON shape that round-trips.</summary>
public sealed class ReportTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    private static VerificationPolicy Policy => new() { TrustAnchors = Pki.TrustAnchors };

    private static readonly ByteRangeCheck Range = new([0, 10, 20, 10], true, null);

    private static SignatureVerification Signature(Indication indication) => new()
    {
        FieldName = "S",
        ByteRange = Range,
        Timestamp = new TimestampCheck(false, false, null, false, null, false, null),
        LaterChanges = new LaterChanges(0, LaterChangesAssessment.NONE, []),
        Indication = indication,
    };

    [Fact]
    public void The_verdict_fails_on_any_failed_signature_or_finding_and_passes_only_when_every_signature_of_at_least_one_passed()
    {
        var finding = new Modification(3, 7, ModificationKind.PAGE_CHANGED, "page object 7 changed");
        Assert.Equal(Verdict.INDETERMINATE, Verdicts.Of([], []));
        Assert.Equal(Verdict.FAILED, Verdicts.Of([], [finding]));
        Assert.Equal(Verdict.PASSED, Verdicts.Of([Signature(Indication.TOTAL_PASSED), Signature(Indication.TOTAL_PASSED)], []));
        Assert.Equal(Verdict.FAILED, Verdicts.Of([Signature(Indication.TOTAL_PASSED)], [finding]));
        Assert.Equal(Verdict.INDETERMINATE, Verdicts.Of([Signature(Indication.TOTAL_PASSED), Signature(Indication.INDETERMINATE)], []));
        Assert.Equal(Verdict.FAILED, Verdicts.Of([Signature(Indication.INDETERMINATE), Signature(Indication.TOTAL_FAILED)], []));
        Assert.Equal([0, 3, 2], new[] { Verdict.PASSED, Verdict.FAILED, Verdict.INDETERMINATE }.Select(v => v.ExitCode()));
    }

    [Fact]
    public void The_json_has_schema_3_one_document_verdict_and_per_signature_indication_revision_and_timestamp()
    {
        var report = PdfSignatureVerifier.Verify(SignedResults.HeadThenSealTimestamped, Policy);
        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("PASSED", root.GetProperty("verdict").GetString());
        // One answer per document: the ETSI aggregate is not serialized beside the verdict.
        Assert.False(root.TryGetProperty("indication", out _));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("registry").ValueKind);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("modifications").ValueKind);
        var signatures = root.GetProperty("signatures").EnumerateArray().ToList();
        Assert.Equal(2, signatures.Count);
        Assert.All(signatures, s =>
        {
            Assert.Equal("TOTAL_PASSED", s.GetProperty("indication").GetString());
            Assert.Equal(JsonValueKind.Null, s.GetProperty("subIndication").ValueKind);
            Assert.True(s.GetProperty("revision").GetInt32() >= 2);
            Assert.True(s.GetProperty("timestamp").GetProperty("valid").GetBoolean());
            Assert.Equal(JsonValueKind.String, s.GetProperty("timestamp").GetProperty("time").ValueKind);
        });

        var back = VerificationReport.FromJson(report.ToJson());
        Assert.Equal(report.Verdict, back.Verdict);
        Assert.Equal(report.ToJson(), back.ToJson());
    }

    [Fact]
    public void A_finding_is_in_the_json_with_revision_object_and_kind_and_fails_the_verdict()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var page = SignedResults.FirstPage(file);
            var dict = file.ResolveDictionary(page)!.CloneShallow();
            dict["Rotate"] = new PdfNumber(90);
            w.SetObject(page, dict);
        });
        var report = PdfSignatureVerifier.Verify(attacked, Policy);
        Assert.Equal(Verdict.FAILED, report.Verdict);
        using var json = JsonDocument.Parse(report.ToJson());
        // (The seal's own revision is a finding too: a signature that fails cannot vouch for the changes it made.)
        var m = json.RootElement.GetProperty("modifications").EnumerateArray().Single(x => x.GetProperty("revision").GetInt32() == 4);
        Assert.Equal("PAGE_CHANGED", m.GetProperty("kind").GetString());
        Assert.Equal(SignedResults.FirstPage(PdfFile.Parse(attacked)).ObjectNumber, m.GetProperty("objectNumber").GetInt32());
        Assert.Equal("FAILED", json.RootElement.GetProperty("verdict").GetString());
    }
}
