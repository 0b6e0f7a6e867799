namespace Signing.Testing.ForeignSigners;

/// <summary>Which signed attributes `openssl cms -sign` writes.</summary>
public enum CmsAttributes
{
    /// <summary>openssl's default: content-type, signing-time, message-digest (no ESS signing-certificate).</summary>
    Default,

    /// <summary>`-cades`: the default set plus ESS signing-certificate-v2.</summary>
    Cades,

    /// <summary>`-noattr`: no signed attributes; the signature is over the content digest itself.</summary>
    None,
}

/// <summary>
/// The signers that are not ours, each run as its own program: `openssl cms` into a placeholder,
/// `mutool sign`, @signpdf under node, and Apache PDFBox under java. Each returns the signed file.
/// </summary>
public static class ForeignTools
{
    private static readonly string[] PdfBoxJars =
        ["pdfbox2.jar", "fontbox2.jar", "commons-logging.jar", "bcprov.jar", "bcpkix.jar", "bcutil.jar"];

    private static readonly Lazy<string> PdfBoxClasses = new(CompilePdfBoxSigner);

    /// <summary>The directory of the node and java signers' sources (tests/foreign-signers).</summary>
    public static string SourceDirectory => Path.Combine(RepoPaths.Root, "tests", "foreign-signers");

    /// <summary>
    /// `openssl cms -sign` over the ByteRange of a placeholder PDF: <paramref name="digest"/> is an
    /// openssl name (sha256, sha384, sha512, sha1); <paramref name="pss"/> selects RSASSA-PSS with
    /// openssl's default salt length (the largest that fits, not the hash length).
    /// </summary>
    public static byte[] OpenSslCms(ForeignKey signer, string subFilter, string digest, CmsAttributes attributes, bool pss = false)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var dir = RepoPaths.NewTempDirectory("foreign-openssl");
        var prepared = ForeignPdfs.WithPlaceholder(subFilter, out var byteRange, out var signedBytes);
        var input = Path.Combine(dir, "signed-bytes.bin");
        var output = Path.Combine(dir, "signature.der");
        File.WriteAllBytes(input, signedBytes);
        List<string> args = ["cms", "-sign", "-binary", "-in", input, "-signer", signer.CertificatePem, "-inkey", signer.KeyPem,
            "-certfile", ForeignPki.Shared.CaPem, "-md", digest, "-outform", "DER", "-out", output, "-nosmimecap"];
        if (attributes == CmsAttributes.None) args.Add("-noattr");
        if (attributes == CmsAttributes.Cades) args.Add("-cades");
        if (pss) args.AddRange(["-keyopt", "rsa_padding_mode:pss"]);
        ExternalTool.RunChecked("openssl", [.. args]);
        return ForeignPdfs.Embed(prepared, byteRange, File.ReadAllBytes(output));
    }

    /// <summary>`mutool sign` (mupdf-tools) on the empty field of <see cref="ForeignPdfs.WithEmptySignatureField"/>, with a PKCS#12.</summary>
    public static byte[] Mutool(ForeignKey signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var dir = RepoPaths.NewTempDirectory("foreign-mutool");
        var input = Path.Combine(dir, "in.pdf");
        var output = Path.Combine(dir, "out.pdf");
        File.WriteAllBytes(input, ForeignPdfs.WithEmptySignatureField());
        ExternalTool.RunChecked("mutool", "sign", "-s", signer.Pkcs12, "-P", signer.Pkcs12Password, "-o", output, input,
            ForeignPdfs.EmptyFieldObject.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return File.ReadAllBytes(output);
    }

    /// <summary>@signpdf/signpdf with its plain placeholder and P12 signer (node-forge), pinned in tests/foreign-signers/package-lock.json.</summary>
    public static byte[] SignPdfJs(ForeignKey signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        if (!Directory.Exists(Path.Combine(SourceDirectory, "node_modules", "@signpdf")))
        {
            throw new InvalidOperationException("tests/foreign-signers/node_modules is missing: tests/run.sh runs `npm ci` there first.");
        }

        var dir = RepoPaths.NewTempDirectory("foreign-signpdf");
        var input = Path.Combine(dir, "in.pdf");
        var output = Path.Combine(dir, "out.pdf");
        File.WriteAllBytes(input, ForeignPdfs.Plain());
        ExternalTool.RunChecked("node", Path.Combine(SourceDirectory, "signpdf.js"), input, output, signer.Pkcs12, signer.Pkcs12Password);
        return File.ReadAllBytes(output);
    }

    /// <summary>
    /// PDFBox signs <paramref name="pdf"/> once more: "certify" (DocMDP P=2) or "approve", with a
    /// JCA algorithm name (SHA256withRSA, SHA384withRSAandMGF1, SHA256withECDSA, ...).
    /// </summary>
    public static byte[] PdfBox(byte[] pdf, string mode, ForeignKey signer, string algorithm, string subFilter = "adbe.pkcs7.detached")
    {
        ArgumentNullException.ThrowIfNull(signer);
        return RunPdfBox(pdf, [$"mode={mode}", $"key={signer.KeyPem}", $"cert={signer.CertificatePem}", $"chain={ForeignPki.Shared.CaPem}", $"alg={algorithm}", $"subfilter={subFilter}"]);
    }

    /// <summary>PDFBox adds an ETSI.RFC3161 document timestamp; the token comes from `openssl ts -reply` with the test TSA.</summary>
    public static byte[] PdfBoxDocumentTimestamp(byte[] pdf)
    {
        var pki = ForeignPki.Shared;
        return RunPdfBox(pdf, ["mode=timestamp", $"tsaconfig={pki.TsaConfig}", $"tsacert={pki.Tsa.CertificatePem}", $"tsakey={pki.Tsa.KeyPem}", $"tsachain={pki.CaPem}"]);
    }

    /// <summary>
    /// PDFBox appends a /DSS (keeping what one holds already) with these DER certificates, OCSP
    /// responses and CRLs, and a /VRI entry per signature naming them: PDFBox writes the structure,
    /// the caller brings the data (PDFBox's library fetches no revocation data).
    /// </summary>
    public static byte[] PdfBoxDss(byte[] pdf, IEnumerable<byte[]> certificates, IEnumerable<byte[]> ocspResponses, IEnumerable<byte[]> crls)
    {
        var dir = RepoPaths.NewTempDirectory("foreign-pdfbox-dss");
        string Files(string kind, IEnumerable<byte[]> items) => string.Join(',', items.Select((der, i) =>
        {
            var path = Path.Combine(dir, $"{kind}-{i}.der");
            File.WriteAllBytes(path, der);
            return path;
        }));
        return RunPdfBox(pdf, ["mode=dss", $"certs={Files("cert", certificates)}", $"ocsps={Files("ocsp", ocspResponses)}", $"crls={Files("crl", crls)}"]);
    }

    private static byte[] RunPdfBox(byte[] pdf, string[] options)
    {
        var dir = RepoPaths.NewTempDirectory("foreign-pdfbox");
        var input = Path.Combine(dir, "in.pdf");
        var output = Path.Combine(dir, "out.pdf");
        File.WriteAllBytes(input, pdf);
        ExternalTool.RunChecked("java", ["-cp", PdfBoxClasses.Value + ":" + JarClassPath(), "ForeignPdfBoxSigner", $"in={input}", $"out={output}", .. options]);
        return File.ReadAllBytes(output);
    }

    private static string JarClassPath() => string.Join(':', PdfBoxJars.Select(j => Path.Combine("/usr/share/java", j)));

    // Compiled once per test process, at test time, so no class file is ever committed.
    private static string CompilePdfBoxSigner()
    {
        var classes = RepoPaths.NewTempDirectory("foreign-pdfbox-classes");
        ExternalTool.RunChecked("javac", "-d", classes, "-cp", JarClassPath(), Path.Combine(SourceDirectory, "pdfbox", "ForeignPdfBoxSigner.java"));
        return classes;
    }
}
