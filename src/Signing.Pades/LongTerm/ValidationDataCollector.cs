using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Cms;
using Signing.Core;
using Signing.PdfSyntax;
using Signing.Revocation;
using Signing.Timestamping;

namespace Signing.Pades.LongTerm;

/// <summary>The validation data of one signature or document timestamp: what its /VRI entry names.</summary>
public sealed record SignatureValidationData(byte[] ContentsBytes, IReadOnlyList<byte[]> Certificates, IReadOnlyList<byte[]> OcspResponses, IReadOnlyList<byte[]> Crls)
{
    /// <summary>PAdES VRI key: uppercase hex SHA-1 of the signature's /Contents string (ETSI EN 319 142-1 §5.4.2.2).</summary>
    public string VriKey => Convert.ToHexString(SHA1.HashData(ContentsBytes));
}

/// <summary>
/// Gathers, for every signature and document timestamp of a PDF, the certificates of its signer and
/// timestamp chains and one revocation answer (OCSP preferred, else a CRL) for every certificate that
/// is not self-signed and not an OCSP responder with id-pkix-ocsp-nocheck, plus the responders'
/// certificates. A certificate no source answers for is an error naming it: a B-LT file that could
/// not be validated offline would be a false promise.
/// </summary>
public static class ValidationDataCollector
{
    /// <param name="lastOnly">Only the file's last signature or document timestamp: the one added since the DSS was last brought up to date.</param>
    public static IReadOnlyList<SignatureValidationData> Collect(byte[] pdf, IRevocationSource source, DateTimeOffset now, bool lastOnly = false)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(source);
        var file = PdfFile.Parse(pdf);
        var result = new List<SignatureValidationData>();
        var signatures = SignatureContents(file);
        foreach (var (contents, subFilter) in lastOnly ? signatures.TakeLast(1) : signatures)
        {
            var pool = CertificatesOf(Cms.SignatureContents.Token(contents), subFilter);
            var certs = new List<X509Certificate2>(pool);
            var ocsps = new List<byte[]>();
            var crls = new List<byte[]>();
            for (var i = 0; i < certs.Count; i++)
            {
                var cert = certs[i];
                if (cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData)) continue; // an anchor: nothing to ask
                if (CertificateLocations.HasOcspNoCheck(cert)) continue;
                var issuer = IssuerOf(cert, certs) ?? throw new SigningException($"The issuer of '{cert.Subject}' is not among the signature's certificates; cannot gather its revocation data.");
                var lookup = source.Find(cert, issuer, now);
                var answer = lookup.Answers.FirstOrDefault(a => a.Status != CertificateStatus.Unknown)
                    ?? throw new SigningException($"No revocation data for '{cert.GetNameInfo(X509NameType.SimpleName, false)}': {string.Join("; ", lookup.Problems)}");
                if (answer.Status == CertificateStatus.Revoked) throw new SigningException($"'{cert.GetNameInfo(X509NameType.SimpleName, false)}' is {answer.Describe()}: no long-term data is added for a revoked certificate.");
                (answer.Source == RevocationSourceKind.Ocsp ? ocsps : crls).Add(answer.Encoded);
                foreach (var responder in answer.ResponderCertificates)
                {
                    if (!certs.Any(c => c.RawDataMemory.Span.SequenceEqual(responder.RawDataMemory.Span))) certs.Add(responder);
                }
            }

            result.Add(new SignatureValidationData(contents, certs.Select(c => c.RawData).ToList(), ocsps, crls));
        }

        return result;
    }

    /// <summary>Every signature field's /Contents (the string as stored, padding included) and /SubFilter, in the file's current AcroForm.</summary>
    internal static List<(byte[] Contents, string? SubFilter)> SignatureContents(PdfFile file)
    {
        var list = new List<(byte[], string?)>();
        var form = file.ResolveDictionary(file.ResolveDictionary(file.Trailer["Root"])?["AcroForm"]);
        var pending = new Stack<(PdfObject Node, int Depth)>();
        foreach (var f in (file.Resolve(form?["Fields"]) as PdfArray)?.Items ?? []) pending.Push((f, 0));
        var seen = 0;
        while (pending.Count > 0 && seen++ < 10_000)
        {
            var (node, depth) = pending.Pop();
            var field = file.ResolveDictionary(node);
            if (field is null) continue;
            if (file.ResolveDictionary(field["V"]) is { } sig && sig["Contents"] is PdfString contents) list.Add((contents.Bytes, sig.GetName("SubFilter")));
            if (depth < 16 && file.Resolve(field["Kids"]) is PdfArray kids) foreach (var k in kids.Items) pending.Push((k, depth + 1));
        }

        list.Reverse();
        return list;
    }


    private static List<X509Certificate2> CertificatesOf(byte[] der, string? subFilter)
    {
        var certs = new List<X509Certificate2>();
        void Add(IEnumerable<X509Certificate2> more)
        {
            foreach (var c in more)
            {
                if (!certs.Any(k => k.RawDataMemory.Span.SequenceEqual(c.RawDataMemory.Span))) certs.Add(c);
            }
        }

        try
        {
            if (subFilter == "ETSI.RFC3161")
            {
                Add(TimestampToken.Read(der).Certificates);
                return certs;
            }

            var cms = CmsSignature.Read(der);
            if (cms.FindSignerCertificate() is { } signer) Add([signer]);
            Add(cms.Certificates);
            foreach (var token in cms.Unsigned(Oids.SignatureTimeStampToken)?.Values ?? []) Add(TimestampToken.Read(token).Certificates);
        }
        catch (Exception e) when (e is CryptographicException or Core.Timestamps.TimestampException)
        {
            throw new SigningException("A signature of the PDF cannot be read; long-term data is added only to readable signatures.", e);
        }

        return certs;
    }

    private static X509Certificate2? IssuerOf(X509Certificate2 cert, IEnumerable<X509Certificate2> pool)
    {
        foreach (var candidate in pool)
        {
            // The signature link is what matters: the candidate's key verifies the certificate.
            if (!ReferenceEquals(candidate, cert) && candidate.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData) && SignerKeys.Issued(candidate, cert)) return candidate;
        }

        return null;
    }
}
