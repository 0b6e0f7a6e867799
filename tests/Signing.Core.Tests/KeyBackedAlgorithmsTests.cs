using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;

namespace Signing.Core.Tests;

/// <summary>The bridge that lets .NET's certificate and CMS builders sign through an ISignatureKey.</summary>
public class KeyBackedAlgorithmsTests
{
    [Theory]
    [InlineData(KeyAlgorithm.Rsa)]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.EcdsaP384)]
    public void Issues_a_self_signed_certificate_that_verifies(KeyAlgorithm algorithm)
    {
        using var key = algorithm == KeyAlgorithm.Rsa ? SoftwareSignatureKey.CreateRsa() : SoftwareSignatureKey.CreateEcdsa(algorithm);
        var publicKey = key.ToAsymmetricAlgorithm();
        var req = publicKey is RSA rsa
            ? new CertificateRequest("CN=Sở Tư pháp", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest("CN=Sở Tư pháp", (ECDsa)publicKey, HashAlgorithmName.SHA256);
        using var cert = req.Create(req.SubjectName, key.ToSignatureGenerator(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), [7]);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(cert);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(cert));
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), cert.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Signs_cms_through_the_key_and_dotnet_verifies_it()
    {
        using var key = SoftwareSignatureKey.CreateRsa();
        var rsa = (RSA)key.ToAsymmetricAlgorithm();
        var req = new CertificateRequest("CN=Nguyễn Văn An", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.Create(req.SubjectName, key.ToSignatureGenerator(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), [8]);
        var cms = new SignedCms(new ContentInfo("quyết định"u8.ToArray()), detached: false);
        cms.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, cert, rsa));
        var decoded = new SignedCms();
        decoded.Decode(cms.Encode());
        decoded.CheckSignature(verifySignatureOnly: true);
    }

    [Fact]
    public void The_private_key_cannot_be_exported_through_the_bridge()
    {
        using var key = SoftwareSignatureKey.CreateRsa();
        var rsa = (RSA)key.ToAsymmetricAlgorithm();
        Assert.Throws<CryptographicException>(() => rsa.ExportParameters(true));
        Assert.Throws<NotSupportedException>(() => rsa.Decrypt([1], RSAEncryptionPadding.OaepSHA256));
        using var ec = SoftwareSignatureKey.CreateEcdsa();
        Assert.Throws<CryptographicException>(() => ((ECDsa)ec.ToAsymmetricAlgorithm()).ExportParameters(true));
    }

    [Fact]
    public void Rsa_pss_goes_through_as_pss()
    {
        using var key = SoftwareSignatureKey.CreateRsa();
        var rsa = (RSA)key.ToAsymmetricAlgorithm();
        var hash = SHA256.HashData("x"u8);
        var signature = rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        Assert.True(rsa.VerifyHash(hash, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        Assert.False(rsa.VerifyHash(hash, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}
