using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;

namespace Signing.Validation.Steps;

/// <summary>What the CMS step found about one signature. <see cref="SignerIdentified"/>: the ESS attribute names the signer, or (adbe.pkcs7.detached without ESS) the sid does.</summary>
internal sealed record CmsCheck(X509Certificate2? Signer, bool DigestOk, bool SignatureOk, bool SigningCertificateV2Ok, bool SignerIdentified, string? Weakness);

/// <summary>
/// CMS step: the document digest against message-digest, the signature value, the strength of
/// algorithms and key, and the ESS binding of the signature to its signer's certificate.
/// </summary>
internal static class CmsValidation
{
    private const int MinimumRsaBits = 2048;
    private const int MinimumEcBits = 256;

    /// <summary>Checks <paramref name="cms"/> over the ByteRange <paramref name="byteRange"/> of <paramref name="data"/>; adds what a reader should know to <paramref name="messages"/>.</summary>
    public static CmsCheck Check(byte[] data, long[] byteRange, CmsSignature cms, string? subFilter, List<string> messages)
    {
        var signer = cms.FindSignerCertificate();
        bool digestOk = false;
        byte[]? documentDigest = null;
        if (cms.DigestAlgorithm is { } digestAlgorithm)
        {
            // Message digest over the ByteRange, streamed.
            using var hash = IncrementalHash.CreateHash(digestAlgorithm);
            hash.AppendData(data, 0, (int)byteRange[1]);
            hash.AppendData(data, (int)byteRange[2], (int)byteRange[3]);
            documentDigest = hash.GetHashAndReset();
            digestOk = cms.MessageDigestMatches(documentDigest);
            if (!digestOk && cms.SignedAttributesForVerification is not null && cms.Signed(Oids.MessageDigest) is null) messages.Add("The message-digest signed attribute is missing.");
        }
        else
        {
            messages.Add($"Unsupported digest algorithm {cms.DigestAlgorithmOid}.");
        }

        var signatureOk = signer is not null && documentDigest is not null && cms.VerifySignatureValue(signer, documentDigest);
        var noSignedAttributes = cms.SignedAttributesForVerification is null;
        if (noSignedAttributes && documentDigest is not null)
        {
            // Without signed attributes the signature is over the document digest itself: the digest holds exactly when the signature does.
            digestOk = signatureOk;
            messages.Add("The CMS has no signed attributes: the signature is over the digest of the signed bytes.");
        }

        if (signer is null) messages.Add("The signer's certificate is not in the CMS.");
        var weakness = signer is null ? null : CryptoWeakness(cms, signer);
        if (weakness is not null) messages.Add(weakness);
        var essOk = signer is not null && cms.SignedValue(Oids.SigningCertificateV2) is { } v2 && EssCertIds.Names(v2, signer, isV2: true);

        // ESS signing-certificate-v2 binds the signer for ETSI.CAdES.detached (PAdES); an
        // adbe.pkcs7.detached signer is named by the SignerInfo's sid alone, but an ESS attribute that is there must match.
        var essPresent = cms.Signed(Oids.SigningCertificateV2) is not null;
        var signerIdentified = essOk || (subFilter == "adbe.pkcs7.detached" && !essPresent && signer is not null);
        if (subFilter == "ETSI.CAdES.detached" && !essPresent) messages.Add("The ESS signing-certificate-v2 attribute is missing; ETSI.CAdES.detached requires it.");
        if (cms.Signed(Oids.SigningTime) is not null && subFilter == "ETSI.CAdES.detached") messages.Add("A signing-time attribute is present; PAdES baseline forbids it.");
        if (!noSignedAttributes && cms.Signed(Oids.ContentType) is null) messages.Add("The content-type signed attribute is missing.");
        return new CmsCheck(signer, digestOk, signatureOk, essOk, signerIdentified, weakness);
    }

    /// <summary>Why the algorithms or the key are too weak to rely on (SHA-1, MD5, RSA under 2048 bits, EC under 256 bits), or null.</summary>
    private static string? CryptoWeakness(CmsSignature cms, X509Certificate2 signer)
    {
        var algorithm = cms.ResolveSignatureAlgorithm(out _);
        if (cms.DigestAlgorithm is { } d && (d == HashAlgorithmName.SHA1 || d == HashAlgorithmName.MD5) || algorithm is { IsWeak: true })
        {
            return $"The signature uses a broken digest algorithm ({cms.DigestAlgorithmOid} / {cms.SignatureAlgorithmOid}); SHA-256 or stronger is required.";
        }

        return KeyWeakness(signer);
    }

    /// <summary>Why the certificate's key is too short to rely on (RSA under 2048 bits, EC under 256 bits), or null.</summary>
    public static string? KeyWeakness(X509Certificate2 signer)
    {
        try
        {
            using (var rsa = signer.GetRSAPublicKey())
            {
                if (rsa is not null && rsa.KeySize < MinimumRsaBits) return $"The signer's RSA key has {rsa.KeySize} bits; at least {MinimumRsaBits} are required.";
            }

            using (var ec = signer.GetECDsaPublicKey())
            {
                if (ec is not null && ec.KeySize < MinimumEcBits) return $"The signer's EC key has {ec.KeySize} bits; at least {MinimumEcBits} are required.";
            }
        }
        catch (CryptographicException)
        {
            return "The signer's public key cannot be read.";
        }

        return null;
    }
}
