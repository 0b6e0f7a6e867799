using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Security;
using BcX509Crl = Org.BouncyCastle.X509.X509Crl;
using BcX509CrlParser = Org.BouncyCastle.X509.X509CrlParser;

namespace Signing.Revocation;

/// <summary>
/// The check of a CRL (RFC 5280 §6.3, complete CRLs only): issued and signed by the certificate's
/// issuer (which may sign CRLs), no critical extension we do not interpret (delta, scoped), and
/// the certificate's serial looked up with its revocation date and reason.
/// </summary>
public static class Crl
{
    public const string MediaType = "application/pkix-crl";

    public static (RevocationAnswer? Answer, string? Problem) Check(byte[] crl, X509Certificate2 certificate, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(crl);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        return CheckCache.GetOrCheck("crl", crl, certificate, issuer, () => CheckUncached(crl, certificate, issuer));
    }

    private static (RevocationAnswer? Answer, string? Problem) CheckUncached(byte[] crl, X509Certificate2 certificate, X509Certificate2 issuer)
    {
        BcX509Crl parsed;
        try
        {
            parsed = new BcX509CrlParser().ReadCrl(crl) ?? throw new IOException("empty");
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or Org.BouncyCastle.Security.Certificates.CrlException or Asn1Exception)
        {
            return (null, "the CRL cannot be decoded");
        }

        return Check(parsed, crl, certificate, issuer);
    }

    internal static (RevocationAnswer?, string?) Check(BcX509Crl parsed, byte[] encoded, X509Certificate2 certificate, X509Certificate2 issuer)
    {
        var bcIssuer = DotNetUtilities.FromX509Certificate(issuer);
        if (!parsed.IssuerDN.Equivalent(bcIssuer.SubjectDN)) return (null, "the CRL is not the issuer's");
        if (issuer.Extensions["2.5.29.15"] is X509KeyUsageExtension usage && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign)) return (null, "the issuer may not sign CRLs");
        try
        {
            parsed.Verify(SignerKeys.Of(bcIssuer));
        }
        catch (Exception e) when (e is InvalidKeyException or SignatureException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException or Org.BouncyCastle.Security.Certificates.CrlException)
        {
            return (null, "the CRL's signature does not verify with the issuer's key");
        }

        if (parsed.GetCriticalExtensionOids() is { Count: > 0 }) return (null, "the CRL has critical extensions this checker does not interpret (delta or scoped CRL)");
        var serial = Serials.Of(certificate);
        var thisUpdate = Ocsp.Utc(parsed.ThisUpdate);
        DateTimeOffset? nextUpdate = parsed.NextUpdate is { } n ? Ocsp.Utc(n) : null;
        var entry = parsed.GetRevokedCertificate(serial);
        if (entry is null) return (new RevocationAnswer(CertificateStatus.Good, RevocationSourceKind.Crl, thisUpdate, nextUpdate, null, null, encoded, []), null);
        string? reason = null;
        if (entry.GetExtensionValue(X509Extensions.ReasonCode) is { } reasonExt)
        {
            reason = Reasons.Name(DerEnumerated.GetInstance(Asn1Object.FromByteArray(reasonExt.GetOctets())).IntValueExact);
        }

        return (new RevocationAnswer(CertificateStatus.Revoked, RevocationSourceKind.Crl, thisUpdate, nextUpdate, Ocsp.Utc(entry.RevocationDate), reason, encoded, []), null);
    }

    /// <summary>True when the bytes read as a CRL (for sorting embedded data).</summary>
    public static bool LooksLikeCrl(byte[] crl)
    {
        try
        {
            return new BcX509CrlParser().ReadCrl(crl) is not null;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or Org.BouncyCastle.Security.Certificates.CrlException or Asn1Exception)
        {
            return false;
        }
    }
}
