using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.X509;
using Signing.Core;

namespace Signing.Seal;

/// <summary>
/// The seal certificates a verifier trusts, found by key id. Several may be valid at once (key
/// rollover): a retired certificate keeps verifying the prints dated within its validity, and one
/// listed on a fetched CRL of its issuer is reported as revoked.
/// </summary>
public sealed class SealCertificates
{
    private readonly Dictionary<string, X509Certificate2> _byKid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _revokedAt = new(StringComparer.Ordinal);

    /// <summary>Keeps the certificates that carry the seal key purpose and a P-256 key; the rest are ignored.</summary>
    public SealCertificates(IEnumerable<X509Certificate2> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        foreach (var c in certificates)
        {
            if (!HasSealPurpose(c)) continue;
            using var ec = c.GetECDsaPublicKey();
            if (ec is null || ec.KeySize != 256) continue;
            _byKid[Convert.ToHexString(SealKeyId.Of(c))] = c;
        }
    }

    public IReadOnlyCollection<X509Certificate2> All => _byKid.Values;

    public static bool HasSealPurpose(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .Any(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == SealOids.PrintedSealKeyPurpose));
    }

    public X509Certificate2? Find(ReadOnlySpan<byte> kid) => _byKid.GetValueOrDefault(Convert.ToHexString(kid));

    /// <summary>When the certificate was revoked according to the CRLs applied, or null.</summary>
    public DateTimeOffset? RevokedAt(X509Certificate2 certificate) =>
        _revokedAt.TryGetValue(Convert.ToHexString(SealKeyId.Of(certificate)), out var at) ? at : null;

    /// <summary>
    /// Applies a DER or PEM CRL: it must be signed by <paramref name="issuers"/>' certificate of the
    /// same name; every trusted seal certificate it lists counts as revoked from its revocation date.
    /// </summary>
    public void ApplyCrl(byte[] crlBytes, IEnumerable<X509Certificate2> issuers)
    {
        ArgumentNullException.ThrowIfNull(crlBytes);
        ArgumentNullException.ThrowIfNull(issuers);
        X509Crl crl;
        try
        {
            crl = new X509CrlParser().ReadCrl(crlBytes) ?? throw new SigningException("the CRL file holds no CRL");
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.Certificates.CrlException or IOException or ArgumentException)
        {
            throw new SigningException($"the CRL cannot be read ({ex.Message})", ex);
        }

        var issuer = issuers.Select(i => new X509CertificateParser().ReadCertificate(i.RawData))
            .FirstOrDefault(i => i.SubjectDN.Equivalent(crl.IssuerDN))
            ?? throw new SigningException($"no issuer certificate for the CRL of {crl.IssuerDN}");
        try
        {
            crl.Verify(issuer.GetPublicKey());
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException or Org.BouncyCastle.Security.Certificates.CrlException)
        {
            throw new SigningException($"the CRL of {crl.IssuerDN} is not signed by its issuer", ex);
        }

        foreach (var c in _byKid.Values)
        {
            var bc = new X509CertificateParser().ReadCertificate(c.RawData);
            if (!bc.IssuerDN.Equivalent(crl.IssuerDN)) continue;
            if (crl.GetRevokedCertificate(bc.SerialNumber) is { } entry)
            {
                _revokedAt[Convert.ToHexString(SealKeyId.Of(c))] = new DateTimeOffset(entry.RevocationDate, TimeSpan.Zero);
            }
        }
    }
}
