using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;

namespace Signing.Validation.Steps;

/// <summary>What the CMS step found about one signature. <see cref="SignerIdentified"/>: the ESS attribute names the signer, or (adbe.pkcs7.detached without ESS) the sid does.</summary>
internal sealed record CmsCheck(X509Certificate2? Signer, bool DigestOk, bool SignatureOk, bool SigningCertificateV2Ok, bool SignerIdentified);

/// <summary>
/// CMS step: the document digest against message-digest, the signature value, and the ESS binding
/// of the signature to its signer's certificate. Whether the algorithms and key are strong enough
/// depends on the best signature time: <see cref="CryptoConstraintsValidation"/>.
/// </summary>
internal static class CmsValidation
{
    /// <summary>Checks <paramref name="cms"/> over the ByteRange <paramref name="byteRange"/> of the file; adds what a reader should know to <paramref name="messages"/>.</summary>
    public static CmsCheck Check(SignedBytes signed, long[] byteRange, CmsSignature cms, string? subFilter, List<string> messages)
    {
        var signer = cms.FindSignerCertificate();
        bool digestOk = false;
        byte[]? documentDigest = null;
        if (cms.DigestAlgorithm is { } digestAlgorithm)
        {
            documentDigest = signed.Digest(digestAlgorithm, byteRange);
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
        var essOk = signer is not null && cms.SignedValue(Oids.SigningCertificateV2) is { } v2 && EssCertIds.Names(v2, signer, isV2: true);

        // ESS signing-certificate-v2 binds the signer for ETSI.CAdES.detached (PAdES); an
        // adbe.pkcs7.detached signer is named by the SignerInfo's sid alone, but an ESS attribute that is there must match.
        var essPresent = cms.Signed(Oids.SigningCertificateV2) is not null;
        var signerIdentified = essOk || (subFilter == "adbe.pkcs7.detached" && !essPresent && signer is not null);
        if (subFilter == "ETSI.CAdES.detached" && !essPresent) messages.Add("The ESS signing-certificate-v2 attribute is missing; ETSI.CAdES.detached requires it.");
        if (cms.Signed(Oids.SigningTime) is not null && subFilter == "ETSI.CAdES.detached") messages.Add("A signing-time attribute is present; PAdES baseline forbids it.");
        if (!noSignedAttributes && cms.Signed(Oids.ContentType) is null) messages.Add("The content-type signed attribute is missing.");
        return new CmsCheck(signer, digestOk, signatureOk, essOk, signerIdentified);
    }
}
