using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Pades.Cms;
using Signing.Pades.PdfSyntax;
using Signing.Core.Timestamps;
using Signing.Timestamping;

namespace Signing.Pades.Verification;

/// <summary>
/// Verifies every signature of a PDF: ByteRange sanity, document digest, signature value,
/// algorithm strength, signing-certificate-v2 binding, chain to the configured anchors, signature
/// timestamp, and what changed after each signature (<see cref="SignatureChangePolicy"/>: any change
/// no rule allows fails the signature). Signature dictionaries are found by parsing the AcroForm of
/// every revision (never by scanning bytes), so a signature that a later revision hides is still
/// reported. Revocation is not checked yet (B-LT comes later).
/// </summary>
public static class PdfSignatureVerifier
{
    /// <summary>The sub-indication of a signature whose document was changed after it in a way the allow-list does not permit (not in ETSI EN 319 102-1's list; see docs/verification-report.md).</summary>
    public const string DisallowedModification = "DISALLOWED_MODIFICATION";

    private const int MinimumRsaBits = 2048;
    private const int MinimumEcBits = 256;

    public static VerificationReport Verify(byte[] pdf, VerificationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(policy);
        var file = PdfFile.Parse(pdf, policy.Limits);
        var now = policy.ValidationTime ?? DateTimeOffset.UtcNow;
        var history = RevisionHistory.Read(file);
        var found = FindSignatures(file, history);
        var checks = new List<(FoundSignature Found, SignatureVerification Result, int CoveredRevision)>();
        foreach (var f in found.Signatures)
        {
            file.CheckTime();
            var result = VerifyOne(file, f, policy, now, history, out var covered);
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
                j = JudgeRevision(history, found, revision, n => IsPassingSignatureOf(revision, n));
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

                findings.AddRange(history.StructuralFindings.Where(m => m.Revision > covered));
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

        var results = final.ToList();
        var overall = results.Count == 0 ? Indication.INDETERMINATE
            : results.Any(r => r.Indication == Indication.TOTAL_FAILED) ? Indication.TOTAL_FAILED
            : results.All(r => r.Indication == Indication.TOTAL_PASSED) ? Indication.TOTAL_PASSED
            : Indication.INDETERMINATE;
        var modifications = judged.OrderBy(j => j.Key).SelectMany(j => j.Value.Findings).Concat(history.StructuralFindings).Concat(found.Signatures.SelectMany(f => f.SharedWith)).Distinct().ToList();
        return new VerificationReport
        {
            FileLength = pdf.LongLength,
            FileSha256 = Convert.ToHexStringLower(SHA256.HashData(pdf)),
            Revisions = history.Count,
            ValidationTime = now,
            Indication = overall,
            Signatures = results,
            Modifications = modifications,
        };
    }

    /// <summary>
    /// For the signer's prepared-hash check: the disallowed changes the revisions after
    /// <paramref name="draftLength"/> make, counting <paramref name="placeholder"/> (the not yet
    /// signed signature dictionary those revisions add) as if it were a signature that passed.
    /// </summary>
    internal static List<Modification> ChangesBeyondPlaceholder(PdfFile file, long draftLength, int placeholder)
    {
        var history = RevisionHistory.Read(file);
        var draftRevision = history.RevisionEndingAt(draftLength);
        if (draftRevision is null) return [new(1, null, ModificationKind.UNCOVERED_BYTES, "the draft does not end at a revision end")];
        var found = FindSignatures(file, history);
        var findings = new List<Modification>();
        for (var r = draftRevision.Value + 1; r <= history.Count; r++) findings.AddRange(JudgeRevision(history, found, r, n => n == placeholder, SignatureChangePolicy.ForFirstSignature).Findings);
        findings.AddRange(history.StructuralFindings.Where(m => m.Revision > draftRevision));
        return findings;
    }

    private static (List<Modification> Findings, List<string> Allowed) JudgeRevision(RevisionHistory history, FoundSignatures found, int revision, Func<int, bool> isPassingSignature, SignatureChangePolicy? policy = null)
    {
        var before = history.State(revision - 1, out var beforeProblem);
        var after = history.State(revision, out var afterProblem);
        if (before is null || after is null)
        {
            return ([new(revision, null, ModificationKind.UNREADABLE_REVISION, $"revision {(before is null ? revision - 1 : revision)} cannot be read on its own: {beforeProblem ?? afterProblem}")], []);
        }

        var diff = RevisionDiff.Compare(revision, before, after);
        var (findings, allowed) = (policy ?? SignatureChangePolicy.Default).Judge(diff, isPassingSignature);
        var kept = found.KeysByRevision[revision];
        foreach (var (key, fieldNumber, name) in found.FieldsByRevision[revision - 1])
        {
            if (!kept.Contains(key)) findings.Add(new(revision, fieldNumber, ModificationKind.SIGNATURE_FIELD_REMOVED, $"the signature field '{name}' of revision {revision - 1} (or its signature) is gone"));
        }

        return (findings, allowed);
    }

    /// <summary>A signature dictionary as first seen in some revision's AcroForm.</summary>
    internal sealed record FoundSignature(string Name, PdfDictionary Field, int? FieldObjectNumber, PdfReference? SignatureReference, PdfDictionary? Signature, XrefEntry? SignatureEntry, int FirstRevision, bool InLastRevision)
    {
        /// <summary>Other fields that name the same signature dictionary (a field that borrows a signature looks signed).</summary>
        public IReadOnlyList<Modification> SharedWith { get; init; } = [];
    }

    internal sealed record FoundSignatures(
        List<FoundSignature> Signatures,
        Dictionary<int, HashSet<string>> KeysByRevision,
        Dictionary<int, List<(string Key, int? FieldObjectNumber, string Name)>> FieldsByRevision);

    /// <summary>Every signature dictionary any revision's AcroForm names, once each (identified by where its definition lies), oldest revision first.</summary>
    private static FoundSignatures FindSignatures(PdfFile file, RevisionHistory history)
    {
        var byKey = new Dictionary<string, FoundSignature>(StringComparer.Ordinal);
        var order = new List<string>();
        var keysByRevision = new Dictionary<int, HashSet<string>>();
        var fieldsByRevision = new Dictionary<int, List<(string, int?, string)>> { [0] = [] };
        var shared = new List<(string Key, int Revision, int? Field, string Name)>();
        for (var revision = 1; revision <= history.Count; revision++)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var fields = new List<(string, int?, string)>();
            keysByRevision[revision] = keys;
            fieldsByRevision[revision] = fields;
            var state = history.State(revision, out _);
            if (state is null) continue;
            List<(string Name, PdfDictionary Field, int? Number)> sigFields;
            try
            {
                sigFields = SignatureFieldsWithNumbers(state);
            }
            catch (PdfFormatException)
            {
                state.CheckTime();
                continue;
            }

            foreach (var (name, field, number) in sigFields)
            {
                var sigRef = field["V"] as PdfReference;
                PdfDictionary? sig;
                XrefEntry? entry = null;
                try
                {
                    sig = state.ResolveDictionary(field["V"]);
                }
                catch (PdfFormatException)
                {
                    state.CheckTime();
                    sig = null;
                }

                if (sigRef is not null && state.Xref.TryGetValue(sigRef.ObjectNumber, out var e)) entry = e;
                var key = entry is { IsInUse: true, InObjectStream: false } plain ? "at:" + plain.Offset
                    : sigRef is not null ? $"obj:{sigRef.ObjectNumber}:{sig}"
                    : $"direct:{name}:{sig}";
                if (!keys.Add(key)) shared.Add((key, revision, number, name));
                fields.Add((key, number, name));
                if (!byKey.ContainsKey(key))
                {
                    byKey[key] = new FoundSignature(name, field, number, sigRef, sig, entry, revision, false);
                    order.Add(key);
                }
            }
        }

        var last = keysByRevision.TryGetValue(history.Count, out var lastKeys) ? lastKeys : [];
        var list = order.Select(k => byKey[k] with
        {
            InLastRevision = last.Contains(k),
            SharedWith = shared.Where(x => x.Key == k).Select(x => new Modification(x.Revision, x.Field, ModificationKind.SIGNATURE_SHARED_BY_FIELDS, $"the signature is also the /V of field '{x.Name}', which then looks signed")).ToList(),
        }).ToList();
        return new FoundSignatures(list, keysByRevision, fieldsByRevision);
    }

    /// <summary>Signature fields (terminal fields with /FT /Sig and a /V), walking /Kids with inheritance.</summary>
    internal static List<(string Name, PdfDictionary Field)> SignatureFields(PdfFile file) =>
        SignatureFieldsWithNumbers(file).Select(f => (f.Name, f.Field)).ToList();

    private static List<(string Name, PdfDictionary Field, int? Number)> SignatureFieldsWithNumbers(PdfFile file)
    {
        var result = new List<(string, PdfDictionary, int?)>();
        var catalog = file.ResolveDictionary(file.Trailer["Root"]);
        if (file.ResolveDictionary(catalog?["AcroForm"]) is not { } acroForm || file.Resolve(acroForm["Fields"]) is not PdfArray fields) return result;
        var seen = new HashSet<int>();
        void Walk(PdfObject item, string prefix, string? inheritedType, int depth)
        {
            if (depth > 32 || (item is PdfReference r && !seen.Add(r.ObjectNumber))) return;
            if (file.ResolveDictionary(item) is not { } field) return;
            var partial = (field["T"] as PdfString)?.ToText();
            var name = partial is null ? prefix : prefix.Length == 0 ? partial : prefix + "." + partial;
            var type = field.GetName("FT") ?? inheritedType;
            if (file.Resolve(field["Kids"]) is PdfArray kids && kids.Items.Any(k => file.ResolveDictionary(k)?["T"] is not null))
            {
                foreach (var k in kids.Items) Walk(k, name, type, depth + 1);
                return;
            }

            if (type == "Sig" && field["V"] is not null) result.Add((name, field, (item as PdfReference)?.ObjectNumber));
        }

        foreach (var f in fields.Items) Walk(f, "", null, 0);
        return result;
    }

    private static SignatureVerification VerifyOne(PdfFile file, FoundSignature found, VerificationPolicy policy, DateTimeOffset now, RevisionHistory history, out int coveredRevision)
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
        var brCheck = CheckByteRange(file, found.SignatureEntry, sig, out var br, out var contents);
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
        if (subFilter is not ("ETSI.CAdES.detached" or "adbe.pkcs7.detached"))
        {
            messages.Add($"SubFilter /{subFilter} is not supported by this verifier.");
            return baseResult with { Indication = Indication.INDETERMINATE, SubIndication = "FORMAT_FAILURE", Messages = messages };
        }

        CmsSignature cms;
        try
        {
            cms = CmsSignatureReader.Read(contents!);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            messages.Add("The /Contents is not a readable CMS SignedData.");
            return baseResult with { Indication = Indication.TOTAL_FAILED, SubIndication = "FORMAT_FAILURE", Messages = messages };
        }

        var signer = cms.FindSignerCertificate();
        var result = baseResult with
        {
            SignerSubject = signer?.Subject,
            SignerIssuer = signer?.Issuer,
            SignerSerial = signer?.SerialNumber,
        };

        // Message digest over the ByteRange, streamed.
        bool digestOk;
        if (cms.TryGetDigestAlgorithm(out var digestAlgorithm))
        {
            using var hash = IncrementalHash.CreateHash(digestAlgorithm);
            hash.AppendData(file.Data, 0, (int)br[1]);
            hash.AppendData(file.Data, (int)br[2], (int)br[3]);
            var actual = hash.GetHashAndReset();
            var claimedDigest = cms.Signed(Oids.MessageDigest)?.Values.FirstOrDefault();
            try
            {
                digestOk = claimedDigest is not null && new AsnReader(claimedDigest, AsnEncodingRules.BER).ReadOctetString().AsSpan().SequenceEqual(actual);
            }
            catch (AsnContentException)
            {
                digestOk = false;
                messages.Add("The message-digest attribute cannot be decoded.");
            }
        }
        else
        {
            digestOk = false;
            messages.Add($"Unsupported digest algorithm {cms.DigestAlgorithmOid}.");
        }

        var signatureOk = signer is not null && cms.VerifySignatureValue(signer);
        if (signer is null) messages.Add("The signer's certificate is not in the CMS.");
        var weakness = signer is null ? null : CryptoWeakness(cms, signer);
        if (weakness is not null) messages.Add(weakness);
        var essOk = signer is not null && SigningCertificateV2Matches(cms, signer);
        if (cms.Signed(Oids.SigningTime) is not null && subFilter == "ETSI.CAdES.detached") messages.Add("A signing-time attribute is present; PAdES baseline forbids it.");
        if (cms.Signed(Oids.ContentType) is null) messages.Add("The content-type signed attribute is missing.");

        var timestamp = CheckTimestamp(cms, policy);
        var chain = signer is null ? null : CheckChain(signer, cms.Certificates, policy.TrustAnchors, now, out _);
        if (chain is { Trusted: false } && signer is not null && timestamp.Valid && timestamp.Time is { } tsTime
            && tsTime >= signer.NotBefore && tsTime <= signer.NotAfter)
        {
            // The certificate may have expired since; the timestamp proves the signature existed while it was valid.
            var atTimestamp = CheckChain(signer, cms.Certificates, policy.TrustAnchors, tsTime, out _);
            if (atTimestamp.Trusted && now > signer.NotAfter)
            {
                chain = atTimestamp with { Status = "valid at the signature timestamp (certificate expired since)" };
            }
        }

        messages.Add("Revocation status was not checked (long-term validation comes with B-LT).");

        var (indication, sub) =
            !digestOk ? (Indication.TOTAL_FAILED, "HASH_FAILURE")
            : !signatureOk ? (signer is null ? (Indication.INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND") : (Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE"))
            : weakness is not null ? (Indication.INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE")
            : !essOk ? (Indication.INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND")
            : chain is not { Trusted: true } ? (Indication.INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
            : timestamp.Present && !timestamp.Valid ? (Indication.INDETERMINATE, "SIG_CONSTRAINTS_FAILURE")
            : (Indication.TOTAL_PASSED, (string?)null);

        return result with
        {
            DigestOk = digestOk,
            SignatureOk = signatureOk,
            SigningCertificateV2Ok = essOk,
            Chain = chain,
            Timestamp = timestamp,
            PadesLevel = subFilter == "ETSI.CAdES.detached" && essOk ? (timestamp.Valid ? "B-T" : "B-B") : null,
            Indication = indication,
            SubIndication = sub,
            Messages = messages,
        };
    }

    /// <summary>Why the algorithms or the key are too weak to rely on (SHA-1, MD5, RSA under 2048 bits, EC under 256 bits), or null.</summary>
    private static string? CryptoWeakness(CmsSignature cms, X509Certificate2 signer)
    {
        if (cms.UsesWeakDigest) return $"The signature uses a broken digest algorithm ({cms.DigestAlgorithmOid} / {cms.SignatureAlgorithmOid}); SHA-256 or stronger is required.";
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

    /// <summary>Starts at 0, two ascending ranges inside the file, and the gap is exactly this dictionary's /Contents string.</summary>
    internal static ByteRangeCheck CheckByteRange(PdfFile file, PdfReference? sigRef, PdfDictionary sig, out long[] br, out byte[]? contents) =>
        CheckByteRange(file, sigRef is not null && file.Xref.TryGetValue(sigRef.ObjectNumber, out var e) ? e : null, sig, out br, out contents);

    private static ByteRangeCheck CheckByteRange(PdfFile file, XrefEntry? sigEntry, PdfDictionary sig, out long[] br, out byte[]? contents)
    {
        contents = null;
        br = (file.Resolve(sig["ByteRange"]) as PdfArray)?.Items.Select(i => (file.Resolve(i) as PdfNumber) is { IsInteger: true } n ? n.AsLong() : -1).ToArray() ?? [];
        if (br.Length != 4) return new ByteRangeCheck(br, false, "the ByteRange does not have four numbers");
        long len = file.Data.LongLength;
        if (br[0] != 0) return new ByteRangeCheck(br, false, "the ByteRange does not start at 0");
        if (br.Any(v => v < 0 || v > len) || br[1] <= 0 || br[2] <= br[1] || br[3] > len - br[2]) return new ByteRangeCheck(br, false, "the ByteRange ranges are not ascending inside the file");
        if (sig["Contents"] is not PdfString contentsString) return new ByteRangeCheck(br, false, "the signature has no /Contents string");
        if (sigEntry is not { IsInUse: true, InObjectStream: false } entry || entry.Offset >= br[1])
        {
            return new ByteRangeCheck(br, false, "the signature dictionary is not a plain object before its /Contents");
        }

        // The gap must be one hex string, the /Contents of this very object.
        if (file.Data.AsSpan((int)entry.Offset, (int)(br[1] - entry.Offset)).IndexOf("endobj"u8) >= 0 || file.Data[br[1]] != '<' || file.Data[br[2] - 1] != '>')
        {
            return new ByteRangeCheck(br, false, "the ByteRange gap is not this signature's /Contents");
        }

        var parser = new PdfObjectParser(file.Data, (int)br[1], (int)br[2], file.Limits.MaxNestingDepth);
        PdfObject gap;
        try
        {
            gap = parser.ReadObject();
        }
        catch (PdfFormatException)
        {
            return new ByteRangeCheck(br, false, "the ByteRange gap is not a hex string");
        }

        if (gap is not PdfString gapString || parser.Position != br[2] || !gapString.Bytes.AsSpan().SequenceEqual(contentsString.Bytes))
        {
            return new ByteRangeCheck(br, false, "the ByteRange gap is not this signature's /Contents");
        }

        contents = contentsString.Bytes;
        return new ByteRangeCheck(br, true, null);
    }

    private static bool SigningCertificateV2Matches(CmsSignature cms, X509Certificate2 signer)
    {
        var attr = cms.Signed(Oids.SigningCertificateV2);
        if (attr is null || attr.Values.Count != 1) return false;
        try
        {
            var certs = new AsnReader(attr.Values[0], AsnEncodingRules.BER).ReadSequence().ReadSequence();
            var first = certs.ReadSequence();
            var hashAlg = HashAlgorithmName.SHA256;
            if (first.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                hashAlg = first.ReadSequence().ReadObjectIdentifier() switch
                {
                    Oids.Sha256 => HashAlgorithmName.SHA256,
                    Oids.Sha384 => HashAlgorithmName.SHA384,
                    Oids.Sha512 => HashAlgorithmName.SHA512,
                    _ => throw new CryptographicException("unsupported hash"),
                };
            }

            var certHash = first.ReadOctetString();
            using var h = IncrementalHash.CreateHash(hashAlg);
            h.AppendData(signer.RawData);
            if (!certHash.AsSpan().SequenceEqual(h.GetHashAndReset())) return false;
            if (first.HasData)
            {
                var issuerSerial = first.ReadSequence();
                issuerSerial.ReadSequence();
                var serial = issuerSerial.ReadIntegerBytes();
                if (!serial.Span.SequenceEqual(signer.SerialNumberBytes.Span)) return false;
            }

            return true;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return false;
        }
    }

    private static TimestampCheck CheckTimestamp(CmsSignature cms, VerificationPolicy policy)
    {
        try
        {
            return CheckTimestampToken(cms, policy);
        }
        catch (CryptographicException)
        {
            // A token whose certificates or key cannot be decoded is an invalid timestamp, not a crash.
            return new TimestampCheck(true, false, null, false, null, false, "the timestamp token's certificates cannot be read");
        }
    }

    private static TimestampCheck CheckTimestampToken(CmsSignature cms, VerificationPolicy policy)
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
        var chain = CheckChain(tsaCert, tokenCerts, policy.TrustAnchors, info.GenTime, out _);
        var problem = !ekuOk ? "the TSA certificate lacks the timeStamping EKU" : !chain.Trusted ? "the TSA certificate is not trusted: " + chain.Status : null;
        return new TimestampCheck(true, ekuOk && chain.Trusted, info.GenTime, imprintOk, tsaCert.Subject, chain.Trusted, problem);
    }

    private static ChainCheck CheckChain(X509Certificate2 cert, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors, DateTimeOffset at, out X509Chain? built)
    {
        built = null;
        var candidateList = candidates as IReadOnlyCollection<X509Certificate2> ?? candidates.ToList();
        return ChainCache.GetOrBuild(cert, candidateList, anchors, at, () => BuildChain(cert, candidateList, anchors, at));
    }

    private static ChainCheck BuildChain(X509Certificate2 cert, IEnumerable<X509Certificate2> candidates, X509Certificate2Collection anchors, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(candidates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        bool ok;
        try
        {
            ok = chain.Build(cert);
        }
        catch (CryptographicException)
        {
            // A certificate in the CMS that OpenSSL cannot process (e.g. a damaged key): no chain, not a crash.
            return new ChainCheck(false, "a certificate of the chain cannot be processed", []);
        }

        var status = ok ? "valid" : string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        var path = chain.ChainElements.Select(e => e.Certificate.Subject).ToArray();
        return new ChainCheck(ok, status, path);
    }
}
