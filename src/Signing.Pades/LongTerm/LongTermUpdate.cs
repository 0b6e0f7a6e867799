using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Signing.Core;
using Signing.Core.Timestamps;
using Signing.Pades.Appearance;
using Signing.PdfSyntax;
using Signing.Revocation;
using Signing.Timestamping;

namespace Signing.Pades.LongTerm;

/// <summary>The PAdES baseline levels (ETSI EN 319 142-1 §6): what `signing sign --level` and the service's templates name.</summary>
public enum PadesLevel
{
    BB,
    BT,
    BLT,
    BLTA,
}

/// <summary>
/// The long-term updates appended after the last signature, each its own incremental revision,
/// which the verifier's change policy allows (DSS and document-timestamp rules):
/// B-LT: a /DSS with the certificates, OCSP responses and CRLs of every signature and timestamp
/// chain, and a /VRI entry per signature; B-LTA: then an ETSI.RFC3161 document timestamp over
/// everything, and a second /DSS update with the document timestamp's own validation data.
/// </summary>
public static class LongTermUpdate
{
    private const string ByteRangePlaceholder = "[0 9999999999 9999999999 9999999999]";

    public static string Name(PadesLevel level) => level switch
    {
        PadesLevel.BB => "B-B",
        PadesLevel.BT => "B-T",
        PadesLevel.BLT => "B-LT",
        _ => "B-LTA",
    };

    public static PadesLevel Parse(string text) => text?.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal) switch
    {
        "BB" => PadesLevel.BB,
        "BT" => PadesLevel.BT,
        "BLT" => PadesLevel.BLT,
        "BLTA" => PadesLevel.BLTA,
        _ => throw new SigningException($"The PAdES level '{text}' is not one of B-B, B-T, B-LT, B-LTA."),
    };

    /// <summary>Brings a signed PDF from B-T to <paramref name="level"/> (nothing for B-B/B-T).</summary>
    public static async Task<byte[]> ExtendAsync(byte[] pdf, PadesLevel level, IRevocationSource revocation, ITimestampClient? tsa, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(revocation);
        if (level < PadesLevel.BLT) return pdf;
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var withDss = AddDss(pdf, ValidationDataCollector.Collect(pdf, revocation, now), now);
        if (level < PadesLevel.BLTA) return withDss;
        if (tsa is null) throw new SigningException("B-LTA needs a TSA for the document timestamp.");
        var stamped = await AddDocumentTimestampAsync(withDss, tsa, cancellationToken: cancellationToken).ConfigureAwait(false);
        return AddDss(stamped, ValidationDataCollector.Collect(stamped, revocation, now, lastOnly: true), now);
    }

    /// <summary>
    /// Appends a revision whose /DSS keeps every entry of the existing one and adds what
    /// <paramref name="data"/> holds that is not there yet, with a /VRI entry per signature.
    /// </summary>
    public static byte[] AddDss(byte[] pdf, IReadOnlyList<SignatureValidationData> data, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(data);
        var file = PdfFile.Parse(pdf);
        var w = new IncrementalUpdateWriter(file);
        var rootRef = file.Trailer["Root"] as PdfReference ?? throw new PdfFormatException("The PDF has no indirect catalog.");
        var catalog = file.ResolveDictionary(rootRef)?.CloneShallow() ?? throw new PdfFormatException("The PDF is damaged: the catalog is missing.");
        var oldDss = file.ResolveDictionary(catalog["DSS"]);

        // What the old DSS holds, by content hash, so nothing is stored twice.
        var known = new Dictionary<string, Dictionary<string, PdfReference>>(StringComparer.Ordinal);
        var arrays = new Dictionary<string, PdfArray>(StringComparer.Ordinal);
        foreach (var key in new[] { "Certs", "OCSPs", "CRLs" })
        {
            known[key] = new Dictionary<string, PdfReference>(StringComparer.Ordinal);
            arrays[key] = new PdfArray();
            if (file.Resolve(oldDss?[key]) is not PdfArray old) continue;
            foreach (var item in old.Items)
            {
                arrays[key].Items.Add(item);
                if (item is PdfReference r && file.Resolve(r) is PdfStream s) known[key].TryAdd(Hash(file.DecodeStream(s)), r);
            }
        }

        PdfReference Store(string key, byte[] der)
        {
            var hash = Hash(der);
            if (known[key].TryGetValue(hash, out var existing)) return existing;
            var r = w.Allocate();
            w.SetStream(r, new PdfDictionary(), der, compress: false); // DER barely shrinks, and a deflater per object cost more than the rest of the update
            known[key][hash] = r;
            arrays[key].Items.Add(r);
            return r;
        }

        var vri = file.ResolveDictionary(oldDss?["VRI"])?.CloneShallow() ?? new PdfDictionary();
        var tu = new PdfString(Encoding.ASCII.GetBytes(PadesSigner.PdfDate(now.ToOffset(PadesSigner.VietnamOffset))));
        foreach (var signature in data)
        {
            var entry = new PdfDictionary { ["Type"] = new PdfName("VRI") };
            if (signature.Certificates.Count > 0) entry["Cert"] = new PdfArray(signature.Certificates.Select(c => (PdfObject)Store("Certs", c)).ToList());
            if (signature.OcspResponses.Count > 0) entry["OCSP"] = new PdfArray(signature.OcspResponses.Select(o => (PdfObject)Store("OCSPs", o)).ToList());
            if (signature.Crls.Count > 0) entry["CRL"] = new PdfArray(signature.Crls.Select(c => (PdfObject)Store("CRLs", c)).ToList());
            entry["TU"] = tu;
            vri[signature.VriKey] = entry;
        }

        var dss = new PdfDictionary { ["Type"] = new PdfName("DSS") };
        foreach (var (key, array) in arrays)
        {
            if (array.Items.Count > 0) dss[key] = array;
        }

        dss["VRI"] = vri;
        var dssRef = w.Allocate();
        w.SetObject(dssRef, dss);
        catalog["DSS"] = dssRef;
        w.SetObject(rootRef, catalog);
        return w.Write().Bytes;
    }

    /// <summary>
    /// Appends a document timestamp (ISO 32000-2 12.8.5: /Type /DocTimeStamp, /SubFilter
    /// /ETSI.RFC3161) in a new invisible, locked field on page 1; the token covers the whole file
    /// but its own /Contents. <paramref name="reserveBytes"/>: room for the token (its TSA's chain included).
    /// </summary>
    public static async Task<byte[]> AddDocumentTimestampAsync(byte[] pdf, ITimestampClient tsa, int reserveBytes = PlaceholderSizing.DefaultTimestampReserveBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(tsa);
        var file = PdfFile.Parse(pdf);
        var w = new IncrementalUpdateWriter(file);
        var rootRef = (PdfReference)file.Trailer["Root"]!;
        var catalog = file.ResolveDictionary(rootRef) ?? throw new PdfFormatException("The PDF is damaged: the catalog is missing.");
        var formRef = catalog["AcroForm"] as PdfReference ?? throw new SigningException("A document timestamp is added to a signed PDF; this one has no indirect AcroForm.");
        var form = file.ResolveDictionary(formRef)!.CloneShallow();
        var fields = file.Resolve(form["Fields"]) is PdfArray f ? new PdfArray(f.Items) : new PdfArray();
        var names = new HashSet<string>(fields.Items.Select(i => (file.ResolveDictionary(i)?["T"] as PdfString)?.ToText() ?? ""), StringComparer.Ordinal);
        var fieldName = Enumerable.Range(1, 10_000).Select(i => "DocTimeStamp" + i.ToString(CultureInfo.InvariantCulture)).First(n => !names.Contains(n));

        var sigRef = w.Allocate();
        var body = "<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange " + ByteRangePlaceholder + "/Contents <" + new string('0', reserveBytes * 2) + ">>>";
        w.SetRawObject(sigRef, Encoding.ASCII.GetBytes(body));
        var pageRef = file.GetPageReferences().FirstOrDefault() ?? throw new PdfFormatException("The PDF has no pages.");
        var page = file.ResolveDictionary(pageRef)!.CloneShallow();
        var widgetRef = w.Allocate();
        var appearance = AppearanceBuilder.Build(w, 0, 0, null, DateTimeOffset.UtcNow);
        SignatureField.Add(w, file, widgetRef, pageRef, page, fields, fieldName, sigRef, (0, 0, 0, 0), appearance);
        form["Fields"] = fields;
        w.SetObject(formRef, form);

        var output = w.Write();
        var bytes = output.Bytes;
        var start = output.BodyOffsets[sigRef.ObjectNumber];
        var contentsStart = start + body.IndexOf("/Contents <", StringComparison.Ordinal) + "/Contents ".Length;
        var contentsEnd = contentsStart + (reserveBytes * 2) + 2;
        long[] range = [0, contentsStart, contentsEnd, bytes.LongLength - contentsEnd];
        var rangeText = string.Create(CultureInfo.InvariantCulture, $"[0 {range[1]} {range[2]} {range[3]}]").PadRight(ByteRangePlaceholder.Length);
        Encoding.ASCII.GetBytes(rangeText).CopyTo(bytes, start + body.IndexOf("/ByteRange ", StringComparison.Ordinal) + "/ByteRange ".Length);

        var imprint = PadesSigner.HashByteRange(bytes, range);
        var token = await tsa.GetTokenAsync(imprint, HashAlgorithmName.SHA256, cancellationToken).ConfigureAwait(false);
        if (!TimestampToken.Read(token).Info.MessageImprint.AsSpan().SequenceEqual(imprint)) throw new TimestampException("The document timestamp token does not cover this document (message imprint mismatch).");
        if (token.Length > reserveBytes) throw new SigningException($"The document timestamp ({token.Length} bytes) does not fit the reserved {reserveBytes} bytes.");
        Encoding.ASCII.GetBytes(Convert.ToHexString(token)).CopyTo(bytes, contentsStart + 1);
        return bytes;
    }

    private static string Hash(byte[] data) => Convert.ToHexString(SHA256.HashData(data));
}
