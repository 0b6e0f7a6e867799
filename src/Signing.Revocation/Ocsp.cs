using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Revocation;

/// <summary>
/// OCSP (RFC 6960) requests and the check of a response: status successful, a SingleResponse
/// whose CertID names this certificate and issuer, signed by the issuer itself or by a responder
/// certificate the issuer signed with id-kp-OCSPSigning (§4.2.2.2), and valid thisUpdate/nextUpdate.
/// </summary>
public static class Ocsp
{
    public const string RequestMediaType = "application/ocsp-request";
    public const string ResponseMediaType = "application/ocsp-response";

    /// <summary>A DER OCSPRequest for one certificate (CertID with SHA-1, as RFC 5019 profiles it), with a nonce when given.</summary>
    public static byte[] Request(X509Certificate2 certificate, X509Certificate2 issuer, byte[]? nonce = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        var generator = new OcspReqGenerator();
        generator.AddRequest(IdOf(certificate, issuer));
        if (nonce is not null)
        {
            var ext = new X509ExtensionsGenerator();
            ext.AddExtension(OcspObjectIdentifiers.PkixOcspNonce, false, new DerOctetString(nonce));
            generator.SetRequestExtensions(ext.Generate());
        }

        return generator.Generate().GetEncoded();
    }

    /// <summary>Checks <paramref name="response"/> (DER OCSPResponse) about <paramref name="certificate"/>; null and a reason when it cannot be used.</summary>
    public static (RevocationAnswer? Answer, string? Problem) Check(byte[] response, X509Certificate2 certificate, X509Certificate2 issuer, byte[]? expectedNonce = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        // A nonce check belongs to one fetch; only checks without one are shared.
        return expectedNonce is null ? CheckCache.GetOrCheck("ocsp", response, certificate, issuer, () => CheckUncached(response, certificate, issuer, null)) : CheckUncached(response, certificate, issuer, expectedNonce);
    }

    private static (RevocationAnswer? Answer, string? Problem) CheckUncached(byte[] response, X509Certificate2 certificate, X509Certificate2 issuer, byte[]? expectedNonce)
    {
        try
        {
            var resp = new OcspResp(response);
            if (resp.Status != OcspRespStatus.Successful) return (null, $"the OCSP responder answered status {resp.Status}");
            if (resp.GetResponseObject() is not BasicOcspResp basic) return (null, "the OCSP response is not a basic response");
            return CheckBasic(basic, response, certificate, issuer, expectedNonce);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or OcspException or InvalidOperationException or Org.BouncyCastle.Security.Certificates.CertificateException or Asn1Exception)
        {
            return (null, "the OCSP response cannot be decoded");
        }
    }

    /// <summary>True when <paramref name="response"/> is a successful basic OCSP response (a cheap structural test for sorting embedded data).</summary>
    public static bool LooksLikeResponse(byte[] response)
    {
        try
        {
            return new OcspResp(response).Status == OcspRespStatus.Successful;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or OcspException or Asn1Exception)
        {
            return false;
        }
    }

    internal static CertificateID IdOf(X509Certificate2 certificate, X509Certificate2 issuer) =>
        new(new AlgorithmIdentifier(Org.BouncyCastle.Asn1.Oiw.OiwObjectIdentifiers.IdSha1, DerNull.Instance), DotNetUtilities.FromX509Certificate(issuer), Serials.Of(certificate));

    private static (RevocationAnswer?, string?) CheckBasic(BasicOcspResp basic, byte[] encoded, X509Certificate2 certificate, X509Certificate2 issuer, byte[]? expectedNonce)
    {
        var bcIssuer = DotNetUtilities.FromX509Certificate(issuer);
        var serial = Serials.Of(certificate);
        SingleResp? single = null;
        foreach (var r in basic.Responses)
        {
            var id = r.GetCertID();
            if (!id.SerialNumber.Equals(serial)) continue;
            bool matches;
            try
            {
                matches = id.MatchesIssuer(bcIssuer);
            }
            catch (OcspException)
            {
                matches = false; // a hash algorithm we do not know
            }

            if (matches)
            {
                single = r;
                break;
            }
        }

        if (single is null) return (null, "the OCSP response does not name this certificate");

        var responders = basic.GetCerts() ?? [];
        var signer = ResponderOf(basic, bcIssuer, responders, out var signerProblem);
        if (signer is null) return (null, signerProblem);
        bool signatureOk;
        try
        {
            signatureOk = basic.Verify(SignerKeys.Of(signer));
        }
        catch (Exception e) when (e is OcspException or InvalidKeyException or ArgumentException)
        {
            signatureOk = false;
        }

        if (!signatureOk) return (null, "the OCSP response's signature does not verify");
        if (expectedNonce is not null && basic.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce) is { } nonceExt)
        {
            var got = Asn1OctetString.GetInstance(Asn1Object.FromByteArray(nonceExt.GetOctets())).GetOctets();
            if (!got.AsSpan().SequenceEqual(expectedNonce)) return (null, "the OCSP response's nonce is not the request's");
        }

        var thisUpdate = Utc(single.ThisUpdate);
        DateTimeOffset? nextUpdate = single.NextUpdate is { } n ? Utc(n) : null;
        var status = single.GetCertStatus();
        var responderCerts = responders.Select(c => X509CertificateLoader.LoadCertificate(c.GetEncoded())).ToList();
        var answer = status switch
        {
            null => new RevocationAnswer(CertificateStatus.Good, RevocationSourceKind.Ocsp, thisUpdate, nextUpdate, null, null, encoded, responderCerts),
            RevokedStatus revoked => new RevocationAnswer(CertificateStatus.Revoked, RevocationSourceKind.Ocsp, thisUpdate, nextUpdate, Utc(revoked.RevocationTime),
                revoked.HasRevocationReason ? Reasons.Name(revoked.RevocationReason) : null, encoded, responderCerts),
            _ => new RevocationAnswer(CertificateStatus.Unknown, RevocationSourceKind.Ocsp, thisUpdate, nextUpdate, null, null, encoded, responderCerts),
        };
        return (answer with { ProducedAt = Utc(basic.ProducedAt) }, null);
    }

    /// <summary>The certificate that signed the response: the issuer itself, or a delegated responder certificate it issued with id-kp-OCSPSigning.</summary>
    private static BcCertificate? ResponderOf(BasicOcspResp basic, BcCertificate issuer, BcCertificate[] included, out string? problem)
    {
        problem = null;
        var responderId = basic.ResponderId.ToAsn1Object();
        bool Names(BcCertificate c)
        {
            if (responderId.Name is { } name) return c.SubjectDN.Equivalent(name);
            var keyHash = responderId.GetKeyHash();
            var spki = c.CertificateStructure.SubjectPublicKeyInfo.PublicKey.GetBytes();
            return keyHash is not null && SHA1.HashData(spki).AsSpan().SequenceEqual(keyHash);
        }

        if (Names(issuer)) return issuer;
        foreach (var candidate in included.Where(Names))
        {
            if (!SignerKeys.Issued(issuer, candidate))
            {
                problem = "the OCSP responder certificate was not issued by the certificate's issuer";
                continue;
            }

            if (!candidate.IsValid(basic.ProducedAt))
            {
                problem = "the OCSP responder certificate was not valid when the response was produced";
                continue;
            }

            var eku = candidate.GetExtendedKeyUsage();
            if (eku is null || !eku.Any(o => o.Id == CertificateLocations.OcspSigningEkuOid))
            {
                problem = "the OCSP responder certificate lacks id-kp-OCSPSigning";
                continue;
            }

            return candidate;
        }

        problem ??= "the OCSP response is signed by neither the issuer nor a responder it delegated";
        return null;
    }

    internal static DateTimeOffset Utc(DateTime t) => new(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc));
}

/// <summary>RFC 5280 CRLReason names.</summary>
public static class Reasons
{
    private static readonly string[] Names_ = ["unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise"];

    public static string Name(int code) => code >= 0 && code < Names_.Length && Names_[code].Length > 0 ? Names_[code] : $"reason {code}";

    /// <summary>The code of a reason name (case-insensitive); null when none matches.</summary>
    public static int? Code(string name) => Array.FindIndex(Names_, n => n.Length > 0 && n.Equals(name, StringComparison.OrdinalIgnoreCase)) is var i and >= 0 ? i : null;

    public static IEnumerable<string> All => Names_.Where(n => n.Length > 0);
}
