using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;
using Signing.Core.Timestamps;
using Signing.Timestamping;

namespace Signing.Validation.Steps;

/// <summary>
/// Timestamp step: the signature timestamp token covers this signature value and is valid with its
/// own TSA chain, to the policy's timestamp anchors, at its genTime. Only such a token is a proof of
/// existence for the signature.
/// </summary>
internal static class TimestampValidation
{
    /// <summary>Checks the token; <paramref name="validationTime"/> is when the TSA's own key strength is judged (nothing proves the token older).</summary>
    public static TimestampCheck Check(CmsSignature cms, VerificationPolicy policy, DateTimeOffset validationTime)
    {
        try
        {
            return CheckToken(cms, policy, validationTime);
        }
        catch (CryptographicException)
        {
            // A token whose certificates or key cannot be decoded is an invalid timestamp, not a crash.
            return new TimestampCheck(true, false, null, false, null, false, "the timestamp token's certificates cannot be read");
        }
    }

    private static TimestampCheck CheckToken(CmsSignature cms, VerificationPolicy policy, DateTimeOffset validationTime)
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
        // CheckSigner also judges the TSA certificate (validity at genTime, critical timeStamping EKU): say which check failed.
        var signerProblem = tsaCert is null ? "the TSA certificate is not in the token" : token.CheckSigner(tsaCert);
        if (!imprintOk || signerProblem is not null || tsaCert is null)
        {
            return new TimestampCheck(true, false, info.GenTime, imprintOk, tsaCert?.Subject, false, imprintOk ? "the timestamp token is not acceptable: " + signerProblem : "the timestamp does not cover this signature value");
        }

        var eku = tsaCert.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        var ekuOk = eku is { Critical: true } && eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == Oids.TimeStampingEku);
        var tokenCerts = token.Certificates.Concat(cms.Certificates).ToList();
        var chain = ChainValidation.Check(tsaCert, tokenCerts, policy.TimestampTrustAnchors, info.GenTime, atIsProofOfExistence: true).Check;
        var weak = policy.Crypto.CheckKey(tsaCert, validationTime, "the TSA certificate");
        var problem = !ekuOk ? "the TSA certificate lacks the critical timeStamping EKU"
            : !chain.Trusted ? "the TSA certificate is not trusted for timestamps at the token's time: " + chain.Status
            : weak?.Message;
        return new TimestampCheck(true, problem is null, info.GenTime, imprintOk, tsaCert.Subject, chain.Trusted, problem);
    }
}
