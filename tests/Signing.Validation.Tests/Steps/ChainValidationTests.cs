using System.Security.Cryptography.X509Certificates;
using Signing.Testing.Pades;
using Signing.Validation.Policy;

namespace Signing.Validation.Tests.Steps;

/// <summary>
/// The X.509 step on real signed files: the signer's key usage against the policy, and every
/// certificate's validity at the best signature time (the timestamp's genTime when a valid one
/// exists, else the validation time; never /M), each with its ETSI EN 319 102-1 sub-indication.
/// </summary>
public sealed class ChainValidationTests : SignedFileChecks
{
    [Fact]
    public void Our_head_signature_with_a_timestamp_passes_the_default_policy()
    {
        var s = VerifyOnly(SignedResults.SignedBy(Pki.Head, new OpenSslTimestampClient(Pki)), DefaultPolicy);

        Assert.Equal(Indication.TOTAL_PASSED, s.Indication);
        Assert.Null(s.SubIndication);
        Assert.True(s.Timestamp.Valid, s.Timestamp.Problem);
    }

    [Fact]
    public void A_signer_certificate_for_key_encipherment_only_is_indeterminate_chain_constraints_failure()
    {
        var signer = Pki.IssueSigner("CN=Encryption only, O=Signing Tests, C=VN", Now.AddDays(-1), Now.AddYears(1), X509KeyUsageFlags.KeyEncipherment);

        var s = VerifyOnly(SignedResults.SignedBy(signer, null), DefaultPolicy);

        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("CHAIN_CONSTRAINTS_FAILURE", s.SubIndication);
        Assert.Contains("nonRepudiation or digitalSignature", s.Chain!.Status, StringComparison.Ordinal);
    }

    [Fact]
    public void A_digital_signature_only_signer_passes_any_of_but_fails_a_policy_that_requires_non_repudiation()
    {
        var signer = Pki.IssueSigner("CN=Digital signature only, O=Signing Tests, C=VN", Now.AddDays(-1), Now.AddYears(1), X509KeyUsageFlags.DigitalSignature);
        var pdf = SignedResults.SignedBy(signer, null);

        var byDefault = VerifyOnly(pdf, DefaultPolicy);
        var strict = VerifyOnly(pdf, DefaultPolicy with { SignerKeyUsage = new SignerKeyUsage([X509KeyUsageFlags.NonRepudiation], All: true) });

        Assert.Equal(Indication.TOTAL_PASSED, byDefault.Indication);
        Assert.Equal(Indication.INDETERMINATE, strict.Indication);
        Assert.Equal("CHAIN_CONSTRAINTS_FAILURE", strict.SubIndication);
    }

    [Fact]
    public void An_expired_signer_certificate_without_a_timestamp_is_indeterminate_out_of_bounds_no_poe()
    {
        var signer = Pki.IssueSigner("CN=Expired signer, O=Signing Tests, C=VN", Now.AddYears(-2), Now.AddDays(-1), X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.DigitalSignature);

        var s = VerifyOnly(SignedResults.SignedBy(signer, null), DefaultPolicy);

        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("OUT_OF_BOUNDS_NO_POE", s.SubIndication);
    }

    [Fact]
    public void After_the_certificate_expired_a_timestamp_from_its_validity_keeps_the_signature_passing()
    {
        // The head's certificate ends in two years; validating in three, only the timestamp proves the signature is older.
        var later = DefaultPolicy with { ValidationTime = Now.AddYears(3) };

        var s = VerifyOnly(SignedResults.SignedBy(Pki.Head, new OpenSslTimestampClient(Pki)), later);

        Assert.Equal(Indication.TOTAL_PASSED, s.Indication);
        Assert.True(s.Timestamp.Valid, s.Timestamp.Problem);
    }

    [Fact]
    public void After_the_certificate_expired_a_claimed_signing_time_inside_its_validity_proves_nothing()
    {
        var later = DefaultPolicy with { ValidationTime = Now.AddYears(3) };
        var pdf = SignedResults.SignedBy(Pki.Head, null);

        var s = VerifyOnly(pdf, later);

        Assert.NotNull(s.ClaimedSigningTime); // /M says "today", when the certificate was valid
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("OUT_OF_BOUNDS_NO_POE", s.SubIndication);
    }

    [Fact]
    public void A_signer_certificate_not_yet_valid_when_the_signature_existed_is_total_failed_not_yet_valid()
    {
        var signer = Pki.IssueSigner("CN=Not yet valid, O=Signing Tests, C=VN", Now.AddDays(2), Now.AddYears(1), X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.DigitalSignature);

        var plain = VerifyOnly(SignedResults.SignedBy(signer, null), DefaultPolicy);
        var timestamped = VerifyOnly(SignedResults.SignedBy(signer, new OpenSslTimestampClient(Pki)), DefaultPolicy);

        Assert.Equal(Indication.TOTAL_FAILED, plain.Indication);
        Assert.Equal("NOT_YET_VALID", plain.SubIndication);
        Assert.True(timestamped.Timestamp.Valid, timestamped.Timestamp.Problem);
        Assert.Equal(Indication.TOTAL_FAILED, timestamped.Indication);
        Assert.Equal("NOT_YET_VALID", timestamped.SubIndication);
    }

    [Fact]
    public void Validating_at_a_past_time_before_the_certificate_without_a_timestamp_is_indeterminate_out_of_bounds_no_poe()
    {
        // Nothing proves the signature existed a year ago, so "made before its certificate" is not shown: no TOTAL_FAILED.
        var s = VerifyOnly(SignedResults.Headed, DefaultPolicy with { ValidationTime = Now.AddYears(-1) });

        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("OUT_OF_BOUNDS_NO_POE", s.SubIndication);
    }

    [Fact]
    public void A_signer_whose_root_is_only_a_timestamp_anchor_is_indeterminate_no_certificate_chain_found()
    {
        var policy = new VerificationPolicy { SignatureTrustAnchors = [SeparateTsaPki.Shared.Root], TimestampTrustAnchors = [Pki.Root] };

        var s = VerifyOnly(SignedResults.SignedBy(Pki.Head, new OpenSslTimestampClient(Pki)), policy);

        Assert.True(s.Timestamp.Valid, s.Timestamp.Problem);
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("NO_CERTIFICATE_CHAIN_FOUND", s.SubIndication);
    }
}
