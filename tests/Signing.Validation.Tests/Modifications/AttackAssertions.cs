using Signing.Testing.Pades;

namespace Signing.Validation.Tests.Modifications;

/// <summary>How an attack on one of our signed results must be judged, said once for every attack class.</summary>
public static class AttackAssertions
{
    public static VerificationPolicy Policy => new() { TrustAnchors = TestPki.Shared.TrustAnchors };

    public static VerificationReport Verify(byte[] pdf) => PdfSignatureVerifier.Verify(pdf, Policy);

    /// <summary>
    /// The signatures named (default: our head and seal) keep a valid value for their own revision
    /// but fail as TOTAL_FAILED / DISALLOWED_MODIFICATION, each listing a change of <paramref name="kind"/>.
    /// </summary>
    public static VerificationReport AssertSignaturesFailAsModified(byte[] attacked, ModificationKind kind, params string[] fields)
    {
        var report = Verify(attacked);
        Assert.Equal(Indication.TOTAL_FAILED, report.Indication);
        foreach (var field in fields.Length == 0 ? ["Head", "AgencySeal"] : fields)
        {
            var s = report.Signatures.Single(x => x.FieldName == field);
            Assert.True(s.DigestOk && s.SignatureOk, $"{field}: the signature value itself stays valid for its revision");
            Assert.Equal(Indication.TOTAL_FAILED, s.Indication);
            Assert.Equal(PdfSignatureVerifier.DisallowedModification, s.SubIndication);
            Assert.Equal(LaterChangesAssessment.DISALLOWED_CHANGES, s.LaterChanges.Assessment);
            Assert.True(s.Modifications.Any(m => m.Kind == kind), $"{field}: expected a {kind} finding, got: {string.Join("; ", s.Modifications.Select(m => $"{m.Kind} {m.Detail}"))}");
        }

        Assert.Contains(report.Modifications, m => m.Kind == kind);
        return report;
    }

    /// <summary>Every signature passes and nothing is a finding.</summary>
    public static VerificationReport AssertPasses(byte[] pdf)
    {
        var report = Verify(pdf);
        Assert.True(report.Indication == Indication.TOTAL_PASSED, "expected TOTAL_PASSED, got: " + string.Join(" | ", report.Signatures.Select(s => $"{s.FieldName} {s.Indication} {s.SubIndication} {string.Join("; ", s.Modifications.Select(m => m.Detail))} {string.Join("; ", s.Messages)}")));
        Assert.Empty(report.Modifications);
        return report;
    }
}
