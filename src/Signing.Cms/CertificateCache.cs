using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Signing.Cms;

/// <summary>
/// Parsed certificates by their DER bytes, shared by signing, timestamping and verifying.
/// Tokens and signed files carry the same few certificates (TSA, signers, CAs) over and over;
/// parsing them costs far more than checking a signature. Instances are shared between callers
/// and threads: read them, never dispose them.
/// </summary>
public static class CertificateCache
{
    private const int MaxEntries = 4096;
    // Keyed by a non-cryptographic hash of the DER: a hit is compared byte for byte, so a collision costs only a fresh parse.
    private static readonly ConcurrentDictionary<int, X509Certificate2> Cache = new();
    private static readonly ConditionalWeakTable<X509Certificate2, Thumbprint> Thumbprints = new();

    /// <summary>The certificate with exactly these DER bytes (throws <see cref="CryptographicException"/> when they are not one).</summary>
    public static X509Certificate2 Load(ReadOnlySpan<byte> der)
    {
        var hash = new HashCode();
        hash.AddBytes(der);
        var key = hash.ToHashCode();
        if (Cache.TryGetValue(key, out var cached) && cached.RawDataMemory.Span.SequenceEqual(der)) return cached;
        var loaded = X509CertificateLoader.LoadCertificate(der);
        DecodeExtensions(loaded);
        if (Cache.Count >= MaxEntries) Cache.Clear();
        Cache[key] = loaded;
        return loaded;
    }

    /// <summary>The SHA-256 of the certificate's DER, computed once per instance (shared: never modify <see cref="Thumbprint.Bytes"/>).</summary>
    public static Thumbprint Sha256Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Thumbprints.GetValue(certificate, static c =>
        {
            var bytes = SHA256.HashData(c.RawDataMemory.Span);
            return new Thumbprint(bytes, Convert.ToHexString(bytes));
        });
    }

    // X509Certificate2.Extensions and the typed extensions decode on first read, without locks;
    // two threads reading a shared instance's EKU at once saw a wrong list (a CI crash). Decoding
    // here, before the instance is published, leaves later readers nothing to write.
    private static void DecodeExtensions(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            _ = extension switch
            {
                X509EnhancedKeyUsageExtension eku => eku.EnhancedKeyUsages.Count,
                X509SubjectKeyIdentifierExtension ski => ski.SubjectKeyIdentifierBytes.Length,
                X509KeyUsageExtension usage => (int)usage.KeyUsages,
                X509BasicConstraintsExtension basic => basic.PathLengthConstraint,
                _ => 0,
            };
        }
    }
}

/// <summary>A certificate's SHA-256, as bytes and as upper-case hex.</summary>
public sealed record Thumbprint(byte[] Bytes, string Hex);

/// <summary>
/// Verifies signatures with a certificate's public key without importing the key into OpenSSL on
/// every call: key objects are kept per certificate instance (for as long as the certificate
/// lives) in a small pool, so one thread at a time uses each object. .NET does not document
/// RSA/ECDsa instances as safe for concurrent use; the pool makes that question moot.
/// </summary>
public static class PublicKeyCache
{
    private const int MaxPooledPerCertificate = 8;
    private static readonly ConditionalWeakTable<X509Certificate2, KeyPool> Pools = new();
    private static readonly ConditionalWeakTable<X509Certificate2, StrongBox<(string, int)?>> Strengths = new();

    /// <summary>
    /// The public key's algorithm ("RSA", "EC", else the OID's name) and size in bits, or null when
    /// the key cannot be read. Read once per certificate instance: importing a key into OpenSSL
    /// costs more than checking a signature with it.
    /// </summary>
    public static (string Algorithm, int Bits)? KeyStrength(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Strengths.GetValue(certificate, static c => new(ReadStrength(c))).Value;
    }

    private static (string, int)? ReadStrength(X509Certificate2 certificate)
    {
        try
        {
            using (var rsa = certificate.GetRSAPublicKey())
            {
                if (rsa is not null) return ("RSA", rsa.KeySize);
            }

            using (var ec = certificate.GetECDsaPublicKey())
            {
                if (ec is not null) return ("EC", ec.KeySize);
            }

            return (certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "unknown", 0);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="signature"/> is a valid signature over <paramref name="hash"/> by <paramref name="certificate"/>'s key; false for a wrong value or a key of another type.</summary>
    public static bool VerifyHash(X509Certificate2 certificate, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature, HashAlgorithmName hashAlgorithm, SignatureScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var pool = Pools.GetValue(certificate, static c => new KeyPool(c));
        AsymmetricAlgorithm? key = null;
        try
        {
            // A malformed public key fails here, inside the try: it is a wrong signature, not a crash.
            key = pool.Rent();
            return (key, scheme) switch
            {
                (RSA rsa, SignatureScheme.RsaPkcs1) => rsa.VerifyHash(hash, signature, hashAlgorithm, RSASignaturePadding.Pkcs1),
                (RSA rsa, SignatureScheme.RsaPss) => rsa.VerifyHash(hash, signature, hashAlgorithm, RSASignaturePadding.Pss),
                (ECDsa ec, SignatureScheme.Ecdsa) => ec.VerifyHash(hash, signature, DSASignatureFormat.Rfc3279DerSequence),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            pool.Return(key);
        }
    }

    private sealed class KeyPool(X509Certificate2 certificate)
    {
        private readonly ConcurrentBag<AsymmetricAlgorithm> _free = [];

        public AsymmetricAlgorithm? Rent()
        {
            if (_free.TryTake(out var key)) return key;
            return certificate.PublicKey.Oid.Value switch
            {
                Oids.RsaEncryption => certificate.GetRSAPublicKey(),
                Oids.EcPublicKey => certificate.GetECDsaPublicKey(),
                _ => null,
            };
        }

        public void Return(AsymmetricAlgorithm? key)
        {
            if (key is null) return;
            if (_free.Count < MaxPooledPerCertificate) _free.Add(key);
            else key.Dispose();
        }
    }
}
