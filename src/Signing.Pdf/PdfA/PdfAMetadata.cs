using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Advanced;
using Signing.Core.IO;

namespace Signing.Pdf.PdfA;

/// <summary>Document-level facts written both to the Info dictionary and to XMP, so they match.</summary>
internal sealed record DocumentFacts(string Title, string Author, string Subject, string Keywords, string Creator, DateTimeOffset Created, byte[] DocumentId);

/// <summary>
/// Makes a PDFsharp document a PDF/A-3b file: XMP with pdfaid part 3 / conformance B, an sRGB
/// OutputIntent, the decision JSON as an associated file (/AF, /AFRelationship /Data), a fixed
/// document ID. PDFsharp's own SetPdfA() claims PDF/A-1a and forces tagging, so it is not used.
/// </summary>
internal static class PdfAMetadata
{
    public const string CreatorTool = "Signing result renderer";
    public const string EmbeddedFileName = "decision.json";

    internal static readonly Lazy<byte[]> SrgbProfile = new(() => EmbeddedResource.Read(typeof(PdfAMetadata).Assembly, "Signing.Pdf.Icc.sRGB.icc"));

    public static void Apply(PdfDocument doc, DocumentFacts facts, byte[] decisionJson)
    {
        doc.Version = 17;
        var info = doc.Info;
        info.Title = facts.Title;
        info.Author = facts.Author;
        info.Subject = facts.Subject;
        info.Keywords = facts.Keywords;
        info.Creator = facts.Creator;
        var date = new PdfString(PdfDate(facts.Created));
        info.Elements["/CreationDate"] = date;
        info.Elements["/ModDate"] = date;

        var idRaw = Encoding.Latin1.GetString(facts.DocumentId);
        doc.Internals.FirstDocumentID = idRaw;
        doc.Internals.SecondDocumentID = idRaw;

        var catalog = doc.Internals.Catalog;
        var icc = FlateStream(doc, SrgbProfile.Value);
        icc.Elements["/N"] = new PdfInteger(3);
        var intent = new PdfDictionary(doc);
        intent.Elements["/Type"] = new PdfName("/OutputIntent");
        intent.Elements["/S"] = new PdfName("/GTS_PDFA1");
        intent.Elements["/OutputConditionIdentifier"] = new PdfString("sRGB IEC61966-2.1");
        intent.Elements["/Info"] = new PdfString("sRGB IEC61966-2.1");
        intent.Elements["/RegistryName"] = new PdfString("http://www.color.org");
        intent.Elements["/DestOutputProfile"] = icc.Reference;
        doc.Internals.AddObject(intent);
        catalog.Elements["/OutputIntents"] = new PdfArray(doc, intent.Reference!);

        // The decision data travels inside the result: PDF/A-3 associated file, relationship Data.
        var file = FlateStream(doc, decisionJson);
        file.Elements["/Type"] = new PdfName("/EmbeddedFile");
        file.Elements["/Subtype"] = new PdfName("/application/json");
        var pars = new PdfDictionary(doc);
        pars.Elements["/Size"] = new PdfInteger(decisionJson.Length);
        pars.Elements["/ModDate"] = date;
        file.Elements["/Params"] = pars;

        var ef = new PdfDictionary(doc);
        ef.Elements["/F"] = file.Reference;
        ef.Elements["/UF"] = file.Reference;
        var spec = new PdfDictionary(doc);
        spec.Elements["/Type"] = new PdfName("/Filespec");
        spec.Elements["/F"] = new PdfString(EmbeddedFileName);
        spec.Elements["/UF"] = new PdfString(EmbeddedFileName);
        spec.Elements["/Desc"] = new PdfString("Decision data (JSON) rendered in this result");
        spec.Elements["/AFRelationship"] = new PdfName("/Data");
        spec.Elements["/EF"] = ef;
        doc.Internals.AddObject(spec);
        catalog.Elements["/AF"] = new PdfArray(doc, spec.Reference!);

        var nameTree = new PdfDictionary(doc);
        nameTree.Elements["/Names"] = new PdfArray(doc, new PdfString(EmbeddedFileName), spec.Reference!);
        var names = new PdfDictionary(doc);
        names.Elements["/EmbeddedFiles"] = nameTree;
        catalog.Elements["/Names"] = names;

    }

    /// <summary>
    /// After PDFsharp has saved: puts our XMP (pdfaid 3/B, matching the Info dictionary, including the
    /// Producer PDFsharp wrote) into the metadata stream PDFsharp created, and fixes the subset tags.
    /// </summary>
    public static byte[] Finish(byte[] pdf, DocumentFacts facts)
    {
        var file = PdfFileRewriter.Parse(pdf);
        var root = PdfFileRewriter.Reference(file.Trailer, "/Root");
        var infoNumber = PdfFileRewriter.Reference(file.Trailer, "/Info");
        var catalog = file.Objects.Single(o => o.Number == root).Head;
        var info = file.Objects.Single(o => o.Number == infoNumber).Head;
        var metadata = PdfFileRewriter.Reference(catalog, "/Metadata");
        var producer = PdfFileRewriter.LiteralString(info, "/Producer") ?? throw new InvalidOperationException("PDFsharp wrote no /Producer");
        var xmp = Xmp(facts, producer, "uuid:" + new Guid(facts.DocumentId.AsSpan(0, 16)).ToString());
        var index = file.Objects.FindIndex(o => o.Number == metadata);
        file.Objects[index] = new PdfFileRewriter.PdfObject(metadata, PdfFileRewriter.StreamObject(metadata, "/Type/Metadata/Subtype/XML", xmp));
        PdfFileRewriter.DeterministicSubsetTags(file, facts.DocumentId);
        // PDFsharp gives every page a transparency group on save although nothing is transparent; a result has none.
        PdfFileRewriter.RemoveFromDictionaries(file, "/Type/Page/", "/Group<</CS/DeviceRGB/S/Transparency>>");
        return PdfFileRewriter.Write(file);
    }

    /// <summary>
    /// Compresses the pages' content streams with .NET's zlib (PDFsharp's own Flate output lacks the
    /// Adler-32 trailer, which qpdf --check reports); PDFsharp is told not to compress them again.
    /// </summary>
    public static void CompressContentStreams(PdfDocument doc)
    {
        doc.Options.CompressContentStreams = false;
        foreach (var page in doc.Pages)
        {
            foreach (var item in page.Contents.Elements)
            {
                var content = (item as PdfReference)?.Value as PdfDictionary ?? item as PdfDictionary;
                if (content?.Stream is null || content.Elements.ContainsKey("/Filter")) continue;
                content.Stream.Value = Deflate(content.Stream.Value);
                content.Elements["/Filter"] = new PdfName("/FlateDecode");
            }
        }
    }

    internal static byte[] Deflate(byte[] data, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, level, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    /// <summary>A stream compressed here with a complete zlib wrapper (PDFsharp's encoder omits the Adler-32 trailer).</summary>
    public static PdfDictionary FlateStream(PdfDocument doc, byte[] data)
    {
        var dict = new PdfDictionary(doc);
        dict.CreateStream(Deflate(data));
        dict.Elements["/Filter"] = new PdfName("/FlateDecode");
        doc.Internals.AddObject(dict);
        return dict;
    }

    /// <summary>PDF date string in the given offset, e.g. D:20240305090000+07'00'.</summary>
    public static string PdfDate(DateTimeOffset t)
    {
        var off = t.Offset;
        var sign = off < TimeSpan.Zero ? '-' : '+';
        off = off.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"D:{t:yyyyMMddHHmmss}{sign}{off.Hours:00}'{off.Minutes:00}'");
    }

    /// <summary>The XMP packet, built with an XML writer so every value is escaped.</summary>
    public static byte[] Xmp(DocumentFacts f, string producer, string documentId)
    {
        XNamespace x = "adobe:ns:meta/";
        XNamespace rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
        XNamespace pdfaid = "http://www.aiim.org/pdfa/ns/id/";
        XNamespace dc = "http://purl.org/dc/elements/1.1/";
        XNamespace xmp = "http://ns.adobe.com/xap/1.0/";
        XNamespace pdf = "http://ns.adobe.com/pdf/1.3/";
        XNamespace xmpMM = "http://ns.adobe.com/xap/1.0/mm/";
        XNamespace xml = XNamespace.Xml;
        var date = f.Created.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

        static XElement Alt(XName name, XNamespace rdf, XNamespace xml, string value) =>
            new(name, new XElement(rdf + "Alt", new XElement(rdf + "li", new XAttribute(xml + "lang", "x-default"), value)));

        var description = new XElement(rdf + "Description",
            new XAttribute(rdf + "about", ""),
            new XAttribute(XNamespace.Xmlns + "pdfaid", pdfaid),
            new XAttribute(XNamespace.Xmlns + "dc", dc),
            new XAttribute(XNamespace.Xmlns + "xmp", xmp),
            new XAttribute(XNamespace.Xmlns + "pdf", pdf),
            new XAttribute(XNamespace.Xmlns + "xmpMM", xmpMM),
            new XElement(pdfaid + "part", "3"),
            new XElement(pdfaid + "conformance", "B"),
            new XElement(dc + "format", "application/pdf"),
            Alt(dc + "title", rdf, xml, f.Title),
            new XElement(dc + "creator", new XElement(rdf + "Seq", new XElement(rdf + "li", f.Author))),
            Alt(dc + "description", rdf, xml, f.Subject),
            new XElement(pdf + "Keywords", f.Keywords),
            new XElement(pdf + "Producer", producer),
            new XElement(xmp + "CreatorTool", f.Creator),
            new XElement(xmp + "CreateDate", date),
            new XElement(xmp + "ModifyDate", date),
            new XElement(xmp + "MetadataDate", date),
            new XElement(xmpMM + "DocumentID", documentId));
        var root = new XElement(x + "xmpmeta", new XAttribute(XNamespace.Xmlns + "x", x),
            new XElement(rdf + "RDF", new XAttribute(XNamespace.Xmlns + "rdf", rdf), description));

        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, Encoding = new UTF8Encoding(false) };
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, settings))
        {
            w.WriteProcessingInstruction("xpacket", "begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"");
            root.WriteTo(w);
            w.WriteProcessingInstruction("xpacket", "end=\"w\"");
        }

        return ms.ToArray();
    }
}
