using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Core.Documents;
using Signing.PdfSyntax;
using Signing.Revocation;
using Signing.Timestamping;
using Signing.Validation.Policy;

namespace Signing.Issuance;

/// <summary>
/// What an issued PDF's long-term proof rests on, read from our own file: the last document
/// timestamp (its time, its TSA certificate's expiry, its digest and key), the revocation data
/// its /DSS already carries, and when that proof runs out under the validation policy.
/// </summary>
public static class ArchiveProof
{
    /// <summary>The facts of the last ETSI.RFC3161 document timestamp, or "none" when the file has none.</summary>
    public static ArchiveFacts Read(byte[] pdf)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        var file = PdfFile.Parse(pdf);
        var last = SignatureDictionaries(file).LastOrDefault(s => s.GetName("SubFilter") == "ETSI.RFC3161");
        if (last?["Contents"] is not PdfString contents) return new ArchiveFacts(null, null, ArchiveFacts.NoTimestamp);
        var token = TimestampToken.Read(Signing.Cms.SignatureContents.Token(contents.Bytes));
        var tsa = token.FindSignerCertificate() ?? throw new SigningException("The last document timestamp does not carry its TSA certificate.");
        var digest = token.Info.HashAlgorithm?.Name ?? throw new SigningException("The last document timestamp uses a digest algorithm we do not know.");
        return new ArchiveFacts(token.Info.GenTime, new DateTimeOffset(tsa.NotAfter.ToUniversalTime(), TimeSpan.Zero), Algorithms(digest, tsa));
    }

    /// <summary>"SHA256 RSA-2048": the digest, then the key type and size of <paramref name="signer"/>.</summary>
    public static string Algorithms(string digest, X509Certificate2 signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var key = signer.GetRSAPublicKey() is { } rsa ? $"RSA-{rsa.KeySize.ToString(CultureInfo.InvariantCulture)}"
            : signer.GetECDsaPublicKey() is { } ec ? $"EC-{ec.KeySize.ToString(CultureInfo.InvariantCulture)}"
            : "unknown-0";
        return Normalize(digest) + " " + key;
    }

    /// <summary>
    /// When material signed with <paramref name="algorithms"/> stops being acceptable under
    /// <paramref name="crypto"/>: the earlier of the digest's and the key's end dates; null when
    /// neither ends; <see cref="DateTimeOffset.MinValue"/> when the policy does not accept them at all.
    /// </summary>
    public static DateTimeOffset? SunsetOf(string algorithms, CryptoConstraints crypto)
    {
        ArgumentNullException.ThrowIfNull(algorithms);
        ArgumentNullException.ThrowIfNull(crypto);
        var parts = algorithms.Split(' ');
        if (parts.Length != 2) return null;
        var keyParts = parts[1].Split('-');
        if (keyParts.Length != 2 || !int.TryParse(keyParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var bits)) return DateTimeOffset.MinValue;

        var digestRule = crypto.Digests.FirstOrDefault(r => Normalize(r.Algorithm) == parts[0]);
        if (digestRule is null) return DateTimeOffset.MinValue;
        var fitting = crypto.PublicKeys.Where(r => string.Equals(r.Algorithm, keyParts[0], StringComparison.OrdinalIgnoreCase) && bits >= r.MinBits).ToList();
        if (fitting.Count == 0) return DateTimeOffset.MinValue;
        DateTimeOffset? keyEnd = fitting.Any(r => r.Until is null) ? null : fitting.Max(r => r.Until!.Value);
        return (digestRule.Until, keyEnd) switch
        {
            (null, null) => null,
            ({ } d, null) => d,
            (null, { } k) => k,
            ({ } d, { } k) => d < k ? d : k,
        };
    }

    /// <summary>When the proof of <paramref name="facts"/> runs out: the TSA certificate's expiry or the algorithms' sunset, whichever is first.</summary>
    public static DateTimeOffset? ProtectedUntil(ArchiveFacts facts, CryptoConstraints crypto)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.TsaNotAfter is not { } tsa) return null;
        return SunsetOf(facts.Algorithms, crypto) is { } sunset && sunset < tsa ? sunset : tsa;
    }

    /// <summary>The OCSP responses and CRLs the file's /DSS carries: the fallback when a responder no longer answers for an old certificate.</summary>
    public static EmbeddedRevocationData EmbeddedRevocation(byte[] pdf)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        var file = PdfFile.Parse(pdf);
        var dss = file.ResolveDictionary(file.ResolveDictionary(file.Trailer["Root"])?["DSS"]);
        if (dss is null) return EmbeddedRevocationData.Empty;
        List<byte[]> Streams(string key) => (file.Resolve(dss[key]) as PdfArray)?.Items.Select(file.Resolve).OfType<PdfStream>().Select(file.DecodeStream).ToList() ?? [];
        return new EmbeddedRevocationData(Streams("OCSPs"), Streams("CRLs"));
    }

    /// <summary>The signature dictionaries of the current AcroForm's fields, in field order (ours are flat: one level of fields).</summary>
    private static List<PdfDictionary> SignatureDictionaries(PdfFile file)
    {
        var form = file.ResolveDictionary(file.ResolveDictionary(file.Trailer["Root"])?["AcroForm"]);
        var list = new List<PdfDictionary>();
        foreach (var item in (file.Resolve(form?["Fields"]) as PdfArray)?.Items ?? [])
        {
            if (file.ResolveDictionary(file.ResolveDictionary(item)?["V"]) is { } sig) list.Add(sig);
        }

        return list;
    }

    // "SHA-256", "sha256" and "SHA256" name one algorithm, as in the policy.
    private static string Normalize(string name) => name.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();
}
