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

    /// <summary>
    /// A document timestamp (ISO 32000-2 12.8.5): <paramref name="token"/> is the /Contents, and its
    /// message imprint must be the hash of the ByteRange bytes.
    /// </summary>
    public static (TimestampCheck Check, TokenOutcome Outcome, X509Certificate2? Tsa) CheckDocumentTimestamp(byte[] token, SignedBytes signed, long[] byteRange, VerificationPolicy policy, DateTimeOffset validationTime)
    {
        token = SignatureContents.Token(token);

        try
        {
            return CheckToken(token, alg => signed.Digest(alg, byteRange), [], policy, validationTime, "the timestamp does not cover the signed bytes");
        }
        catch (CryptographicException)
        {
            return (new TimestampCheck(true, false, null, false, null, false, "the timestamp token's certificates cannot be read"), TokenOutcome.Unreadable, null);
        }
    }

    /// <summary>A token on its own (an audit anchor): its message imprint must be <paramref name="expectedSha256Imprint"/>.</summary>
    public static TimestampCheck CheckStandaloneToken(byte[] token, byte[] expectedSha256Imprint, VerificationPolicy policy, DateTimeOffset validationTime, string imprintProblem)
    {
        try
        {
            return CheckToken(token, alg => alg == HashAlgorithmName.SHA256 ? expectedSha256Imprint : [], [], policy, validationTime, imprintProblem).Check;
        }
        catch (CryptographicException)
        {
            return new TimestampCheck(true, false, null, false, null, false, "the timestamp token's certificates cannot be read");
        }
    }

    private static TimestampCheck CheckToken(CmsSignature cms, VerificationPolicy policy, DateTimeOffset validationTime)
    {
        var attr = cms.Unsigned(Oids.SignatureTimeStampToken);
        if (attr is null || attr.Values.Count == 0) return new TimestampCheck(false, false, null, false, null, false, null);
        return CheckToken(attr.Values[0], alg =>
        {
            using var h = IncrementalHash.CreateHash(alg);
            h.AppendData(cms.SignatureValue);
            return h.GetHashAndReset();
        }, cms.Certificates, policy, validationTime, "the timestamp does not cover this signature value").Check;
    }

    private static (TimestampCheck Check, TokenOutcome Outcome, X509Certificate2? Tsa) CheckToken(ReadOnlyMemory<byte> tokenBytes, Func<HashAlgorithmName, byte[]> expectedImprint, IReadOnlyList<X509Certificate2> extraCertificates, VerificationPolicy policy, DateTimeOffset validationTime, string imprintProblem)
    {
        // One read of the token, one signature check (TimestampToken: ESS binding, validity at
        // genTime, critical timeStamping EKU, content-type, message-digest, signature value).
        TimestampToken token;
        try
        {
            token = TimestampToken.Read(tokenBytes);
        }
        catch (TimestampException)
        {
            return (new TimestampCheck(true, false, null, false, null, false, "the timestamp token cannot be decoded"), TokenOutcome.Unreadable, null);
        }

        var info = token.Info;
        if (info.HashAlgorithm is not { } alg)
        {
            return (new TimestampCheck(true, false, info.GenTime, false, null, false, "the timestamp uses an unsupported hash algorithm"), TokenOutcome.Unreadable, null);
        }

        var imprintOk = info.MessageImprint.AsSpan().SequenceEqual(expectedImprint(alg));
        var tsaCert = token.FindSignerCertificate(extraCertificates);
        // CheckSigner also judges the TSA certificate (validity at genTime, critical timeStamping EKU): say which check failed.
        var signerProblem = tsaCert is null ? "the TSA certificate is not in the token" : token.CheckSigner(tsaCert);
        if (!imprintOk || signerProblem is not null || tsaCert is null)
        {
            return (new TimestampCheck(true, false, info.GenTime, imprintOk, tsaCert?.Subject, false, imprintOk ? "the timestamp token is not acceptable: " + signerProblem : imprintProblem),
                !imprintOk ? TokenOutcome.ImprintMismatch : TokenOutcome.BadSignature, tsaCert);
        }

        // CheckSigner passed, so the TSA certificate has its single critical timeStamping EKU.
        var tokenCerts = token.Certificates.Concat(extraCertificates).ToList();
        var outcome = ChainValidation.Check(tsaCert, tokenCerts, policy.TimestampTrustAnchors, info.GenTime, atIsProofOfExistence: true);
        var chain = outcome.Check;
        // The TSA's chain is checked for revocation too: a TSA revoked before genTime (or for key compromise) makes no proof.
        var revocation = chain.Trusted ? RevocationValidation.Check(outcome.Path, info.GenTime, poe: true, validationTime, policy.Revocation, "the TSA certificate", selfDated: true) : null;
        var weak = policy.Crypto.CheckKey(tsaCert, validationTime, "the TSA certificate");
        var problem = !chain.Trusted ? "the TSA certificate is not trusted for timestamps at the token's time: " + chain.Status
            : revocation is { Passed: false } ? "revocation: " + revocation.Problem
            : weak?.Message;
        return (new TimestampCheck(true, problem is null, info.GenTime, imprintOk, tsaCert.Subject, chain.Trusted, problem), TokenOutcome.Checked, tsaCert);
    }
}

/// <summary>How far a timestamp token's check got: unreadable, wrong imprint, bad signature, or checked (then see Valid).</summary>
internal enum TokenOutcome
{
    Unreadable,
    ImprintMismatch,
    BadSignature,
    Checked,
}
