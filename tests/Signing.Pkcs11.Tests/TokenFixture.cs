using Signing.Core.Keys;
using Signing.Testing;

namespace Signing.Pkcs11.Tests;

/// <summary>A SoftHSM2 token with an RSA-2048, an RSA-3072, a P-256 and a P-384 key, made once per test class.</summary>
public sealed class TokenFixture : IDisposable
{
    public TokenFixture()
    {
        TestToken = SoftHsm.CreateToken("p11-" + Guid.NewGuid().ToString("N")[..8]);
        Token = TestToken.Open();
        Store = new Pkcs11KeyStore(Token);
        Rsa = Store.GenerateKeyPair("rsa", [1], KeyAlgorithm.Rsa, 2048);
        Rsa3072 = Store.GenerateKeyPair("rsa3072", [2], KeyAlgorithm.Rsa, 3072);
        P256 = Store.GenerateKeyPair("p256", [3], KeyAlgorithm.EcdsaP256, 256);
        P384 = Store.GenerateKeyPair("p384", [4], KeyAlgorithm.EcdsaP384, 384);
    }

    public TestToken TestToken { get; }

    public Pkcs11Token Token { get; }

    public Pkcs11KeyStore Store { get; }

    public Pkcs11SignatureKey Rsa { get; }

    public Pkcs11SignatureKey Rsa3072 { get; }

    public Pkcs11SignatureKey P256 { get; }

    public Pkcs11SignatureKey P384 { get; }

    public void Dispose() => Token.Dispose();
}
