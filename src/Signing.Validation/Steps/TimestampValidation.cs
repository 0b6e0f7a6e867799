using System.Formats.Asn1;
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

    /// <summary>
    /// A document timestamp (ISO 32000-2 12.8.5): <paramref name="token"/> is the /Contents, and its
    /// message imprint must be the hash of the ByteRange bytes.
    /// </summary>
    public static (TimestampCheck Check, TokenOutcome Outcome) CheckDocumentTimestamp(byte[] token, byte[] data, long[] byteRange, VerificationPolicy policy)
    {
        // The /Contents placeholder is zero-padded past the token: only its first DER element is the token.
        try
        {
            AsnDecoder.ReadEncodedValue(token, AsnEncodingRules.BER, out _, out _, out var consumed);
            token = token[..consumed];
        }
        catch (AsnContentException)
        {
            // Left whole: the token check reports it unreadable.
        }

        try
        {
            return CheckToken(token, alg =>
            {
                using var h = IncrementalHash.CreateHash(alg);
                h.AppendData(data, 0, (int)byteRange[1]);
                h.AppendData(data, (int)byteRange[2], (int)byteRange[3]);
                return h.GetHashAndReset();
            }, [], policy, "the timestamp does not cover the signed bytes");
        }
        catch (CryptographicException)
        {
            return (new TimestampCheck(true, false, null, false, null, false, "the timestamp token's certificates cannot be read"), TokenOutcome.Unreadable);
        }
    }

    private static TimestampCheck CheckToken(CmsSignature cms, VerificationPolicy policy)
    {
        var attr = cms.Unsigned(Oids.SignatureTimeStampToken);
        if (attr is null || attr.Values.Count == 0) return new TimestampCheck(false, false, null, false, null, false, null);
        return CheckToken(attr.Values[0], alg =>
        {
            using var h = IncrementalHash.CreateHash(alg);
            h.AppendData(cms.SignatureValue);
            return h.GetHashAndReset();
        }, cms.Certificates, policy, "the timestamp does not cover this signature value").Check;
    }

    private static (TimestampCheck Check, TokenOutcome Outcome) CheckToken(ReadOnlyMemory<byte> tokenBytes, Func<HashAlgorithmName, byte[]> expectedImprint, IReadOnlyList<X509Certificate2> extraCertificates, VerificationPolicy policy, string imprintProblem)
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
            return (new TimestampCheck(true, false, null, false, null, false, "the timestamp token cannot be decoded"), TokenOutcome.Unreadable);
        }

        var info = token.Info;
        if (info.HashAlgorithm is not { } alg)
        {
            return (new TimestampCheck(true, false, info.GenTime, false, null, false, "the timestamp uses an unsupported hash algorithm"), TokenOutcome.Unreadable);
        }

        var imprintOk = info.MessageImprint.AsSpan().SequenceEqual(expectedImprint(alg));
        var tsaCert = token.FindSignerCertificate(extraCertificates);
        var signatureOk = tsaCert is not null && token.CheckSigner(tsaCert) is null;
        if (!imprintOk || !signatureOk || tsaCert is null)
        {
            return (new TimestampCheck(true, false, info.GenTime, imprintOk, tsaCert?.Subject, false, imprintOk ? "the timestamp token's signature is invalid" : imprintProblem),
                !imprintOk ? TokenOutcome.ImprintMismatch : TokenOutcome.BadSignature);
        }

        var eku = tsaCert.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        var ekuOk = eku is not null && eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == Oids.TimeStampingEku);
        var tokenCerts = token.Certificates.Concat(extraCertificates).ToList();
        var chain = ChainValidation.Check(tsaCert, tokenCerts, policy.TrustAnchors, info.GenTime);
        var problem = !ekuOk ? "the TSA certificate lacks the timeStamping EKU" : !chain.Trusted ? "the TSA certificate is not trusted: " + chain.Status : null;
        return (new TimestampCheck(true, ekuOk && chain.Trusted, info.GenTime, imprintOk, tsaCert.Subject, chain.Trusted, problem), TokenOutcome.Checked);
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
