using System.Security.Cryptography;

namespace Signing.Core.Keys;

/// <summary>
/// Bridges an <see cref="ISignatureKey"/> into .NET's <see cref="AsymmetricAlgorithm"/> types so
/// .NET's own certificate, CRL and CMS builders can sign with a key that stays on its device.
/// Only signing and public-key export are supported; anything needing the private key throws.
/// </summary>
public static class KeyBackedAlgorithms
{
    public static AsymmetricAlgorithm ToAsymmetricAlgorithm(this ISignatureKey key) => key.Algorithm switch
    {
        KeyAlgorithm.Rsa => new KeyBackedRsa(key),
        _ => new KeyBackedECDsa(key),
    };

    /// <summary>A signature generator for <c>CertificateRequest</c> / <c>CertificateRevocationListBuilder</c>.</summary>
    public static System.Security.Cryptography.X509Certificates.X509SignatureGenerator ToSignatureGenerator(this ISignatureKey key) => key.Algorithm switch
    {
        KeyAlgorithm.Rsa => System.Security.Cryptography.X509Certificates.X509SignatureGenerator.CreateForRSA(new KeyBackedRsa(key), RSASignaturePadding.Pkcs1),
        _ => System.Security.Cryptography.X509Certificates.X509SignatureGenerator.CreateForECDsa(new KeyBackedECDsa(key)),
    };
}

internal sealed class KeyBackedRsa : RSA
{
    private readonly ISignatureKey _key;
    private readonly RSA _public;

    public KeyBackedRsa(ISignatureKey key)
    {
        _key = key;
        _public = RSA.Create();
        _public.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        KeySizeValue = _public.KeySize;
        LegalKeySizesValue = [new KeySizes(KeySizeValue, KeySizeValue, 0)];
    }

    public override RSAParameters ExportParameters(bool includePrivateParameters) =>
        includePrivateParameters
            ? throw new CryptographicException("The private key stays on its device and cannot be exported.")
            : _public.ExportParameters(false);

    public override void ImportParameters(RSAParameters parameters) =>
        throw new NotSupportedException("A device-backed key cannot import parameters.");

    public override byte[] SignHash(byte[] hash, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding)
    {
        ArgumentNullException.ThrowIfNull(padding);
        var mode = padding.Mode == RSASignaturePaddingMode.Pss ? RsaPaddingMode.Pss : RsaPaddingMode.Pkcs1;
        return _key.SignHash(hash, hashAlgorithm, mode);
    }

    public override bool VerifyHash(byte[] hash, byte[] signature, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding) =>
        _public.VerifyHash(hash, signature, hashAlgorithm, padding);

    public override byte[] Decrypt(byte[] data, RSAEncryptionPadding padding) =>
        throw new NotSupportedException("Signing keys do not decrypt.");

    public override byte[] Encrypt(byte[] data, RSAEncryptionPadding padding) => _public.Encrypt(data, padding);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _public.Dispose();
        base.Dispose(disposing);
    }
}

internal sealed class KeyBackedECDsa : ECDsa
{
    private readonly ISignatureKey _key;
    private readonly ECDsa _public;

    public KeyBackedECDsa(ISignatureKey key)
    {
        _key = key;
        _public = ECDsa.Create();
        _public.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        KeySizeValue = _public.KeySize;
        LegalKeySizesValue = [new KeySizes(KeySizeValue, KeySizeValue, 0)];
    }

    public override ECParameters ExportParameters(bool includePrivateParameters) =>
        includePrivateParameters
            ? throw new CryptographicException("The private key stays on its device and cannot be exported.")
            : _public.ExportParameters(false);

    public override ECParameters ExportExplicitParameters(bool includePrivateParameters) =>
        includePrivateParameters
            ? throw new CryptographicException("The private key stays on its device and cannot be exported.")
            : _public.ExportExplicitParameters(false);

    public override void ImportParameters(ECParameters parameters) =>
        throw new NotSupportedException("A device-backed key cannot import parameters.");

    public override byte[] SignHash(byte[] hash) => _key.SignHash(hash, DefaultHashFor(hash.Length));

    public override bool VerifyHash(byte[] hash, byte[] signature) => _public.VerifyHash(hash, signature);

    // ECDSA signs the bare hash; the name only documents which hash it was.
    private static HashAlgorithmName DefaultHashFor(int length) => length switch
    {
        48 => HashAlgorithmName.SHA384,
        64 => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing) _public.Dispose();
        base.Dispose(disposing);
    }
}
