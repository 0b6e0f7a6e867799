using System.Buffers.Text;
using System.Formats.Cbor;
using Signing.Core;
using Signing.Core.Keys;
using Signing.Testing.Seal;

namespace Signing.Seal.Tests;

public sealed class SealVerifierTests(SealTokenFixture fx) : IClassFixture<SealTokenFixture>
{
    private static readonly Uri UrlA = new("https://tracuu.example.gov.vn/v/ANHM-PQ3J-DV0");

    [Fact]
    public void A_seal_signed_on_the_token_is_authentic_with_every_field()
    {
        var text = SealText.Compose(UrlA, fx.Signer.Sign(SealTokenFixture.Sample()));
        var r = SealVerifier.Verify(text, fx.Trusted());
        Assert.Equal(SealVerdict.Authentic, r.Verdict);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("87", r.Seal!.Number);
        Assert.Equal("Ông Nguyễn Hữu Thắng và Bà Lê Thị Ngọc Ánh", r.Seal.KeyFields[0].Value);
        Assert.Equal(fx.SealCertificate.RawData, r.Certificate!.RawData);
        Assert.Equal(UrlA, r.Url);
    }

    [Fact]
    public void The_seal_alone_without_the_url_verifies_too()
    {
        var text = SealText.FragmentPrefix + Base64Url.EncodeToString(fx.Signer.Sign(SealTokenFixture.Sample()));
        Assert.Equal(SealVerdict.Authentic, SealVerifier.Verify(text, fx.Trusted()).Verdict);
    }

    [Theory]
    [InlineData(5, "88")]
    [InlineData(8, "000.20.30.H29-240201-0043")]
    [InlineData(3, "SỞ TƯ PHÁP")]
    public void A_field_changed_and_re_encoded_is_forged(int key, string forged)
    {
        var cose = fx.Signer.Sign(SealTokenFixture.Sample());
        var tampered = SealForgery.ReplacePayload(cose, payload => SealForgery.ReplaceText(payload, key, forged));
        var r = SealVerifier.Verify(SealText.Compose(UrlA, tampered), fx.Trusted());
        Assert.Equal(SealVerdict.Forged, r.Verdict);
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("signature does not match", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_field_changed_and_re_encoded_is_forged()
    {
        var cose = fx.Signer.Sign(SealTokenFixture.Sample());
        var original = SealPayload.Decode(SealForgery.Payload(cose));
        var edited = SealPayload.Encode(original with { KeyFields = [original.KeyFields[0], new("Diện tích", null, "196,5 m²")] });
        var r = SealVerifier.Verify(SealText.Compose(UrlA, SealForgery.ReplacePayload(cose, _ => edited)), fx.Trusted());
        Assert.Equal(SealVerdict.Forged, r.Verdict);
    }

    [Fact]
    public void The_seal_of_another_result_behind_this_url_is_forged()
    {
        var other = fx.Signer.Sign(SealTokenFixture.Sample(code: "3HBQ-14KX-72Y"));
        var r = SealVerifier.Verify(SealText.Compose(UrlA, other), fx.Trusted());
        Assert.Equal(SealVerdict.Forged, r.Verdict);
        Assert.Contains("3HBQ-14KX-72Y", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_genuine_qr_swapped_in_from_another_result_is_refused_against_the_printed_code()
    {
        var urlB = new Uri("https://tracuu.example.gov.vn/v/3HBQ-14KX-72Y");
        var qrOfB = SealText.Compose(urlB, fx.Signer.Sign(SealTokenFixture.Sample(code: "3HBQ-14KX-72Y")));
        Assert.Equal(SealVerdict.Authentic, SealVerifier.Verify(qrOfB, fx.Trusted(), printedCode: "3hbq 14kx 72y").Verdict);
        var r = SealVerifier.Verify(qrOfB, fx.Trusted(), printedCode: "ANHM-PQ3J-DV0");
        Assert.Equal(SealVerdict.Forged, r.Verdict);
        Assert.Contains("ANHM-PQ3J-DV0", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_is_not_a_trusted_seal_key_is_unknown()
    {
        var now = DateTimeOffset.UtcNow;
        var ownCert = fx.Pki.Issue(fx.OtherKey, now.AddDays(-1), now.AddYears(1), cn: "Forger");
        var forged = new PrintedSealSigner(fx.OtherKey, ownCert, "000.00.00.H29").Sign(SealTokenFixture.Sample());
        var r = SealVerifier.Verify(SealText.Compose(UrlA, forged), fx.Trusted());
        Assert.Equal(SealVerdict.UnknownKey, r.Verdict);
        Assert.Equal(2, r.ExitCode);
    }

    [Fact]
    public void Another_key_claiming_the_seal_keys_id_is_forged()
    {
        // The forger copies the genuine kid into a seal signed with a key of their own.
        var forged = SignWithKid(fx.OtherKey, SealKeyId.Of(fx.SealCertificate), SealPayload.Encode(SealTokenFixture.Sample()));
        var r = SealVerifier.Verify(SealText.Compose(UrlA, forged), fx.Trusted());
        Assert.Equal(SealVerdict.Forged, r.Verdict);
    }

    [Fact]
    public void A_certificate_without_the_seal_key_purpose_neither_signs_nor_is_trusted()
    {
        var now = DateTimeOffset.UtcNow;
        var documentSigning = fx.Pki.Issue(fx.OtherKey, now.AddDays(-1), now.AddYears(1), cn: "PAdES seal", eku: "1.3.6.1.5.5.7.3.36");
        Assert.Throws<SigningException>(() => new PrintedSealSigner(fx.OtherKey, documentSigning, "x"));
        var forged = SignWithKid(fx.OtherKey, SealKeyId.Of(documentSigning), SealPayload.Encode(SealTokenFixture.Sample()));
        var r = SealVerifier.Verify(SealText.Compose(UrlA, forged), new SealCertificates([fx.SealCertificate, documentSigning]));
        Assert.Equal(SealVerdict.UnknownKey, r.Verdict);
    }

    [Fact]
    public void After_rollover_both_keys_verify_and_a_retired_key_verifies_only_its_old_prints()
    {
        var now = DateTimeOffset.UtcNow;
        using var oldKey = SoftwareSignatureKey.CreateEcdsa();
        var oldCert = fx.Pki.Issue(oldKey, now.AddYears(-3), now.AddDays(-30), cn: "Seal 2023");
        var trusted = new SealCertificates([oldCert, fx.SealCertificate]);
        var oldSigner = new PrintedSealSigner(oldKey, oldCert, "000.00.00.H29");

        var oldPrint = oldSigner.Sign(SealTokenFixture.Sample(sealedOn: DateOnly.FromDateTime(now.AddYears(-1).UtcDateTime)));
        var newPrint = fx.Signer.Sign(SealTokenFixture.Sample());
        var lateWithOldKey = oldSigner.Sign(SealTokenFixture.Sample());

        Assert.Equal(SealVerdict.Authentic, SealVerifier.Verify(SealText.Compose(UrlA, oldPrint), trusted).Verdict);
        Assert.Equal(SealVerdict.Authentic, SealVerifier.Verify(SealText.Compose(UrlA, newPrint), trusted).Verdict);
        var late = SealVerifier.Verify(SealText.Compose(UrlA, lateWithOldKey), trusted);
        Assert.Equal(SealVerdict.Forged, late.Verdict);
        Assert.Contains("outside its key's validity", late.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_revoked_key_says_so_once_the_crl_is_applied()
    {
        var text = SealText.Compose(UrlA, fx.Signer.Sign(SealTokenFixture.Sample()));
        var trusted = fx.Trusted();
        Assert.Equal(SealVerdict.Authentic, SealVerifier.Verify(text, trusted).Verdict);

        var revokedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        trusted.ApplyCrl(fx.Pki.Crl(revokedAt, fx.SealCertificate), [fx.Pki.Ca]);
        var r = SealVerifier.Verify(text, trusted);
        Assert.Equal(SealVerdict.KeyRevoked, r.Verdict);
        Assert.Equal(3, r.ExitCode);
        Assert.NotNull(r.Seal);
    }

    [Fact]
    public void A_crl_not_signed_by_its_issuer_is_refused()
    {
        using var otherCa = new Signing.Testing.Seal.SealPki();
        var crl = otherCa.Crl(DateTimeOffset.UtcNow, fx.SealCertificate);
        Assert.Throws<SigningException>(() => fx.Trusted().ApplyCrl(crl, [fx.Pki.Ca]));
    }

    [Theory]
    [InlineData("https://tracuu.example.gov.vn/v/ANHM-PQ3J-DV0#s1=!!!")]
    [InlineData("https://tracuu.example.gov.vn/v/ANHM-PQ3J-DV0#s1=oQ")]
    [InlineData("s1=")]
    [InlineData("ftp://x/v/ANHM-PQ3J-DV0#s1=oQ")]
    public void Damaged_or_foreign_text_is_refused_not_crashed_on(string text)
    {
        var r = SealVerifier.Verify(text, fx.Trusted());
        Assert.Equal(SealVerdict.Forged, r.Verdict);
    }

    [Fact]
    public void A_url_only_qr_has_no_seal()
    {
        Assert.False(SealText.HasSeal(UrlA.AbsoluteUri));
        Assert.True(SealText.HasSeal(SealText.Compose(UrlA, [0xD2])));
    }

    private static byte[] SignWithKid(ISignatureKey key, byte[] kid, byte[] payload)
    {
        var headers = new System.Security.Cryptography.Cose.CoseHeaderMap { { System.Security.Cryptography.Cose.CoseHeaderLabel.KeyIdentifier, System.Security.Cryptography.Cose.CoseHeaderValue.FromBytes(kid) } };
        using var ecdsa = (System.Security.Cryptography.ECDsa)key.ToAsymmetricAlgorithm();
        return System.Security.Cryptography.Cose.CoseSign1Message.SignEmbedded(payload, new System.Security.Cryptography.Cose.CoseSigner(ecdsa, System.Security.Cryptography.HashAlgorithmName.SHA256, headers));
    }
}
