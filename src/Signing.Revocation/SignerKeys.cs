using System.Collections.Concurrent;
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
    private static readonly ConcurrentDictionary<string, AsymmetricKeyParameter> Keys = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<(string Key, string Certificate), bool> Links = new();

    /// <summary>The key of <paramref name="certificate"/>; a malformed key throws as <see cref="BcCertificate.GetPublicKey"/> does.</summary>
    public static AsymmetricKeyParameter Of(BcCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        // The key is a function of the SubjectPublicKeyInfo bytes alone, so they are the cache key.
        var id = KeyId(certificate);
        if (Keys.TryGetValue(id, out var key)) return key;
        key = certificate.GetPublicKey();
        if (Keys.Count >= MaxKeys) Keys.Clear();
        Keys[id] = key;
        return key;
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
        var link = (KeyId(issuer), Convert.ToHexString(SHA256.HashData(certificate.GetEncoded())));
        if (Links.TryGetValue(link, out var known)) return known;
        bool verified;
        try
        {
            certificate.Verify(Of(issuer));
            verified = true;
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException or Org.BouncyCastle.Security.Certificates.CertificateException or ArgumentException or CryptoException)
        {
            verified = false;
        }

        if (Links.Count >= MaxKeys) Links.Clear();
        Links[link] = verified;
        return verified;
    }

    /// <summary>As <see cref="Issued(BcCertificate, BcCertificate)"/>, converting to Bouncy Castle only when the verdict is not known yet.</summary>
    public static bool Issued(System.Security.Cryptography.X509Certificates.X509Certificate2 issuer, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(certificate);
        var link = ("cert:" + Convert.ToHexString(SHA256.HashData(issuer.RawDataMemory.Span)), Convert.ToHexString(SHA256.HashData(certificate.RawDataMemory.Span)));
        if (Links.TryGetValue(link, out var known)) return known;
        var verified = Issued(DotNetUtilities.FromX509Certificate(issuer), DotNetUtilities.FromX509Certificate(certificate));
        Links[link] = verified;
        return verified;
    }

    private static string KeyId(BcCertificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded()));
}
