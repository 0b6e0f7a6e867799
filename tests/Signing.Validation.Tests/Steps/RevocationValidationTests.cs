using System.Security.Cryptography.X509Certificates;
using Signing.Pades.LongTerm;
using Signing.Revocation;
using Signing.Testing.Pades;
using Signing.Validation.Policy;

namespace Signing.Validation.Tests.Steps;

/// <summary>
/// The revocation step with the real dev responders and CRLs: B-LT/B-LTA data found in the file,
/// revoked signers and CAs, a timestamp before the revocation, the per-anchor modes, and the clock moved ten years.
/// </summary>
public sealed class RevocationValidationTests : IClassFixture<RevocationValidationTests.Pki>
{
    private readonly Pki _fixture;

    public RevocationValidationTests(Pki fixture) => _fixture = fixture;

    /// <summary>One PKI for the tests that do not revoke anything; the others make their own.</summary>
    public sealed class Pki : IDisposable
    {
        public RevocationPki Value { get; } = new();

        public void Dispose() => Value.Dispose();
    }

    private static VerificationPolicy Policy(RevocationPki pki, RevocationMode mode, IRevocationSource? online = null, DateTimeOffset? at = null) => new()
    {
        TrustAnchors = pki.Anchors,
        ValidationTime = at,
        Revocation = new RevocationPolicy { Mode = mode, Online = online ?? EmbeddedRevocationData.Empty },
    };

    [Fact]
    public async Task A_B_LTA_result_verifies_offline_from_its_own_DSS()
    {
        var pki = _fixture.Value;
        var pdf = await pki.SignAsync(PadesLevel.BLTA);
        var report = PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.Offline));
        Assert.Equal(Verdict.PASSED, report.Verdict);
        var signature = report.Signatures[0];
        Assert.Equal("B-LTA", signature.PadesLevel);
        Assert.Contains(signature.Messages, m => m.Contains("The signer's certificate: not revoked according to OCSP", StringComparison.Ordinal));
        Assert.Contains(signature.Messages, m => m.Contains("'Signing Dev Issuing CA': not revoked according to OCSP", StringComparison.Ordinal));
        Assert.Equal(SignatureKind.DOCUMENT_TIMESTAMP, report.Signatures[1].Kind);
        Assert.Equal(Indication.TOTAL_PASSED, report.Signatures[1].Indication);
    }

    [Fact]
    public async Task A_B_T_result_offline_is_TRY_LATER_and_says_nothing_in_the_file_covers_the_signer()
    {
        var pki = _fixture.Value;
        var pdf = await pki.SignAsync(PadesLevel.BT);
        var s = PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.Offline)).Signatures[0];
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal(SubIndications.TryLater, s.SubIndication);
        Assert.Contains(s.Messages, m => m.Contains("could not be established in the file (offline)", StringComparison.Ordinal));

        // Soft-fail accepts the unknown status with a note; hard-fail with an online source that has it passes.
        Assert.Equal(Verdict.PASSED, PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.SoftFail)).Verdict);
        var online = PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.HardFail, pki.Source));
        Assert.Equal(Verdict.PASSED, online.Verdict);
        Assert.Equal("B-T", online.Signatures[0].PadesLevel); // the data came from outside the file
    }

    [Fact]
    public async Task Ten_years_on_with_every_certificate_expired_and_the_CA_revoked_later_the_B_LTA_result_still_passes_and_B_T_does_not()
    {
        using var pki = new RevocationPki();
        var lta = await pki.SignAsync(PadesLevel.BLTA);
        var bt = await pki.SignAsync(PadesLevel.BT);
        var later = DateTimeOffset.UtcNow.AddYears(10);
        Assert.True(later > pki.Root.NotAfter.ToUniversalTime()); // every certificate has expired by then
        pki.Revoke("issuing-ca", X509RevocationReason.CessationOfOperation, DateTimeOffset.UtcNow.AddYears(3));

        var report = PdfSignatureVerifier.Verify(lta, Policy(pki, RevocationMode.Offline, at: later));
        Assert.True(report.Verdict == Verdict.PASSED, report.ToText());
        Assert.Equal("B-LTA", report.Signatures[0].PadesLevel);

        var old = PdfSignatureVerifier.Verify(bt, Policy(pki, RevocationMode.Offline, at: later)).Signatures[0];
        // Nothing in the file shows the TSA unrevoked, so the timestamp proves nothing and the expired signer has no proof of existence.
        Assert.Equal(Indication.INDETERMINATE, old.Indication);
        Assert.Equal(SubIndications.OutOfBoundsNoPoe, old.SubIndication);
        Assert.Contains("could not be established in the file (offline)", old.Timestamp.Problem, StringComparison.Ordinal);
        Assert.Contains(old.Messages, m => m.Contains("expired", StringComparison.Ordinal));

        // Asked online, the CA's later revocation (after the timestamp) does not undo the B-T signature either.
        var online = PdfSignatureVerifier.Verify(bt, Policy(pki, RevocationMode.HardFail, pki.Source, later)).Signatures[0];
        Assert.Equal(Indication.TOTAL_PASSED, online.Indication);
        Assert.Contains(online.Messages, m => m.Contains("'Signing Dev Issuing CA' was revoked at", StringComparison.Ordinal) && m.Contains("stays valid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signature_timestamped_before_its_signer_was_revoked_stays_valid()
    {
        using var pki = new RevocationPki();
        var pdf = await pki.SignAsync(PadesLevel.BT);
        pki.Revoke("head", X509RevocationReason.KeyCompromise, DateTimeOffset.UtcNow.AddMinutes(1));
        var s = PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.HardFail, pki.Source)).Signatures[0];
        Assert.Equal(Indication.TOTAL_PASSED, s.Indication);
        Assert.Contains(s.Messages, m => m.Contains("revoked at", StringComparison.Ordinal) && m.Contains("so it stays valid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signer_revoked_before_the_timestamp_is_REVOKED_NO_POE_and_so_is_an_untimestamped_one()
    {
        using var pki = new RevocationPki();
        pki.Revoke("head", X509RevocationReason.KeyCompromise, DateTimeOffset.UtcNow.AddDays(-1));
        foreach (var level in new[] { PadesLevel.BT, PadesLevel.BB })
        {
            var pdf = await pki.SignAsync(level);
            var s = PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.SoftFail, pki.Source)).Signatures[0];
            Assert.Equal(Indication.INDETERMINATE, s.Indication);
            Assert.Equal(SubIndications.RevokedNoPoe, s.SubIndication);
            Assert.Contains(s.Messages, m => m.Contains("keyCompromise", StringComparison.Ordinal));
        }

        // No long-term data is written for a revoked signer.
        await Assert.ThrowsAsync<Core.SigningException>(() => pki.SignAsync(PadesLevel.BLT));
    }

    [Fact]
    public async Task A_revoked_issuing_CA_is_REVOKED_CA_NO_POE_and_a_revoked_TSA_voids_the_timestamp()
    {
        using var pki = new RevocationPki();
        var pdf = await pki.SignAsync(PadesLevel.BT);
        pki.Revoke("tsa", X509RevocationReason.KeyCompromise, DateTimeOffset.UtcNow.AddMinutes(5));
        var s = PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.HardFail, pki.Source)).Signatures[0];
        // A TSA key compromised later could have dated the token earlier: no proof, whatever genTime says.
        Assert.False(s.Timestamp.Valid);
        Assert.Contains("revocation:", s.Timestamp.Problem, StringComparison.Ordinal);

        pki.Revoke("issuing-ca", X509RevocationReason.CACompromise, DateTimeOffset.UtcNow.AddDays(-1));
        var ca = PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.SoftFail, pki.Source)).Signatures[0];
        Assert.Equal(SubIndications.RevokedCaNoPoe, ca.SubIndication);
    }

    [Fact]
    public async Task The_mode_follows_the_trust_anchor_and_no_check_says_so()
    {
        var pki = _fixture.Value;
        var pdf = await pki.SignAsync(PadesLevel.BT);
        var anchor = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(pki.Root.RawData));
        var policy = Policy(pki, RevocationMode.SoftFail) with
        {
            Revocation = new RevocationPolicy { Mode = RevocationMode.SoftFail, Online = EmbeddedRevocationData.Empty, PerAnchor = new Dictionary<string, RevocationMode> { [anchor] = RevocationMode.HardFail } },
        };
        Assert.Equal(SubIndications.TryLater, PdfSignatureVerifier.Verify(pdf, policy).Signatures[0].SubIndication);
        var none = PdfSignatureVerifier.Verify(pdf, Policy(pki, RevocationMode.NoCheck)).Signatures[0];
        Assert.Equal(Indication.TOTAL_PASSED, none.Indication);
        Assert.Contains(none.Messages, m => m.Contains("was not checked (the policy for its trust anchor says so)", StringComparison.Ordinal));
    }
}
