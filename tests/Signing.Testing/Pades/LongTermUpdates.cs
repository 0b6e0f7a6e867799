using System.Security.Cryptography;
using System.Text;
using Signing.Core.Timestamps;
using Signing.Pades;
using Signing.PdfSyntax;

namespace Signing.Testing.Pades;

/// <summary>
/// The long-term updates a validator or archive adds after the last signature, crafted here the
/// way pyHanko and Acrobat write them: a /DSS with /VRI (B-LT), a document timestamp in a new
/// invisible signature field (B-LTA), and the XMP metadata / Info rewritten by such an update.
/// </summary>
public static class LongTermUpdates
{
    /// <summary>
    /// Appends a revision that adds a /DSS holding <paramref name="certificates"/> and a /VRI entry
    /// for every signature of <paramref name="pdf"/>; <paramref name="alsoEdit"/> may add more to the same revision.
    /// </summary>
    public static byte[] AppendDss(byte[] pdf, IEnumerable<byte[]> certificates, bool rewriteMetadata = false, Action<PdfFile, IncrementalUpdateWriter, PdfDictionary>? alsoEdit = null) =>
        SignedResults.Append(pdf, (file, w) =>
        {
            var certs = new PdfArray();
            foreach (var der in certificates)
            {
                var stream = w.Allocate();
                w.SetStream(stream, new PdfDictionary(), der);
                certs.Items.Add(stream);
            }

            var vri = new PdfDictionary();
            foreach (var contents in SignatureContents(file))
            {
                // PAdES VRI key: uppercase hex SHA-1 of the signature's /Contents bytes.
                vri[Convert.ToHexString(SHA1.HashData(contents))] = new PdfDictionary { ["Type"] = new PdfName("VRI"), ["Cert"] = new PdfArray(certs.Items) };
            }

            var dss = w.Allocate();
            w.SetObject(dss, new PdfDictionary { ["Type"] = new PdfName("DSS"), ["Certs"] = certs, ["VRI"] = vri });
            var rootRef = (PdfReference)file.Trailer["Root"]!;
            var catalog = file.ResolveDictionary(rootRef)!.CloneShallow();
            catalog["DSS"] = dss;
            if (rewriteMetadata) RewriteMetadata(file, w, catalog);
            alsoEdit?.Invoke(file, w, catalog);
            w.SetObject(rootRef, catalog);
        });

    /// <summary>
    /// Appends a document timestamp (/Type /DocTimeStamp, /SubFilter /ETSI.RFC3161) in a new
    /// invisible field on page 1, its token from <paramref name="tsa"/> over the ByteRange.
    /// <paramref name="alsoEdit"/> may add more to the same revision (the catalog is written only when it changes it).
    /// </summary>
    public static async Task<byte[]> AppendDocumentTimestampAsync(byte[] pdf, ITimestampClient tsa, string fieldName = "DocTimeStamp", bool rewriteMetadata = false, double[]? rect = null, Action<PdfFile, IncrementalUpdateWriter>? alsoEdit = null)
    {
        var file = PdfFile.Parse(pdf);
        var w = new IncrementalUpdateWriter(file);
        var sigRef = w.Allocate();
        const int capacity = 12_000;
        var body = "<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange " + SignedResults.ByteRangePlaceholderText + "/Contents <" + new string('0', capacity * 2) + ">>>";
        w.SetRawObject(sigRef, Encoding.ASCII.GetBytes(body));

        var pageRef = SignedResults.FirstPage(file);
        var widget = w.Allocate();
        w.SetObject(widget, new PdfDictionary
        {
            ["Type"] = new PdfName("Annot"),
            ["Subtype"] = new PdfName("Widget"),
            ["FT"] = new PdfName("Sig"),
            ["T"] = PdfString.FromText(fieldName),
            ["V"] = sigRef,
            ["F"] = new PdfNumber(132),
            ["P"] = pageRef,
            ["Rect"] = PdfArray.OfNumbers(rect ?? [0, 0, 0, 0]),
        });
        var page = file.ResolveDictionary(pageRef)!.CloneShallow();
        var annots = file.Resolve(page["Annots"]) is PdfArray a ? new PdfArray(a.Items) : new PdfArray();
        annots.Items.Add(widget);
        page["Annots"] = annots;
        w.SetObject(pageRef, page);
        var formRef = (PdfReference)file.ResolveDictionary(file.Trailer["Root"])!["AcroForm"]!;
        var form = file.ResolveDictionary(formRef)!.CloneShallow();
        form["Fields"] = new PdfArray([.. ((PdfArray)file.Resolve(form["Fields"])!).Items, widget]);
        w.SetObject(formRef, form);
        if (rewriteMetadata)
        {
            var rootRef = (PdfReference)file.Trailer["Root"]!;
            var catalog = file.ResolveDictionary(rootRef)!.CloneShallow();
            if (RewriteMetadata(file, w, catalog)) w.SetObject(rootRef, catalog);
        }

        alsoEdit?.Invoke(file, w);

        var (bytes, range) = SignedResults.PlaceByteRange(w.Write(), sigRef, body);
        var token = await tsa.GetTokenAsync(PadesSigner.HashByteRange(bytes, range), HashAlgorithmName.SHA256);
        Encoding.ASCII.GetBytes(Convert.ToHexString(token)).CopyTo(bytes, range[1] + 1);
        return bytes;
    }

    /// <summary>
    /// What an LTV tool rewrites with its update: the catalog's XMP stream (redefined in place, or a
    /// new one) and the Info dictionary's /ModDate and /Producer. True when the catalog changed.
    /// </summary>
    public static bool RewriteMetadata(PdfFile file, IncrementalUpdateWriter w, PdfDictionary catalog)
    {
        var xmp = Encoding.UTF8.GetBytes("<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"><xmp:ModifyDate>2026-12-01T19:00:00+07:00</xmp:ModifyDate></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>");
        var dict = new PdfDictionary { ["Type"] = new PdfName("Metadata"), ["Subtype"] = new PdfName("XML") };
        var catalogChanged = false;
        if (catalog["Metadata"] is PdfReference existing)
        {
            w.SetStream(existing, dict, xmp, compress: false);
        }
        else
        {
            var metadata = w.Allocate();
            w.SetStream(metadata, dict, xmp, compress: false);
            catalog["Metadata"] = metadata;
            catalogChanged = true;
        }

        if (file.Trailer["Info"] is PdfReference infoRef && file.ResolveDictionary(infoRef) is { } info)
        {
            var newInfo = info.CloneShallow();
            newInfo["ModDate"] = new PdfString(Encoding.ASCII.GetBytes("D:20261201190000+07'00'"));
            newInfo["Producer"] = PdfString.FromText("LTV updater");
            w.SetObject(infoRef, newInfo);
        }

        return catalogChanged;
    }

    private static IEnumerable<byte[]> SignatureContents(PdfFile file)
    {
        var catalog = file.ResolveDictionary(file.Trailer["Root"])!;
        var fields = (PdfArray)file.Resolve(file.ResolveDictionary(catalog["AcroForm"])!["Fields"])!;
        foreach (var f in fields.Items)
        {
            if (file.ResolveDictionary(file.ResolveDictionary(f)?["V"])?["Contents"] is PdfString contents) yield return contents.Bytes;
        }
    }
}
