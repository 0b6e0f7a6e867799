using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Signing.Core;
using Signing.Core.Keys;
using Signing.Testing;

namespace Signing.Pkcs11.Tests;

/// <summary>Every mechanism we sign with, on the real SoftHSM2 module, judged by .NET's own verifiers.</summary>
public class SigningOnSoftHsmTests(TokenFixture fx) : IClassFixture<TokenFixture>
{
    private static readonly byte[] Message = "Quyết định số 123/QĐ-UBND"u8.ToArray();

    public static TheoryData<string> HashNames => new() { "SHA256", "SHA384", "SHA512" };

    [Theory]
    [MemberData(nameof(HashNames))]
    public void Rsa_pkcs1_over_a_host_hash_verifies(string hashName)
    {
        var name = new HashAlgorithmName(hashName);
        var hash = Hash(name, Message);
        var signature = fx.Rsa.SignHash(hash, name);
        using var rsa = PublicRsa(fx.Rsa);
        Assert.True(rsa.VerifyHash(hash, signature, name, RSASignaturePadding.Pkcs1));
        Assert.Equal(256, signature.Length);
    }

    [Theory]
    [InlineData(CKM.CKM_SHA256_RSA_PKCS, "SHA256")]
    [InlineData(CKM.CKM_SHA384_RSA_PKCS, "SHA384")]
    [InlineData(CKM.CKM_SHA512_RSA_PKCS, "SHA512")]
    public void Rsa_hash_and_sign_on_the_token_verifies(CKM mechanism, string hashName)
    {
        var signature = fx.Rsa3072.SignData(Message, mechanism);
        using var rsa = PublicRsa(fx.Rsa3072);
        Assert.True(rsa.VerifyData(Message, signature, new HashAlgorithmName(hashName), RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Rsa_pss_verifies_when_the_token_has_it()
    {
        var slot = Pkcs11Token.FindSlot(SoftHsm.Library, fx.TestToken.Uri);
        Assert.Contains(CKM.CKM_RSA_PKCS_PSS, slot.GetMechanismList()); // SoftHSM2 has it; other tokens may not
        var hash = SHA256.HashData(Message);
        var signature = fx.Rsa.SignHash(hash, HashAlgorithmName.SHA256, RsaPaddingMode.Pss);
        using var rsa = PublicRsa(fx.Rsa);
        Assert.True(rsa.VerifyHash(hash, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
    }

    [Theory]
    [InlineData(256, "SHA256")]
    [InlineData(384, "SHA384")]
    public void Ecdsa_over_a_host_hash_verifies_raw_and_as_der(int bits, string hashName)
    {
        var key = bits == 256 ? fx.P256 : fx.P384;
        var name = new HashAlgorithmName(hashName);
        var hash = Hash(name, Message);
        var raw = key.SignHash(hash, name);
        Assert.Equal(2 * bits / 8, raw.Length);
        using var ec = ECDsa.Create();
        ec.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        Assert.True(ec.VerifyHash(hash, raw));
        var der = EcdsaSignatures.RawToDer(raw);
        Assert.True(ec.VerifyHash(hash, der, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(raw, EcdsaSignatures.DerToRaw(der, bits / 8));
    }

    [Fact]
    public void Key_backed_algorithms_let_dotnet_issue_a_certificate_signed_on_the_token()
    {
        var req = new CertificateRequest("CN=Nguyễn Văn An, O=Ủy ban nhân dân tỉnh Lâm Đồng, C=VN", (RSA)fx.Rsa.ToAsymmetricAlgorithm(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.Create(req.SubjectName, fx.Rsa.ToSignatureGenerator(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3]);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(cert);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(cert), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Contains("Nguyễn Văn An", cert.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Private_keys_are_sensitive_and_never_extractable()
    {
        fx.Token.Run(session =>
        {
            foreach (var label in new[] { "rsa", "p256" })
            {
                var f = session.Factories.ObjectAttributeFactory;
                var h = session.FindAllObjects([f.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), f.Create(CKA.CKA_LABEL, label)]).Single();
                var a = session.GetAttributeValue(h, [CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_VALUE]);
                Assert.True(a[0].GetValueAsBool());
                Assert.False(a[1].GetValueAsBool());
                Assert.True(a[2].GetValueAsBool());
                Assert.True(a[3].CannotBeRead); // two-pass read reports CK_UNAVAILABLE_INFORMATION
                Assert.True(a[4].CannotBeRead);
            }
        });
    }

    [Fact]
    public void Certificates_are_stored_next_to_their_key_and_found_by_uri()
    {
        var req = new CertificateRequest("CN=Con dấu Sở Tư pháp", (RSA)fx.Rsa.ToAsymmetricAlgorithm(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.Create(req.SubjectName, fx.Rsa.ToSignatureGenerator(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), [9]);
        fx.Store.ImportCertificate("rsa", [1], cert);
        fx.Store.ImportCertificate("rsa", [1], cert); // replacing is idempotent
        using var found = fx.Store.FindCertificate(Pkcs11Uri.For(obj: "rsa"));
        Assert.Equal(cert.RawData, found!.RawData);
        var listed = fx.Store.ListObjects();
        Assert.Single(listed, o => o.Class == CKO.CKO_CERTIFICATE && o.Label == "rsa");
        var key = Assert.Single(listed, o => o.Class == CKO.CKO_PRIVATE_KEY && o.Label == "p384");
        Assert.Equal(384, key.KeyBits);
        Assert.Equal($"pkcs11:token={fx.TestToken.Label};object=p384;type=private;id=%04", key.Uri);
    }

    [Fact]
    public void Keys_are_found_by_uri_from_a_fresh_store()
    {
        var key = new Pkcs11KeyStore(fx.Token).GetSignatureKey(Pkcs11Uri.Parse($"pkcs11:token={fx.TestToken.Label};object=p256;type=private"));
        Assert.Equal(KeyAlgorithm.EcdsaP256, key.Algorithm);
        Assert.Equal(fx.P256.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
        Assert.Contains("object=p256", key.Locator, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_uri_says_which_uri_matched_nothing()
    {
        var ex = Assert.Throws<Pkcs11NotFoundException>(() => fx.Store.GetSignatureKey(Pkcs11Uri.Parse("pkcs11:object=nope;type=private")));
        Assert.Contains("No private key", ex.Message, StringComparison.Ordinal);
        Assert.Contains("object=nope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generating_over_an_existing_label_is_refused()
    {
        var ex = Assert.Throws<SigningException>(() => fx.Store.GenerateKeyPair("rsa", [1], KeyAlgorithm.Rsa, 2048));
        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_hash_length_is_refused_before_the_token()
    {
        var ex = Assert.Throws<SigningException>(() => fx.Rsa.SignHash(new byte[20], HashAlgorithmName.SHA256));
        Assert.Contains("32 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<SigningException>(() => fx.Rsa.SignHash(new byte[20], HashAlgorithmName.SHA1));
    }

    [Fact]
    public void Token_info_reports_label_serial_and_flags()
    {
        var info = fx.Token.Info;
        Assert.Equal(fx.TestToken.Label, info.Label);
        Assert.False(string.IsNullOrWhiteSpace(info.SerialNumber));
        Assert.True(info.TokenFlags.TokenInitialized);
        Assert.True(info.TokenFlags.LoginRequired);
        Assert.True(info.TokenFlags.UserPinInitialized);
        Assert.Contains("SoftHSM", SoftHsm.Library.GetInfo().ManufacturerId, StringComparison.Ordinal);
    }

    private static byte[] Hash(HashAlgorithmName name, byte[] data) =>
        name == HashAlgorithmName.SHA384 ? SHA384.HashData(data) : name == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : SHA256.HashData(data);

    private static RSA PublicRsa(ISignatureKey key)
    {
        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        return rsa;
    }
}
