using System.Security.Cryptography;
using Signing.Cms;
using Signing.Testing.Pades;
using Signing.Validation.Policy;

namespace Signing.Validation.Tests.Steps;

/// <summary>
/// Algorithm and key constraints with dates, judged at the best signature time: a rule the
/// policy never meets is CRYPTO_CONSTRAINTS_FAILURE; one that stopped being acceptable before the
/// best signature time, with nothing proving the signature older, is CRYPTO_CONSTRAINTS_FAILURE_NO_POE.
/// </summary>
public sealed class CryptoConstraintsValidationTests : SignedFileChecks
{
    [Fact]
    public void Sha1_under_a_policy_that_never_accepts_it_is_indeterminate_crypto_constraints_failure()
    {
        using var key = RSA.Create(2048);
        var signed = SignedResults.SignWithLegacyCms(TestPdfs.Classic, key, SignedResults.SelfSigned(key, "CN=SHA-1 signer"), HashAlgorithmName.SHA1, Oids.Sha1);
        var noSha1 = DefaultPolicy with { Crypto = CryptoConstraints.Default with { Digests = [.. CryptoConstraints.Default.Digests.Where(d => d.Algorithm is not "SHA1")] } };

        var s = VerifyOnly(signed, noSha1);

        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("CRYPTO_CONSTRAINTS_FAILURE", s.SubIndication);
    }

    [Fact]
    public void An_rsa_signer_under_a_policy_that_accepts_only_ec_keys_is_indeterminate_crypto_constraints_failure()
    {
        var ecOnly = DefaultPolicy with { Crypto = CryptoConstraints.Default with { PublicKeys = [new KeySizeRule("EC", 256, null)] } };

        var s = VerifyOnly(SignedResults.Headed, ecOnly);

        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("CRYPTO_CONSTRAINTS_FAILURE", s.SubIndication);
        Assert.Contains(s.Messages, m => m.Contains("accepts no RSA keys", StringComparison.Ordinal));
    }

    [Fact]
    public void A_key_size_acceptable_until_tomorrow_passes_with_a_timestamp_from_today_and_lacks_proof_without_one()
    {
        // The ECDSA signer's P-256 key is acceptable only until tomorrow; validating next month.
        var policy = DefaultPolicy with
        {
            ValidationTime = Now.AddMonths(1),
            Crypto = CryptoConstraints.Default with { PublicKeys = [new("RSA", 2048, null), new("EC", 256, Now.AddDays(1))] },
        };

        var timestamped = VerifyOnly(SignedResults.SignedBy(Pki.Ecdsa, new OpenSslTimestampClient(Pki)), policy);
        var plain = VerifyOnly(SignedResults.SignedBy(Pki.Ecdsa, null), policy);

        Assert.True(timestamped.Timestamp.Valid, timestamped.Timestamp.Problem);
        Assert.Equal(Indication.TOTAL_PASSED, timestamped.Indication);
        Assert.Equal(Indication.INDETERMINATE, plain.Indication);
        Assert.Equal("CRYPTO_CONSTRAINTS_FAILURE_NO_POE", plain.SubIndication);
    }

    [Fact]
    public void A_digest_acceptable_until_yesterday_is_indeterminate_crypto_constraints_failure_no_poe()
    {
        var policy = DefaultPolicy with
        {
            Crypto = CryptoConstraints.Default with { Digests = [new("SHA256", Now.AddDays(-1)), new("SHA384", null), new("SHA512", null)] },
        };

        var s = VerifyOnly(SignedResults.Headed, policy);

        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("CRYPTO_CONSTRAINTS_FAILURE_NO_POE", s.SubIndication);
    }
}
