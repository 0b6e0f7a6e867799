using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Revocation;

/// <summary>
/// Bouncy Castle's key object for a certificate's public key, built once per key. Bouncy Castle
/// runs a probable-prime test on an RSA modulus each time it builds one (milliseconds at 2048 bits,
/// and again for every new certificate object), which cost more than all the rest of gathering and
/// checking a result's revocation data.
/// </summary>
public static class SignerKeys
{
    private const int MaxKeys = 4096;
    private static readonly BoundedMemo<string, AsymmetricKeyParameter> Keys = new(MaxKeys, StringComparer.Ordinal);
    private static readonly BoundedMemo<(string Key, string Certificate), bool> Links = new(MaxKeys);

    /// <summary>The key of <paramref name="certificate"/>; a malformed key throws as <see cref="BcCertificate.GetPublicKey"/> does.</summary>
    public static AsymmetricKeyParameter Of(BcCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        // The key is a function of the SubjectPublicKeyInfo bytes alone, so they are the cache key.
        return Keys.GetOrAdd(KeyId(certificate), _ => certificate.GetPublicKey());
    }

    /// <summary>
    /// True when <paramref name="certificate"/>'s signature verifies with <paramref name="issuer"/>'s
    /// key. The verdict is remembered per key and certificate bytes: both are immutable, and the same
    /// chains come back with every result.
    /// </summary>
    public static bool Issued(BcCertificate issuer, BcCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(certificate);
        return Links.GetOrAdd((KeyId(issuer), Convert.ToHexString(SHA256.HashData(certificate.GetEncoded()))), _ =>
        {
            try
            {
                certificate.Verify(Of(issuer));
                return true;
            }
            catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException or Org.BouncyCastle.Security.Certificates.CertificateException or ArgumentException or CryptoException)
            {
                return false;
            }
        });
    }

    /// <summary>As <see cref="Issued(BcCertificate, BcCertificate)"/>, converting to Bouncy Castle only when the verdict is not known yet.</summary>
    public static bool Issued(System.Security.Cryptography.X509Certificates.X509Certificate2 issuer, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(certificate);
        return Links.GetOrAdd(
            ("cert:" + Convert.ToHexString(SHA256.HashData(issuer.RawDataMemory.Span)), Convert.ToHexString(SHA256.HashData(certificate.RawDataMemory.Span))),
            _ => Issued(DotNetUtilities.FromX509Certificate(issuer), DotNetUtilities.FromX509Certificate(certificate)));
    }

    private static string KeyId(BcCertificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded()));
}
