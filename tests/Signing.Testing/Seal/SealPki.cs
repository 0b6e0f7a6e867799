using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;
using Signing.Seal;

namespace Signing.Testing.Seal;

/// <summary>
/// A throw-away CA for printed-seal tests: issues seal certificates (critical EKU of the printed-seal
/// key purpose, or any other EKU) for keys that stay behind <see cref="ISignatureKey"/>, with the
/// validity a rollover test needs, and CRLs that revoke some of them.
/// </summary>
public sealed class SealPki : IDisposable
{
    private readonly RSA _caKey = RSA.Create(2048);

    public SealPki()
    {
        var now = DateTimeOffset.UtcNow;
        var req = new CertificateRequest("CN=Seal Test CA, O=Signing Tests, C=VN", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        CaWithKey = req.CreateSelfSigned(now.AddYears(-10), now.AddYears(10));
        Ca = X509CertificateLoader.LoadCertificate(CaWithKey.RawData);
    }

    public X509Certificate2 Ca { get; }

    private X509Certificate2 CaWithKey { get; }

    /// <summary>A certificate for <paramref name="key"/> with the seal key purpose (or <paramref name="eku"/> instead).</summary>
    public X509Certificate2 Issue(ISignatureKey key, DateTimeOffset notBefore, DateTimeOffset notAfter, string cn = "UBND Tỉnh Lâm Đồng (dấu in)", string? eku = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        var req = new CertificateRequest(new X500DistinguishedName($"CN={cn}, O=Signing Tests, C=VN"), publicKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku ?? SealOids.PrintedSealKeyPurpose)], true));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        return req.Create(Ca.SubjectName, X509SignatureGenerator.CreateForRSA(_caKey, RSASignaturePadding.Pkcs1), notBefore, notAfter, serial);
    }

    /// <summary>A CA-signed DER CRL listing <paramref name="revoked"/>, revoked at <paramref name="revokedAt"/>.</summary>
    public byte[] Crl(DateTimeOffset revokedAt, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var c in revoked) builder.AddEntry(c, revokedAt, X509RevocationReason.KeyCompromise);
        return builder.Build(CaWithKey, BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, DateTimeOffset.UtcNow);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        CaWithKey.Dispose();
        Ca.Dispose();
    }
}
