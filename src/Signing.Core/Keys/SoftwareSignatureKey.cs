using System.Security.Cryptography;

namespace Signing.Core.Keys;

/// <summary>
/// A key held in process memory. For tests and tools that must run without a token (e.g. the
/// unit tests of CMS logic); production signing keys are PKCS#11 keys.
/// </summary>
public sealed class SoftwareSignatureKey : ISignatureKey, IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    private SoftwareSignatureKey(AsymmetricAlgorithm key, KeyAlgorithm algorithm, string locator)
    {
        _key = key;
        Algorithm = algorithm;
        Locator = locator;
    }

    public static SoftwareSignatureKey CreateRsa(int bits = 2048, string locator = "software:rsa") =>
        new(RSA.Create(bits), KeyAlgorithm.Rsa, locator);

    public static SoftwareSignatureKey CreateEcdsa(KeyAlgorithm curve = KeyAlgorithm.EcdsaP256, string locator = "software:ec") =>
        new(ECDsa.Create(curve == KeyAlgorithm.EcdsaP384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256), curve, locator);

    public string Locator { get; }

    public KeyAlgorithm Algorithm { get; }

    public int KeySizeBits => _key.KeySize;

    public byte[] ExportSubjectPublicKeyInfo() => _key.ExportSubjectPublicKeyInfo();

    public byte[] SignHash(ReadOnlySpan<byte> hash, HashAlgorithmName hashAlgorithm, RsaPaddingMode padding = RsaPaddingMode.Pkcs1) => _key switch
    {
        RSA rsa => rsa.SignHash(hash.ToArray(), hashAlgorithm, padding == RsaPaddingMode.Pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
        ECDsa ec => ec.SignHash(hash.ToArray()),
        _ => throw new InvalidOperationException("Unsupported key type."),
    };

    public void Dispose() => _key.Dispose();
}
