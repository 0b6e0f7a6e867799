using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;
using Signing.Core.Timestamps;
using Signing.Timestamping;

namespace Signing.Validation.Steps;

/// <summary>Timestamp step: the signature timestamp token covers this signature value and is valid with its own TSA chain.</summary>
internal static class TimestampValidation
{
    public static TimestampCheck Check(CmsSignature cms, VerificationPolicy policy)
    {
        try
        {
            return CheckToken(cms, policy);
        }
        catch (CryptographicException)
        {
            // A token whose certificates or key cannot be decoded is an invalid timestamp, not a crash.
            return new TimestampCheck(true, false, null, false, null, false, "the timestamp token's certificates cannot be read");
        }
    }

    private static TimestampCheck CheckToken(CmsSignature cms, VerificationPolicy policy)
    {
        var attr = cms.Unsigned(Oids.SignatureTimeStampToken);
        if (attr is null || attr.Values.Count == 0) return new TimestampCheck(false, false, null, false, null, false, null);

        // One read of the token, one signature check (TimestampToken: ESS binding, validity at
        // genTime, critical timeStamping EKU, content-type, message-digest, signature value).
        TimestampToken token;
        try
        {
            token = TimestampToken.Read(attr.Values[0]);
        }
        catch (TimestampException)
        {
            return new TimestampCheck(true, false, null, false, null, false, "the timestamp token cannot be decoded");
        }

        var info = token.Info;
        if (info.HashAlgorithm is not { } alg)
        {
            return new TimestampCheck(true, false, info.GenTime, false, null, false, "the timestamp uses an unsupported hash algorithm");
        }

        using var h = IncrementalHash.CreateHash(alg);
        h.AppendData(cms.SignatureValue);
        var imprintOk = info.MessageImprint.AsSpan().SequenceEqual(h.GetHashAndReset());
        var tsaCert = token.FindSignerCertificate(cms.Certificates);
        var signatureOk = tsaCert is not null && token.CheckSigner(tsaCert) is null;
        if (!imprintOk || !signatureOk || tsaCert is null)
        {
            return new TimestampCheck(true, false, info.GenTime, imprintOk, tsaCert?.Subject, false, imprintOk ? "the timestamp token's signature is invalid" : "the timestamp does not cover this signature value");
        }

        var eku = tsaCert.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        var ekuOk = eku is not null && eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == Oids.TimeStampingEku);
        var tokenCerts = token.Certificates.Concat(cms.Certificates).ToList();
        var chain = ChainValidation.Check(tsaCert, tokenCerts, policy.TrustAnchors, info.GenTime);
        var problem = !ekuOk ? "the TSA certificate lacks the timeStamping EKU" : !chain.Trusted ? "the TSA certificate is not trusted: " + chain.Status : null;
        return new TimestampCheck(true, ekuOk && chain.Trusted, info.GenTime, imprintOk, tsaCert.Subject, chain.Trusted, problem);
    }
}
