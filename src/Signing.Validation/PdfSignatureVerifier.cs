using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;
using Signing.PdfSyntax;
using Signing.Validation.Modifications;
using Signing.Validation.Policy;
using Signing.Validation.Steps;

namespace Signing.Validation;

/// <summary>
/// Verifies every signature of a PDF: ByteRange sanity, document digest, signature value,
/// algorithm strength, signing-certificate-v2 binding, chain to the configured anchors, signature
/// timestamp, and what changed after each signature (<see cref="SignatureChangePolicy"/>: any change
/// no rule allows fails the signature). Signature dictionaries are found by parsing the AcroForm of
/// every revision (never by scanning bytes), so a signature that a later revision hides is still
/// reported. Revocation of signer and TSA chains: <see cref="Steps.RevocationValidation"/>, with the file's /DSS first.
/// </summary>
public static class PdfSignatureVerifier
{
    /// <summary>The sub-indication of a signature whose document was changed after it in a way the allow-list does not permit (not in ETSI EN 319 102-1's list; see docs/verification-report.md).</summary>
    public const string DisallowedModification = "DISALLOWED_MODIFICATION";

    public static VerificationReport Verify(byte[] pdf, VerificationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(policy);
        var file = PdfFile.Parse(pdf, policy.Limits);
        var now = policy.ValidationTime ?? DateTimeOffset.UtcNow;
        var history = RevisionHistory.Read(file);
        // The file's /DSS is read once; every signature's and timestamp's revocation check looks there first.
        policy = policy with { Revocation = policy.Revocation with { Embedded = DssValidationData.Read(file).Revocation } };
        var structural = ModificationAnalysis.Structural(history).ToList();
        var found = ModificationAnalysis.FindSignatures(file, history);
        using var signed = new SignedBytes(pdf);
        var checks = new List<(ModificationAnalysis.FoundSignature Found, SignatureVerification Result, int CoveredRevision)>();
        foreach (var f in found.Signatures)
        {
            file.CheckTime();
            var result = VerifyOne(file, signed, f, policy, now, history, out var covered);
            checks.Add((f, result, covered));
        }

        // Newest first: whether a later revision is allowed depends on whether the signature that made it passed.
        var judged = new Dictionary<int, (List<Modification> Findings, List<string> Allowed)>();
        var final = new SignatureVerification[checks.Count];
        bool IsPassingSignatureOf(int revision, int objectNumber) => checks.Select((c, i) => (c, i)).Any(x =>
            x.c.CoveredRevision == revision && x.c.Found.FirstRevision == revision && x.c.Found.SignatureReference?.ObjectNumber == objectNumber
            && final[x.i] is { Indication: Indication.TOTAL_PASSED });
        (List<Modification>, List<string>) Judge(int revision)
        {
            if (!judged.TryGetValue(revision, out var j))
            {
                j = ModificationAnalysis.JudgeRevision(history, found, revision, n => IsPassingSignatureOf(revision, n));
                judged[revision] = j;
            }

            return j;
        }

        foreach (var i in Enumerable.Range(0, checks.Count).OrderByDescending(i => checks[i].CoveredRevision))
        {
            file.CheckTime();
            var (f, result, covered) = checks[i];
            var findings = new List<Modification>(f.SharedWith);
            var allowedNotes = new List<string>();
            if (result.ByteRange.Ok)
            {
                var coveredEnd = result.ByteRange.Values[2] + result.ByteRange.Values[3];
                if (history.RevisionEndingAt(coveredEnd) is null)
                {
                    findings.Add(new(covered, null, ModificationKind.UNCOVERED_BYTES, $"the signed range ends at byte {coveredEnd}, not at the end of revision {covered}"));
                }

                for (var r = covered + 1; r <= history.Count; r++)
                {
                    var (rf, ra) = Judge(r);
                    findings.AddRange(rf);
                    allowedNotes.AddRange(ra);
                }

                findings.AddRange(structural.Where(m => m.Revision > covered));
            }

            var later = new LaterChanges(
                Math.Max(0, history.Count - covered),
                findings.Count > 0 ? LaterChangesAssessment.DISALLOWED_CHANGES : covered < history.Count ? LaterChangesAssessment.SIGNATURES_ONLY : LaterChangesAssessment.NONE,
                allowedNotes.Concat(findings.Select(m => $"revision {m.Revision}: {m.Detail}")).ToList());
            var messages = result.Messages.ToList();
            var outcome = result with { LaterChanges = later, Modifications = findings, Messages = messages };
            if (findings.Count > 0 && result.Indication != Indication.TOTAL_FAILED)
            {
                messages.Add("The document was changed after this signature in ways the allow-list does not permit: what is shown is not what was signed.");
                outcome = outcome with { Indication = Indication.TOTAL_FAILED, SubIndication = DisallowedModification };
            }

            if (!f.InLastRevision) messages.Add("This signature's field is no longer in the document's current revision.");
            final[i] = outcome;
        }

        // B-LTA: a B-LT signature followed by a valid document timestamp (ETSI EN 319 142-1 §6.4).
        var results = final.Select(r => r.PadesLevel == "B-LT" && final.Any(d => d.Kind == SignatureKind.DOCUMENT_TIMESTAMP && d.Indication == Indication.TOTAL_PASSED && d.Revision > r.Revision)
            ? r with { PadesLevel = "B-LTA" } : r).ToList();
        var modifications = judged.OrderBy(j => j.Key).SelectMany(j => j.Value.Findings).Concat(structural).Concat(found.Signatures.SelectMany(f => f.SharedWith)).Distinct().ToList();
        return new VerificationReport
        {
            FileLength = pdf.LongLength,
            FileSha256 = Convert.ToHexStringLower(signed.FileSha256()),
            Revisions = history.Count,
            ValidationTime = now,
            Verdict = Verdicts.Of(results, modifications),
            Signatures = results,
            Modifications = modifications,
        };
    }

    private static SignatureVerification VerifyOne(PdfFile file, SignedBytes signed, ModificationAnalysis.FoundSignature found, VerificationPolicy policy, DateTimeOffset now, RevisionHistory history, out int coveredRevision)
    {
        var messages = new List<string>();
        var name = found.Name;
        var sig = found.Signature;
        var noTimestamp = new TimestampCheck(false, false, null, false, null, false, null);
        var noChanges = new LaterChanges(0, LaterChangesAssessment.NONE, []);
        coveredRevision = found.FirstRevision;
        if (sig is null)
        {
            return Failed(name, new ByteRangeCheck([], false, "the signature dictionary is missing"), noTimestamp, noChanges, "FORMAT_FAILURE", messages);
        }

        var subFilter = sig.GetName("SubFilter");
        var claimed = (sig["M"] as PdfString)?.ToText();
        var brCheck = ByteRangeValidation.Check(file, found.SignatureEntry, sig, out var br, out var contents);
        if (brCheck.Ok) coveredRevision = history.RevisionContaining(br[2] + br[3]);
        var baseResult = new SignatureVerification
        {
            FieldName = name,
            SubFilter = subFilter,
            ClaimedSigningTime = claimed,
            ByteRange = brCheck,
            Timestamp = noTimestamp,
            Revision = coveredRevision,
            CoversWholeDocument = brCheck.Ok && br[2] + br[3] == file.Data.LongLength,
            LaterChanges = noChanges,
        };
        if (!brCheck.Ok) return baseResult with { Indication = Indication.TOTAL_FAILED, SubIndication = "FORMAT_FAILURE", Messages = messages };
        if (subFilter == "ETSI.RFC3161") return DocumentTimestampValidation.Check(signed, br, contents!, policy, now, baseResult, messages);
        if (subFilter is not ("ETSI.CAdES.detached" or "adbe.pkcs7.detached"))
        {
            messages.Add($"SubFilter /{subFilter} is not supported by this verifier.");
            return baseResult with { Indication = Indication.INDETERMINATE, SubIndication = "FORMAT_FAILURE", Messages = messages };
        }

        CmsSignature cms;
        try
        {
            cms = CmsSignature.Read(contents!);
        }
        catch (CryptographicException)
        {
            messages.Add("The /Contents is not a readable CMS SignedData.");
            return baseResult with { Indication = Indication.TOTAL_FAILED, SubIndication = "FORMAT_FAILURE", Messages = messages };
        }

        var (signer, digestOk, signatureOk, essOk, signerIdentified) = CmsValidation.Check(signed, br, cms, subFilter, messages);
        var result = baseResult with
        {
            SignerSubject = signer?.Subject,
            SignerIssuer = signer?.Issuer,
            SignerSerial = signer?.SerialNumber,
        };

        // Best signature time: a valid signature timestamp's genTime, else the validation time; never /M, which anyone can write.
        var timestamp = TimestampValidation.Check(cms, policy, now);
        var proven = timestamp is { Valid: true, Time: { } genTime } && genTime <= now;
        var bestTime = proven ? timestamp.Time!.Value : now;
        // The file exists now, so validating now (or later) is itself a proof of existence; a past validation time is not.
        var atIsProofOfExistence = proven || policy.ValidationTime is null || now >= DateTimeOffset.UtcNow;
        var chain = signer is null ? null : ChainValidation.Check(signer, cms.Certificates, policy.SignatureTrustAnchors, bestTime, atIsProofOfExistence, policy.SignerKeyUsage.Problem);
        var crypto = signer is null ? null : CryptoConstraintsValidation.Check(cms, signer, chain?.Path ?? [], policy.Crypto, bestTime);
        if (crypto is not null) messages.Add(crypto.Message);
        if (chain is { Passed: false }) messages.Add($"Certificate validation at {bestTime:yyyy-MM-dd HH:mm:ss zzz}{(proven ? " (the signature timestamp)" : "")}: {chain.Check.Status}.");
        var revocation = chain is { Passed: true } ? RevocationValidation.Check(chain.Path, bestTime, proven, now, policy.Revocation, "the signer's certificate") : null;
        if (revocation is not null) messages.AddRange(revocation.Notes);
        if (revocation is { Passed: false }) messages.Add("Revocation: " + revocation.Problem + ".");

        var (indication, sub) =
            !digestOk ? (Indication.TOTAL_FAILED, "HASH_FAILURE")
            : !signatureOk ? (signer is null ? (Indication.INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND") : (Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE"))
            : crypto is not null ? (Indication.INDETERMINATE, crypto.SubIndication)
            : !signerIdentified ? (Indication.INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND")
            : chain is not { Passed: true } ? (chain?.Indication ?? Indication.INDETERMINATE, chain?.SubIndication ?? SubIndications.NoCertificateChainFound)
            : revocation is { Passed: false } ? (revocation.Indication, revocation.SubIndication)
            : timestamp.Present && !timestamp.Valid ? (Indication.INDETERMINATE, SubIndications.SigConstraintsFailure)
            : (Indication.TOTAL_PASSED, (string?)null);

        return result with
        {
            DigestOk = digestOk,
            SignatureOk = signatureOk,
            SigningCertificateV2Ok = essOk,
            Chain = chain?.Check,
            Timestamp = timestamp,
            PadesLevel = subFilter == "ETSI.CAdES.detached" && essOk ? (!timestamp.Valid ? "B-B" : revocation is { FromFile: true } ? "B-LT" : "B-T") : null,
            Indication = indication,
            SubIndication = sub,
            Messages = messages,
        };
    }

    /// <summary>
    /// A document timestamp (PAdES B-LTA, ISO 32000-2 12.8.5): the /Contents is an RFC 3161 token
    /// whose imprint is the hash of the ByteRange bytes, by a TSA that chains to the anchors at its time.
    /// </summary>
    private static SignatureVerification Failed(string name, ByteRangeCheck br, TimestampCheck ts, LaterChanges later, string sub, List<string> messages) => new()
    {
        FieldName = name,
        ByteRange = br,
        Timestamp = ts,
        LaterChanges = later,
        Indication = Indication.TOTAL_FAILED,
        SubIndication = sub,
        Messages = messages,
    };
}
