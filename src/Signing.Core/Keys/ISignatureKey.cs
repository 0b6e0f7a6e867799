using System.Security.Cryptography;

namespace Signing.Core.Keys;

/// <summary>The family of a signing key; decides which signature schemes apply.</summary>
public enum KeyAlgorithm
{
    Rsa,
    EcdsaP256,
    EcdsaP384,
}

/// <summary>How an RSA signature pads the hash. Ignored for ECDSA keys.</summary>
public enum RsaPaddingMode
{
    Pkcs1,
    Pss,
}

/// <summary>
/// A private key that never leaves its device (USB token, HSM, or a software key in tests).
/// The holder only ever asks it to sign a hash computed on the host.
/// </summary>
public interface ISignatureKey
{
    /// <summary>Where the key lives, e.g. an RFC 7512 PKCS#11 URI. Never contains a PIN.</summary>
    string Locator { get; }

    KeyAlgorithm Algorithm { get; }

    int KeySizeBits { get; }

    /// <summary>DER SubjectPublicKeyInfo of the key pair.</summary>
    byte[] ExportSubjectPublicKeyInfo();

    /// <summary>
    /// Signs a precomputed hash. RSA returns the PKCS#1 signature value; ECDSA returns the
    /// IEEE P1363 form (r||s), the same as .NET's <see cref="ECDsa.SignHash(byte[])"/>.
    /// </summary>
    byte[] SignHash(ReadOnlySpan<byte> hash, HashAlgorithmName hashAlgorithm, RsaPaddingMode padding = RsaPaddingMode.Pkcs1);
}
