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
/// signing-certificate-v2 binding, chain to the configured anchors, signature timestamp, and
/// what changed after each signature. Signature dictionaries are found by parsing the
/// AcroForm (never by scanning bytes). Revocation is not checked yet (B-LT comes later).
/// </summary>
public static class PdfSignatureVerifier
{
    public static VerificationReport Verify(byte[] pdf, VerificationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(policy);
        var file = PdfFile.Parse(pdf, policy.Limits);
        var now = policy.ValidationTime ?? DateTimeOffset.UtcNow;
        var sectionOffsets = file.Sections.Select(s => s.Offset).OrderBy(o => o).ToList();
        var results = new List<SignatureVerification>();
        foreach (var (name, widget) in SignatureFields(file))
        {
            file.CheckTime();
            results.Add(VerifyOne(file, name, widget, policy, now, sectionOffsets));
        }

        var overall = results.Count == 0 ? Indication.INDETERMINATE
            : results.Any(r => r.Indication == Indication.TOTAL_FAILED) ? Indication.TOTAL_FAILED
            : results.All(r => r.Indication == Indication.TOTAL_PASSED) ? Indication.TOTAL_PASSED
            : Indication.INDETERMINATE;
        return new VerificationReport
        {
            FileLength = pdf.LongLength,
            FileSha256 = Convert.ToHexStringLower(SHA256.HashData(pdf)),
            Revisions = file.Sections.Count,
            ValidationTime = now,
            Indication = overall,
            Signatures = results,
        };
    }

    /// <summary>Signature fields (terminal fields with /FT /Sig and a /V), walking /Kids with inheritance.</summary>
    internal static List<(string Name, PdfDictionary Field)> SignatureFields(PdfFile file)
    {
        var result = new List<(string, PdfDictionary)>();
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

            if (type == "Sig" && field["V"] is not null) result.Add((name, field));
        }

        foreach (var f in fields.Items) Walk(f, "", null, 0);
        return result;
    }

    private static SignatureVerification VerifyOne(PdfFile file, string name, PdfDictionary field, VerificationPolicy policy, DateTimeOffset now, List<long> sectionOffsets)
    {
        var messages = new List<string>();
        var sigRef = field["V"] as PdfReference;
        var sig = file.ResolveDictionary(field["V"]);
        var noTimestamp = new TimestampCheck(false, false, null, false, null, false, null);
        var noChanges = new LaterChanges(0, LaterChangesAssessment.NONE, []);
        if (sig is null)
        {
            return Failed(name, new ByteRangeCheck([], false, "the signature dictionary is missing"), noTimestamp, noChanges, "FORMAT_FAILURE", messages);
        }

        var subFilter = sig.GetName("SubFilter");
        var claimed = (sig["M"] as PdfString)?.ToText();
        var brCheck = CheckByteRange(file, sigRef, sig, out var br, out var contents);
        var coveredEnd = brCheck.Ok ? br[2] + br[3] : 0;
        var revision = sectionOffsets.Count(o => o < coveredEnd);
        var later = brCheck.Ok ? AnalyzeLaterChanges(file, coveredEnd) : noChanges;
        var baseResult = new SignatureVerification
        {
            FieldName = name,
            SubFilter = subFilter,
            ClaimedSigningTime = claimed,
            ByteRange = brCheck,
            Timestamp = noTimestamp,
            Revision = revision,
            CoversWholeDocument = brCheck.Ok && coveredEnd == file.Data.LongLength,
            LaterChanges = later,
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
        try
        {
            using var hash = IncrementalHash.CreateHash(cms.DigestAlgorithm);
            hash.AppendData(file.Data, 0, (int)br[1]);
            hash.AppendData(file.Data, (int)br[2], (int)br[3]);
            var actual = hash.GetHashAndReset();
            var claimedDigest = cms.Signed(Oids.MessageDigest)?.Values.FirstOrDefault();
            digestOk = claimedDigest is not null && new AsnReader(claimedDigest, AsnEncodingRules.BER).ReadOctetString().AsSpan().SequenceEqual(actual);
        }
        catch (CryptographicException)
        {
            digestOk = false;
            messages.Add($"Unsupported digest algorithm {cms.DigestAlgorithmOid}.");
        }

        var signatureOk = signer is not null && cms.VerifySignatureValue(signer);
        if (signer is null) messages.Add("The signer's certificate is not in the CMS.");
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
        if (later.Assessment == LaterChangesAssessment.OTHER_CHANGES) messages.Add("The document was changed after this signature in ways other than adding signatures.");

        var (indication, sub) =
            !digestOk ? (Indication.TOTAL_FAILED, "HASH_FAILURE")
            : !signatureOk ? (signer is null ? (Indication.INDETERMINATE, "NO_SIGNING_CERTIFICATE_FOUND") : (Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE"))
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
    internal static ByteRangeCheck CheckByteRange(PdfFile file, PdfReference? sigRef, PdfDictionary sig, out long[] br, out byte[]? contents)
    {
        contents = null;
        br = (file.Resolve(sig["ByteRange"]) as PdfArray)?.Items.Select(i => (file.Resolve(i) as PdfNumber)?.AsLong() ?? -1).ToArray() ?? [];
        if (br.Length != 4) return new ByteRangeCheck(br, false, "the ByteRange does not have four numbers");
        long len = file.Data.LongLength;
        if (br[0] != 0) return new ByteRangeCheck(br, false, "the ByteRange does not start at 0");
        if (br.Any(v => v < 0) || br[1] <= 0 || br[2] <= br[1] || br[2] + br[3] > len) return new ByteRangeCheck(br, false, "the ByteRange ranges are not ascending inside the file");
        if (sig["Contents"] is not PdfString contentsString) return new ByteRangeCheck(br, false, "the signature has no /Contents string");
        if (sigRef is null || !file.Xref.TryGetValue(sigRef.ObjectNumber, out var entry) || entry.InObjectStream || entry.Offset >= br[1])
        {
            return new ByteRangeCheck(br, false, "the signature dictionary is not a plain object before its /Contents");
        }

        // The gap must be one hex string, the /Contents of this very object.
        if (file.Data.AsSpan((int)entry.Offset, (int)(br[1] - entry.Offset)).IndexOf("endobj"u8) >= 0 || file.Data[br[1]] != '<' || file.Data[br[2] - 1] != '>')
        {
            return new ByteRangeCheck(br, false, "the ByteRange gap is not this signature's /Contents");
        }

        var parser = new PdfObjectParser(file.Data, (int)br[1], (int)br[2]);
        if (parser.ReadObject() is not PdfString gap || parser.Position != br[2] || !gap.Bytes.AsSpan().SequenceEqual(contentsString.Bytes))
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
        var ok = chain.Build(cert);
        var status = ok ? "valid" : string.Join("; ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        var path = chain.ChainElements.Select(e => e.Certificate.Subject).ToArray();
        return new ChainCheck(ok, status, path);
    }

    /// <summary>
    /// Compares each object changed after <paramref name="coveredEnd"/> with its signed version:
    /// new objects, page /Annots, catalog /AcroForm and /DSS, AcroForm /Fields and /SigFlags, and
    /// /V on empty signature fields are what later signatures legitimately change.
    /// </summary>
    internal static LaterChanges AnalyzeLaterChanges(PdfFile file, long coveredEnd)
    {
        var laterSections = file.Sections.Where(s => s.Offset >= coveredEnd).ToList();
        if (coveredEnd == file.Data.LongLength) return new LaterChanges(0, LaterChangesAssessment.NONE, []);
        if (laterSections.Count == 0)
        {
            return new LaterChanges(0, LaterChangesAssessment.OTHER_CHANGES, ["bytes follow the signed range without a new revision"]);
        }

        PdfFile signed;
        try
        {
            signed = PdfFile.Parse(file.Data.AsSpan(0, (int)coveredEnd).ToArray());
        }
        catch (PdfFormatException)
        {
            return new LaterChanges(laterSections.Count, LaterChangesAssessment.OTHER_CHANGES, ["the signed revision cannot be parsed on its own"]);
        }

        var details = new List<string>();
        var allowed = true;
        var oldCatalog = signed.ResolveDictionary(signed.Trailer["Root"]);
        var oldAcroFormNumber = (oldCatalog?["AcroForm"] as PdfReference)?.ObjectNumber;
        var added = 0;
        foreach (var num in laterSections.SelectMany(s => s.ObjectNumbers).Distinct().Order())
        {
            file.CheckTime();
            PdfObject? before, after;
            try
            {
                before = signed.GetObject(num);
                after = file.GetObject(num);
            }
            catch (PdfFormatException)
            {
                allowed = false;
                details.Add($"object {num} cannot be read");
                continue;
            }

            if (before is null)
            {
                added++;
                continue;
            }

            if (after is null)
            {
                allowed = false;
                details.Add($"object {num} was deleted");
                continue;
            }

            if (SameObject(signed, before, file, after)) continue;
            var oldDict = before as PdfDictionary;
            var newDict = after as PdfDictionary;
            string? kind = null;
            if (oldDict is not null && newDict is not null)
            {
                var type = newDict.GetName("Type");
                if (type == "Page" && SameExcept(oldDict, newDict, "Annots")) kind = "page annotations";
                else if (type == "Catalog" && SameExcept(oldDict, newDict, "AcroForm", "DSS")) kind = "catalog form/DSS entries";
                else if (num == oldAcroFormNumber && SameExcept(oldDict, newDict, "Fields", "SigFlags")) kind = "form field list";
                else if (newDict.GetName("FT") == "Sig" && oldDict["V"] is null && SameExcept(oldDict, newDict, "V", "AP")) kind = "signing of an existing empty signature field";
            }

            if (kind is null)
            {
                allowed = false;
                details.Add($"object {num} ({(newDict?.GetName("Type") ?? newDict?.GetName("Subtype") ?? after.GetType().Name.Replace("Pdf", "", StringComparison.Ordinal))}) was modified");
            }
            else
            {
                details.Add($"object {num}: {kind}");
            }
        }

        details.Insert(0, $"{added} object(s) added");
        return new LaterChanges(laterSections.Count, allowed ? LaterChangesAssessment.SIGNATURES_AND_ANNOTATIONS_ONLY : LaterChangesAssessment.OTHER_CHANGES, details);
    }

    private static bool SameObject(PdfFile oldFile, PdfObject a, PdfFile newFile, PdfObject b)
    {
        if (a is PdfStream sa && b is PdfStream sb)
        {
            return sa.Dictionary.ToString() == sb.Dictionary.ToString()
                && oldFile.Data.AsSpan((int)sa.DataOffset, sa.DataLength).SequenceEqual(newFile.Data.AsSpan((int)sb.DataOffset, sb.DataLength));
        }

        if (a is PdfStream || b is PdfStream) return false;
        return a.ToString() == b.ToString();
    }

    private static bool SameExcept(PdfDictionary a, PdfDictionary b, params string[] keys)
    {
        var ka = a.Entries.Where(e => !keys.Contains(e.Key)).Select(e => e.Key + "=" + e.Value).Order(StringComparer.Ordinal);
        var kb = b.Entries.Where(e => !keys.Contains(e.Key)).Select(e => e.Key + "=" + e.Value).Order(StringComparer.Ordinal);
        return ka.SequenceEqual(kb);
    }
}
