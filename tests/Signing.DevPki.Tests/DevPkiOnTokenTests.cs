using Signing.Core.Keys;
using Signing.Pkcs11;
using Signing.Testing;
using CKA = Net.Pkcs11Interop.Common.CKA;
using CKO = Net.Pkcs11Interop.Common.CKO;

namespace Signing.DevPki.Tests;

/// <summary>The dev PKI as setup builds it: every key generated on a real SoftHSM2 token, judged by openssl.</summary>
public sealed class DevPkiOnTokenTests : IDisposable
{
    private readonly TestToken _testToken = SoftHsm.CreateToken("pki-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Pkcs11Token _token;
    private readonly DevLayout _layout = new(RepoPaths.NewTempDirectory("devpki-token"));

    public DevPkiOnTokenTests() => _token = _testToken.Open();

    [Fact]
    public void Builds_the_hierarchy_with_keys_on_the_token_and_openssl_verifies_it()
    {
        var store = new Pkcs11KeyStore(_token);
        var result = new DevPkiBuilder(new Pkcs11DevKeyStore(store), _layout).Build();
        Assert.Equal(DevLayout.Keys.Count, result.GeneratedKeys.Count);

        foreach (var label in new[] { "head", "seal", "signer2", "tsa" })
        {
            var r = ExternalTool.RunChecked("openssl", "verify", "-CAfile", _layout.CertificateFile("root-ca"), "-untrusted", _layout.CertificateFile("issuing-ca"), _layout.CertificateFile(label));
            Assert.Contains(": OK", r.StdOut, StringComparison.Ordinal);
        }

        // The certificates are on the token next to their keys, and the keys never leave it.
        var objects = store.ListObjects();
        foreach (var spec in DevLayout.Keys)
        {
            Assert.Contains(objects, o => o.Class == CKO.CKO_CERTIFICATE && o.Label == spec.Label);
            var key = Assert.Single(objects, o => o.Class == CKO.CKO_PRIVATE_KEY && o.Label == spec.Label);
            Assert.Equal(spec.Bits, key.KeyBits);
        }

        _token.Run(session =>
        {
            foreach (var h in session.FindAllObjects([session.Factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)]))
            {
                var a = session.GetAttributeValue(h, [CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE]);
                Assert.True(a[0].GetValueAsBool());
                Assert.False(a[1].GetValueAsBool());
            }
        });

        // CRLs signed on the token verify against their CA.
        foreach (var ca in new[] { "root-ca", "issuing-ca" })
        {
            var r = ExternalTool.RunChecked("openssl", "crl", "-inform", "DER", "-in", _layout.CrlFile(ca), "-noout", "-CAfile", Path.Combine(_layout.PkiDirectory, DevPkiBuilder.ChainFileName), "-verify");
            Assert.Contains("verify OK", r.All, StringComparison.Ordinal);
        }

        // Running again changes nothing.
        var again = new DevPkiBuilder(new Pkcs11DevKeyStore(store), _layout).Build();
        Assert.Empty(again.GeneratedKeys);
        Assert.Empty(again.IssuedCertificates);
    }

    [Fact]
    public void The_key_algorithms_are_the_ones_the_layout_asks_for()
    {
        var store = new Pkcs11DevKeyStore(new Pkcs11KeyStore(_token));
        var spec = DevLayout.Keys.Single(k => k.Label == "signer2");
        var key = store.GenerateKey(spec);
        Assert.Equal(KeyAlgorithm.EcdsaP256, key.Algorithm);
        Assert.NotNull(store.FindKey("signer2"));
        Assert.Null(store.FindKey("not-there"));
    }

    public void Dispose()
    {
        _token.Dispose();
        Directory.Delete(_layout.Home, recursive: true);
    }
}
