namespace Signing.Validation.Steps;

/// <summary>
/// The ETSI.RFC3161 path (ISO 32000-2 12.8.5): the /Contents is a TimeStampToken whose message
/// imprint must be the hash of the ByteRange, checked like every token by <see cref="TimestampValidation"/>
/// (TSA signature, ESS binding, critical timeStamping EKU, validity at genTime, chain to the
/// timestamp anchors), and the TSA key must meet the policy's crypto constraints. A document timestamp names no signer.
/// </summary>
internal static class DocumentTimestampValidation
{
    public static SignatureVerification Check(SignedBytes signed, long[] br, byte[] contents, VerificationPolicy policy, DateTimeOffset now, SignatureVerification baseResult, List<string> messages)
    {
        var (check, outcome, tsa) = TimestampValidation.CheckDocumentTimestamp(contents, signed, br, policy, now);
        if (check.Time is { } genTime) messages.Add($"A document timestamp: the covered revision existed at {genTime:O}; it names no signer.");
        // Only a later archive timestamp could prove the TSA key existed earlier: it is judged now.
        var weakness = tsa is null ? null : policy.Crypto.CheckKey(tsa, now, "the TSA certificate");
        var (indication, sub, problem) = outcome switch
        {
            TokenOutcome.Unreadable => (Indication.TOTAL_FAILED, "FORMAT_FAILURE", check.Problem),
            TokenOutcome.ImprintMismatch => (Indication.TOTAL_FAILED, "HASH_FAILURE", check.Problem),
            TokenOutcome.BadSignature when tsa is null => (Indication.INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND", "the token does not carry the TSA certificate"),
            TokenOutcome.BadSignature => (Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE", check.Problem),
            _ when weakness is not null => (Indication.INDETERMINATE, weakness.SubIndication, weakness.Message),
            _ when !check.TsaChainTrusted => (Indication.INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND", check.Problem),
            _ when !check.Valid => (Indication.INDETERMINATE, "SIG_CONSTRAINTS_FAILURE", check.Problem),
            _ => (Indication.TOTAL_PASSED, (string?)null, (string?)null),
        };
        if (problem is not null) messages.Add("Document timestamp: " + problem + ".");
        return baseResult with
        {
            Kind = SignatureKind.DOCUMENT_TIMESTAMP,
            SignerSubject = tsa?.Subject,
            SignerIssuer = tsa?.Issuer,
            SignerSerial = tsa?.SerialNumber,
            DigestOk = check.ImprintOk,
            SignatureOk = outcome == TokenOutcome.Checked,
            Timestamp = check with { Valid = check.Valid && indication == Indication.TOTAL_PASSED },
            Indication = indication,
            SubIndication = sub,
            Messages = messages,
        };
    }
}
