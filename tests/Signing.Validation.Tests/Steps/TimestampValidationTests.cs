using Signing.Testing.Pades;

namespace Signing.Validation.Tests.Steps;

/// <summary>
/// The timestamp's own chain, to the policy's timestamp anchors, at its genTime: a TSA under a
/// separate root (made by openssl) is trusted only when that root is a timestamp anchor.
/// </summary>
public sealed class TimestampValidationTests
{
    private static readonly TestPki Pki = TestPki.Shared;
    private static readonly SeparateTsaPki Tsa = SeparateTsaPki.Shared;
    private static readonly Lazy<byte[]> StampedBySeparateTsa = new(() => SignedResults.SignedBy(Pki.Head, Tsa.Client));

    private static SignatureVerification VerifyOnly(VerificationPolicy policy) => Assert.Single(PdfSignatureVerifier.Verify(StampedBySeparateTsa.Value, policy).Signatures);

    [Fact]
    public void A_tsa_under_its_own_root_passes_when_that_root_is_a_timestamp_anchor()
    {
        var s = VerifyOnly(new VerificationPolicy { SignatureTrustAnchors = [Pki.Root], TimestampTrustAnchors = [Tsa.Root] });

        Assert.True(s.Timestamp.Valid, s.Timestamp.Problem);
        Assert.Equal(Tsa.Tsa.Subject, s.Timestamp.TsaSubject);
        Assert.Equal(Indication.TOTAL_PASSED, s.Indication);
        Assert.Equal("B-T", s.PadesLevel);
    }

    [Fact]
    public void A_tsa_whose_root_is_trusted_for_signers_only_is_indeterminate_sig_constraints_failure()
    {
        // Trusting a CA for signers does not make it a time authority.
        var s = VerifyOnly(new VerificationPolicy { SignatureTrustAnchors = [Pki.Root, Tsa.Root], TimestampTrustAnchors = [Pki.Root] });

        Assert.False(s.Timestamp.Valid);
        Assert.False(s.Timestamp.TsaChainTrusted);
        Assert.Contains("not trusted for timestamps", s.Timestamp.Problem, StringComparison.Ordinal);
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("SIG_CONSTRAINTS_FAILURE", s.SubIndication);
    }

    [Fact]
    public void A_tsa_certificate_whose_timestamping_eku_is_not_critical_is_indeterminate_sig_constraints_failure()
    {
        using var tsa = new NonCompliantTsa(Pki);

        var s = Assert.Single(PdfSignatureVerifier.Verify(SignedResults.SignedBy(Pki.Head, tsa), new VerificationPolicy { TrustAnchors = Pki.TrustAnchors }).Signatures);

        Assert.True(s.Timestamp.Present);
        Assert.True(s.Timestamp.ImprintOk);
        Assert.False(s.Timestamp.Valid);
        Assert.True(s.Timestamp.Problem?.Contains("critical timeStamping", StringComparison.Ordinal), s.Timestamp.Problem);
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("SIG_CONSTRAINTS_FAILURE", s.SubIndication);
    }

    [Fact]
    public void An_untrusted_timestamp_is_no_proof_of_existence_for_an_expired_certificate()
    {
        // Three years on the head's certificate has expired; the token would prove the signature older, but its TSA is not trusted.
        var s = VerifyOnly(new VerificationPolicy { SignatureTrustAnchors = [Pki.Root], TimestampTrustAnchors = [Pki.Root], ValidationTime = DateTimeOffset.UtcNow.AddYears(3) });

        Assert.False(s.Timestamp.Valid);
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("OUT_OF_BOUNDS_NO_POE", s.SubIndication);
    }
}
