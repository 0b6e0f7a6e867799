using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;
using Signing.Core.Timestamps;
using Signing.Timestamping;

namespace Signing.Validation.Steps;

/// <summary>
/// The ETSI.RFC3161 path: the /Contents is a TimeStampToken whose message imprint must be the
/// hash of the ByteRange, signed by a TSA certificate with the critical timeStamping EKU, valid at
/// genTime and chaining to the anchors (ETSI EN 319 102-1's steps for a timestamp).
/// </summary>
internal static class DocumentTimestampValidation
{
    public static SignatureVerification Check(byte[] data, long[] br, byte[] contents, VerificationPolicy policy, DateTimeOffset now, SignatureVerification baseResult, List<string> messages)
    {
        var result = baseResult with { Kind = SignatureKind.DOCUMENT_TIMESTAMP, Messages = messages };
        TimestampToken token;
        try
        {
            // The /Contents is zero-padded after the token; the token is its first DER value.
            token = TimestampToken.Read(new AsnReader(contents, AsnEncodingRules.BER).ReadEncodedValue());
        }
        catch (Exception e) when (e is TimestampException or AsnContentException)
        {
            messages.Add("The /Contents is not a readable RFC 3161 TimeStampToken.");
            return result with { Indication = Indication.TOTAL_FAILED, SubIndication = "FORMAT_FAILURE" };
        }

        var info = token.Info;
        messages.Add($"A document timestamp: the covered revision existed at {info.GenTime:O}; it names no signer.");
        if (info.HashAlgorithm is not { } algorithm)
        {
            messages.Add($"The message imprint uses {info.HashAlgorithmOid}; SHA-256 or stronger is required.");
            return result with { Timestamp = new(true, false, info.GenTime, false, null, false, "unsupported imprint hash"), Indication = Indication.INDETERMINATE, SubIndication = "CRYPTO_CONSTRAINTS_FAILURE" };
        }

        using var hash = IncrementalHash.CreateHash(algorithm);
        hash.AppendData(data, 0, (int)br[1]);
        hash.AppendData(data, (int)br[2], (int)br[3]);
        var imprintOk = info.MessageImprint.AsSpan().SequenceEqual(hash.GetHashAndReset());
        X509Certificate2? tsa;
        string? signerProblem;
        try
        {
            tsa = token.FindSignerCertificate();
            signerProblem = tsa is null ? "the token does not carry the TSA certificate" : token.CheckSigner(tsa);
        }
        catch (CryptographicException)
        {
            tsa = null;
            signerProblem = "the token's certificates cannot be read";
        }

        var genTime = info.GenTime.UtcDateTime;
        var validAtGenTime = tsa is not null && genTime >= tsa.NotBefore.ToUniversalTime() && genTime <= tsa.NotAfter.ToUniversalTime();
        var ekus = tsa?.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList() ?? [];
        var ekuOk = ekus.Count == 1 && ekus[0].Critical && ekus[0].EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == Oids.TimeStampingEku);
        var chain = tsa is null ? null : ChainValidation.Check(tsa, token.Certificates, policy.TrustAnchors, now);
        var weakness = tsa is null ? null : CmsValidation.KeyWeakness(tsa);

        var (indication, sub, problem) =
            !imprintOk ? (Indication.TOTAL_FAILED, "HASH_FAILURE", "the message imprint is not the hash of the signed bytes")
            : tsa is null ? (Indication.INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND", signerProblem)
            : !validAtGenTime || !ekuOk ? (Indication.INDETERMINATE, "SIG_CONSTRAINTS_FAILURE", !ekuOk ? "the TSA certificate lacks a single critical timeStamping extended key usage" : "the TSA certificate was not valid at genTime")
            : signerProblem is not null ? (Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE", signerProblem)
            : weakness is not null ? (Indication.INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE", weakness)
            : chain is not { Trusted: true } ? (Indication.INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND", "the TSA certificate is not trusted: " + chain?.Status)
            : (Indication.TOTAL_PASSED, (string?)null, (string?)null);
        if (problem is not null) messages.Add("Document timestamp: " + problem + ".");
        return result with
        {
            SignerSubject = tsa?.Subject,
            SignerIssuer = tsa?.Issuer,
            SignerSerial = tsa?.SerialNumber,
            DigestOk = imprintOk,
            SignatureOk = tsa is not null && signerProblem is null,
            Chain = chain,
            Timestamp = new TimestampCheck(true, indication == Indication.TOTAL_PASSED, info.GenTime, imprintOk, tsa?.Subject, chain is { Trusted: true }, problem),
            Indication = indication,
            SubIndication = sub,
        };
    }
}
