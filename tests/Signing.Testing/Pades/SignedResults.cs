using Xunit;
using Signing.Pades;
using Signing.Core.Timestamps;
using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Signing.Pades.Appearance;
using Signing.Cms;
using Signing.PdfSyntax;

namespace Signing.Testing.Pades;

/// <summary>
/// Our own issued results, made the way the service makes them (the head signs into a new field,
/// then the seal into another in a later incremental update), and tools to append crafted
/// revisions to them.
/// </summary>
public static class SignedResults
{
    private static readonly Lazy<(byte[] Headed, byte[] Sealed)> HeadThenSealLazy = new(() => MakeHeadThenSeal(TestPdfs.Classic));

    /// <summary>The input signed by the head only (2 revisions).</summary>
    public static byte[] Headed => HeadThenSealLazy.Value.Headed;

    /// <summary>Head-signed, then sealed in a later incremental update (3 revisions): what we issue.</summary>
    public static byte[] HeadThenSeal => HeadThenSealLazy.Value.Sealed;

    private static readonly Lazy<byte[]> TimestampedLazy = new(() => MakeHeadThenSeal(TestPdfs.Classic, new OpenSslTimestampClient(TestPki.Shared)).Sealed);

    /// <summary>As <see cref="HeadThenSeal"/>, each signature with an RFC 3161 timestamp from the test TSA (B-T).</summary>
    public static byte[] HeadThenSealTimestamped => TimestampedLazy.Value;

    public static (byte[] Headed, byte[] Sealed) MakeHeadThenSeal(byte[] input, ITimestampClient? tsa = null)
    {
        var pki = TestPki.Shared;
        var headed = PadesSigner.SignAsync(input, pki.RequestFor(pki.Head) with { FieldName = "Head", Placement = new SignaturePlacement(340, 120, 180, 80) }, pki.Head.Key, tsa)
            .GetAwaiter().GetResult();
        var sealedPdf = PadesSigner.SignAsync(headed, SealRequest(pki), pki.Seal.Key, tsa).GetAwaiter().GetResult();
        return (headed, sealedPdf);
    }

    public static SignatureRequest SealRequest(TestPki pki) => pki.RequestFor(pki.Seal) with
    {
        FieldName = "AgencySeal",
        Reason = "Đóng dấu cơ quan",
        Placement = new SignaturePlacement(300, 100, 230, 110),
        Appearance = new SignatureAppearance { SealImagePng = TestImages.RedSeal(), AgencyName = "Ủy ban nhân dân tỉnh Lâm Đồng" },
    };

    /// <summary>The classic input signed once by <paramref name="signer"/> into a field "Sig", timestamped when <paramref name="tsa"/> is given.</summary>
    public static byte[] SignedBy(TestSigner signer, Signing.Core.Timestamps.ITimestampClient? tsa)
    {
        var pki = TestPki.Shared;
        return PadesSigner.SignAsync(TestPdfs.Classic, pki.RequestFor(signer) with { FieldName = "Sig" }, signer.Key, tsa).GetAwaiter().GetResult();
    }

    /// <summary>Appends one incremental update made by <paramref name="edit"/> with our <see cref="IncrementalUpdateWriter"/>.</summary>
    public static byte[] Append(byte[] pdf, Action<PdfFile, IncrementalUpdateWriter> edit)
    {
        var file = PdfFile.Parse(pdf);
        var writer = new IncrementalUpdateWriter(file);
        edit(file, writer);
        return writer.Write().Bytes;
    }

    public static PdfReference FirstPage(PdfFile file) => file.GetPageReferences()[0];

    /// <summary>
    /// Adds an empty (unsigned) signature field named <paramref name="name"/> on page 1, to the
    /// AcroForm (made when missing), optionally with a /Lock dictionary.
    /// </summary>
    public static PdfReference AddEmptySignatureField(PdfFile file, IncrementalUpdateWriter w, string name, PdfDictionary? fieldLock = null)
    {
        var pageRef = FirstPage(file);
        var page = file.ResolveDictionary(pageRef)!.CloneShallow();
        var widget = w.Allocate();
        var field = new PdfDictionary
        {
            ["Type"] = new PdfName("Annot"),
            ["Subtype"] = new PdfName("Widget"),
            ["FT"] = new PdfName("Sig"),
            ["T"] = PdfString.FromText(name),
            ["F"] = new PdfNumber(132),
            ["P"] = pageRef,
            ["Rect"] = PdfArray.OfNumbers(300, 100, 530, 210),
        };
        if (fieldLock is not null) field["Lock"] = fieldLock;
        w.SetObject(widget, field);
        page["Annots"] = new PdfArray([.. file.Resolve(page["Annots"]) is PdfArray a ? a.Items : [], widget]);
        w.SetObject(pageRef, page);
        var rootRef = (PdfReference)file.Trailer["Root"]!;
        var catalog = file.ResolveDictionary(rootRef)!.CloneShallow();
        if (catalog["AcroForm"] is PdfReference formRef)
        {
            var form = file.ResolveDictionary(formRef)!.CloneShallow();
            form["Fields"] = new PdfArray([.. ((PdfArray)file.Resolve(form["Fields"])!).Items, widget]);
            w.SetObject(formRef, form);
        }
        else
        {
            var form = w.Allocate();
            w.SetObject(form, new PdfDictionary { ["Fields"] = new PdfArray([widget]), ["SigFlags"] = new PdfNumber(3) });
            catalog["AcroForm"] = form;
            w.SetObject(rootRef, catalog);
        }

        return widget;
    }

    /// <summary>The field object of the signature field named <paramref name="name"/>.</summary>
    public static PdfReference FieldNamed(PdfFile file, string name)
    {
        var catalog = file.ResolveDictionary(file.Trailer["Root"])!;
        var fields = (PdfArray)file.Resolve(file.ResolveDictionary(catalog["AcroForm"])!["Fields"])!;
        return fields.Items.OfType<PdfReference>().Single(r => (file.ResolveDictionary(r)!["T"] as PdfString)?.ToText() == name);
    }

    /// <summary>Page content that writes <paramref name="text"/> in Helvetica, with its font resource.</summary>
    public static (PdfDictionary Resources, byte[] Content) TextContent(IncrementalUpdateWriter writer, string text, double x = 90, double y = 640, double size = 28)
    {
        var font = writer.Allocate();
        writer.SetObject(font, new PdfDictionary { ["Type"] = new PdfName("Font"), ["Subtype"] = new PdfName("Type1"), ["BaseFont"] = new PdfName("Helvetica") });
        var resources = new PdfDictionary { ["Font"] = new PdfDictionary { ["FX"] = font } };
        var content = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"q 1 1 1 rg 80 600 440 120 re f 1 0 0 rg BT /FX {size} Tf {x} {y} Td ({text}) Tj ET Q"));
        return (resources, content);
    }

    /// <summary>Replaces the trailer text of the last revision (after our writer wrote it), e.g. to swap /Root.</summary>
    public static byte[] ReplaceInLastTrailer(byte[] pdf, string from, string to)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var at = text.LastIndexOf("trailer", StringComparison.Ordinal);
        var tail = text[at..];
        Assert.Contains(from, tail, StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text[..at] + tail.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>Sets one entry of the last classic xref section to <paramref name="entry"/> (20 bytes, e.g. "0000000000 00000 n\r\n").</summary>
    public static byte[] RewriteLastXrefEntry(byte[] pdf, int objectNumber, string entry)
    {
        var file = PdfFile.Parse(pdf);
        var text = Encoding.Latin1.GetString(pdf);
        var xref = (int)file.StartXref;
        Assert.StartsWith("xref", text[xref..], StringComparison.Ordinal);
        var parser = new PdfObjectParser(pdf, xref + 4);
        while (true)
        {
            var first = parser.ReadInteger();
            var count = parser.ReadInteger();
            parser.SkipWhitespaceAndComments();
            if (objectNumber >= first && objectNumber < first + count)
            {
                var at = parser.Position + ((objectNumber - (int)first) * 20);
                var copy = (byte[])pdf.Clone();
                Encoding.ASCII.GetBytes(entry).CopyTo(copy, at);
                return copy;
            }

            parser.Position += (int)count * 20;
        }
    }

    /// <summary>Appends a hand-written revision whose classic xref only frees <paramref name="objectNumber"/>.</summary>
    public static byte[] AppendFreeing(byte[] pdf, int objectNumber)
    {
        var file = PdfFile.Parse(pdf);
        var sb = new StringBuilder();
        var xrefAt = pdf.Length;
        sb.Append(CultureInfo.InvariantCulture, $"xref\n{objectNumber} 1\n0000000000 00001 f\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"trailer\n<</Size {file.Size}/Root {file.Trailer["Root"]}/Info {file.Trailer["Info"]}/Prev {file.StartXref}>>\nstartxref\n{xrefAt}\n%%EOF\n");
        return [.. pdf, .. Encoding.ASCII.GetBytes(sb.ToString())];
    }

    private const string ByteRangePlaceholder = "[0 0000000000 0000000000 0000000000]";

    /// <summary>
    /// Signs <paramref name="pdf"/> in a new revision whose signature dictionary is the /V of the
    /// existing field <paramref name="field"/> (which our signer never does: it always adds a field).
    /// <paramref name="alsoChange"/> may change the field further (attacks on the rule).
    /// </summary>
    public static byte[] SignExistingField(byte[] pdf, PdfReference field, TestSigner signer, Action<PdfDictionary>? alsoChange = null)
    {
        var pki = TestPki.Shared;
        var file = PdfFile.Parse(pdf);
        var writer = new IncrementalUpdateWriter(file);
        var sigRef = writer.Allocate();
        const int capacity = 12_000;
        var body = "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange " + ByteRangePlaceholder + "/Contents <" + new string('0', capacity * 2) + ">>>";
        writer.SetRawObject(sigRef, Encoding.ASCII.GetBytes(body));
        var fieldDict = file.ResolveDictionary(field)!.CloneShallow();
        fieldDict["V"] = sigRef;
        alsoChange?.Invoke(fieldDict);
        writer.SetObject(field, fieldDict);
        var (bytes, range) = PlaceByteRange(writer.Write(), sigRef, body);
        var contentsStart = range[1];
        var attributes = CadesSignedData.EncodeSignedAttributes(Oids.Data, PadesSigner.HashByteRange(bytes, range), signer.Certificate);
        var value = signer.Key.SignHash(SHA256.HashData(attributes), HashAlgorithmName.SHA256);
        var cms = new CadesSignedData(signer.Certificate, [signer.Certificate, pki.Issuing, pki.Root], SignatureScheme.RsaPkcs1).EncodeSignedData(Oids.Data, null, attributes, value);
        Encoding.ASCII.GetBytes(Convert.ToHexString(cms)).CopyTo(bytes, contentsStart + 1);
        return bytes;
    }

    /// <summary>The width of <see cref="PlaceByteRange"/>'s placeholder, for signature bodies written by hand.</summary>
    public const string ByteRangePlaceholderText = ByteRangePlaceholder;

    /// <summary>
    /// In a written update whose signature object <paramref name="sigRef"/> has the raw
    /// <paramref name="body"/> (a /ByteRange placeholder, then a zero /Contents), writes the honest
    /// ByteRange; returns the bytes and the range (range[1] is where the /Contents hex string starts).
    /// </summary>
    public static (byte[] Bytes, long[] Range) PlaceByteRange(IncrementalUpdateWriter.Output output, PdfReference sigRef, string body)
    {
        var bytes = output.Bytes;
        var start = output.BodyOffsets[sigRef.ObjectNumber];
        var contentsStart = start + body.IndexOf("/Contents <", StringComparison.Ordinal) + "/Contents ".Length;
        var contentsEnd = body.IndexOf('>', (int)(contentsStart - start)) + start + 1;
        long[] range = [0, contentsStart, contentsEnd, bytes.LongLength - contentsEnd];
        var rangeText = string.Create(CultureInfo.InvariantCulture, $"[0 {range[1]} {range[2]} {range[3]}]").PadRight(ByteRangePlaceholder.Length);
        Encoding.ASCII.GetBytes(rangeText).CopyTo(bytes, start + body.IndexOf("/ByteRange ", StringComparison.Ordinal) + "/ByteRange ".Length);
        return (bytes, range);
    }

    /// <summary>Where the prepared signature's /ByteRange array is written (its text is padded to a fixed width).</summary>
    public static (int At, int Width) ByteRangeText(PreparedSignature prepared)
    {
        var text = Encoding.Latin1.GetString(prepared.PreparedPdf);
        var at = text.LastIndexOf("/ByteRange ", (int)prepared.ByteRange[1], StringComparison.Ordinal) + "/ByteRange ".Length;
        return (at, text.IndexOf("/Contents", at, StringComparison.Ordinal) - at);
    }

    /// <summary>
    /// Writes <paramref name="byteRangeText"/> in place of the prepared /ByteRange (same width), then
    /// signs honestly over <paramref name="signedRange"/> with <paramref name="signer"/> and puts the
    /// CMS at the start of the prepared /Contents gap: a signature whose value is valid for the bytes
    /// it names, whatever they are.
    /// </summary>
    public static byte[] SignOver(PreparedSignature prepared, TestSigner signer, string byteRangeText, long[] signedRange)
    {
        var bytes = (byte[])prepared.PreparedPdf.Clone();
        var (at, width) = ByteRangeText(prepared);
        Assert.True(byteRangeText.Length <= width, "the new /ByteRange must fit the old one's width");
        Encoding.ASCII.GetBytes(byteRangeText.PadRight(width)).CopyTo(bytes, at);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i + 1 < signedRange.Length; i += 2) hash.AppendData(bytes, (int)signedRange[i], (int)signedRange[i + 1]);
        var attributes = CadesSignedData.EncodeSignedAttributes(Oids.Data, hash.GetHashAndReset(), signer.Certificate);
        var value = signer.Key.SignHash(SHA256.HashData(attributes), HashAlgorithmName.SHA256);
        var cms = new CadesSignedData(signer.Certificate, [signer.Certificate, TestPki.Shared.Issuing, TestPki.Shared.Root], SignatureScheme.RsaPkcs1).EncodeSignedData(Oids.Data, null, attributes, value);
        Encoding.ASCII.GetBytes(Convert.ToHexString(cms)).CopyTo(bytes, prepared.ByteRange[1] + 1);
        return bytes;
    }

    /// <summary>
    /// A prepared file whose placeholder gets a CMS we build ourselves: plain PKCS#7-style
    /// (content-type and message-digest only) with any digest, e.g. SHA-1, and any RSA key.
    /// </summary>
    public static byte[] SignWithLegacyCms(byte[] input, RSA key, X509Certificate2 certificate, HashAlgorithmName digest, string digestOid)
    {
        var pki = TestPki.Shared;
        var prepared = PadesSigner.Prepare(input, pki.RequestFor(pki.Head) with { FieldName = "Legacy" });
        var bytes = (byte[])prepared.PreparedPdf.Clone();
        var range = prepared.ByteRange;
        using var h = IncrementalHash.CreateHash(digest);
        h.AppendData(bytes, 0, (int)range[1]);
        h.AppendData(bytes, (int)range[2], (int)range[3]);
        var documentDigest = h.GetHashAndReset();

        var attrs = new AsnWriter(AsnEncodingRules.DER);
        attrs.PushSetOf();
        attrs.PushSequence();
        attrs.WriteObjectIdentifier(Oids.ContentType);
        attrs.PushSetOf();
        attrs.WriteObjectIdentifier(Oids.Data);
        attrs.PopSetOf();
        attrs.PopSequence();
        attrs.PushSequence();
        attrs.WriteObjectIdentifier(Oids.MessageDigest);
        attrs.PushSetOf();
        attrs.WriteOctetString(documentDigest);
        attrs.PopSetOf();
        attrs.PopSequence();
        attrs.PopSetOf();
        var signedAttributes = attrs.Encode();
        var value = key.SignData(signedAttributes, digest, RSASignaturePadding.Pkcs1);

        var w = new AsnWriter(AsnEncodingRules.DER);
        w.PushSequence();
        w.WriteObjectIdentifier(Oids.SignedData);
        var explicit0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        w.PushSequence(explicit0);
        w.PushSequence();
        w.WriteInteger(1);
        w.PushSetOf();
        w.PushSequence();
        w.WriteObjectIdentifier(digestOid);
        w.PopSequence();
        w.PopSetOf();
        w.PushSequence();
        w.WriteObjectIdentifier(Oids.Data);
        w.PopSequence();
        w.PushSetOf(explicit0);
        w.WriteEncodedValue(certificate.RawData);
        w.PopSetOf(explicit0);
        w.PushSetOf();
        w.PushSequence();
        w.WriteInteger(1);
        w.PushSequence();
        w.WriteEncodedValue(certificate.IssuerName.RawData);
        w.WriteInteger(certificate.SerialNumberBytes.Span);
        w.PopSequence();
        w.PushSequence();
        w.WriteObjectIdentifier(digestOid);
        w.PopSequence();
        var tagged = (byte[])signedAttributes.Clone();
        tagged[0] = 0xA0;
        w.WriteEncodedValue(tagged);
        w.PushSequence();
        w.WriteObjectIdentifier(Oids.RsaEncryption);
        w.WriteNull();
        w.PopSequence();
        w.WriteOctetString(value);
        w.PopSequence();
        w.PopSetOf();
        w.PopSequence();
        w.PopSequence(explicit0);
        w.PopSequence();
        var cms = w.Encode();
        Encoding.ASCII.GetBytes(Convert.ToHexString(cms)).CopyTo(bytes, range[1] + 1);
        return bytes;
    }

    /// <summary>A self-signed certificate (no chain to any anchor) for an RSA key.</summary>
    public static X509Certificate2 SelfSigned(RSA key, string subject)
    {
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }
}
