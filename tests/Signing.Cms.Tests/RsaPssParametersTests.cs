using System.Security.Cryptography;
using Signing.Testing;
using Signing.Testing.ForeignSigners;

namespace Signing.Cms.Tests;

/// <summary>RSA-PSS as other signers write it (openssl: longest salt by default), read and checked by the one CMS reader.</summary>
public sealed class RsaPssParametersTests
{
    private static readonly byte[] Content = "bytes an outside signer signed"u8.ToArray();

    [Theory]
    [InlineData("sha256", "max", "sha256")]
    [InlineData("sha384", "digest", "sha384")]
    [InlineData("sha512", "0", "sha512")]
    [InlineData("sha256", "max", "sha384")] // MGF1 with another hash than the message
    public void Openssl_pss_signatures_with_any_salt_verify_and_a_changed_value_does_not(string digest, string salt, string mgf)
    {
        var cms = CmsSignature.Read(OpenSslPss(digest, salt, mgf, noAttributes: false));
        var signer = cms.FindSignerCertificate()!;
        var algorithm = cms.ResolveSignatureAlgorithm(out var problem);

        Assert.True(algorithm is { Scheme: SignatureScheme.RsaPss, IsWeak: false }, problem);
        Assert.True(cms.VerifySignatureValue(signer, []));
        cms.SignatureValue[^1] ^= 1;
        Assert.False(cms.VerifySignatureValue(signer, []));
    }

    [Fact]
    public void Pss_without_signed_attributes_is_checked_over_the_content_digest()
    {
        var cms = CmsSignature.Read(OpenSslPss("sha256", "max", "sha256", noAttributes: true));
        var signer = cms.FindSignerCertificate()!;
        var digest = SHA256.HashData(Content);

        Assert.True(cms.VerifySignatureValue(signer, digest));
        digest[0] ^= 1;
        Assert.False(cms.VerifySignatureValue(signer, digest));
    }

    [Fact]
    public void Pss_with_a_sha1_mask_is_weak()
    {
        var cms = CmsSignature.Read(OpenSslPss("sha256", "digest", "sha1", noAttributes: false));

        Assert.True(cms.ResolveSignatureAlgorithm(out _)!.IsWeak);
        Assert.True(cms.VerifySignatureValue(cms.FindSignerCertificate()!, []));
    }

    private static byte[] OpenSslPss(string digest, string salt, string mgf, bool noAttributes)
    {
        var key = ForeignPki.Shared.Rsa;
        var dir = RepoPaths.NewTempDirectory("cms-pss");
        var (input, output) = (Path.Combine(dir, "content.bin"), Path.Combine(dir, "cms.der"));
        File.WriteAllBytes(input, Content);
        List<string> args = ["cms", "-sign", "-binary", "-in", input, "-signer", key.CertificatePem, "-inkey", key.KeyPem, "-md", digest,
            "-outform", "DER", "-out", output, "-nosmimecap", "-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:" + salt, "-keyopt", "rsa_mgf1_md:" + mgf];
        if (noAttributes) args.Add("-noattr");
        ExternalTool.RunChecked("openssl", [.. args]);
        return File.ReadAllBytes(output);
    }
}
