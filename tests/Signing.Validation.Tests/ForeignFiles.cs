using System.Collections.Concurrent;
using Signing.Validation;
using Signing.Testing.ForeignSigners;

namespace Signing.Validation.Tests;

/// <summary>What our verifier must say of one signature of a foreign file.</summary>
public sealed record ExpectedVerdict(Indication Indication, string? SubIndication = null)
{
    public static readonly ExpectedVerdict Passed = new(Indication.TOTAL_PASSED);

    /// <summary>
    /// SHA-1 or a 1024-bit key signed today: not a broken signature, but one the default policy
    /// accepts only before a date long past, and nothing proves it older (_NO_POE).
    /// </summary>
    public static readonly ExpectedVerdict TooWeak = new(Indication.INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE_NO_POE");

    public override string ToString() => SubIndication is null ? Indication.ToString() : $"{Indication}/{SubIndication}";
}

/// <summary>One file signed by a tool that is not ours, and what we must say of each of its signatures (file order).</summary>
public sealed record ForeignFile(string Name, string Signer, string What, IReadOnlyList<ExpectedVerdict> Expected, Func<byte[]> Make)
{
    /// <summary>
    /// pdfsig (poppler 22 on NSS) calls this valid file "Signature is Invalid." (it cannot check
    /// RSA-PSS without signed attributes); `openssl cms -verify` then decides integrity for the
    /// untampered file. Tampered copies stay under the full rule.
    /// </summary>
    public bool PdfSigCannotVerify { get; init; }

    public override string ToString() => Name;
}

/// <summary>
/// Every foreign file the verifier is judged on, each made once per test process (the signers are
/// slow programs: java, node, openssl).
/// </summary>
public static class ForeignFiles
{
    private static readonly ConcurrentDictionary<string, Lazy<byte[]>> Made = new(StringComparer.Ordinal);

    private static ForeignPki Pki => ForeignPki.Shared;

    public static IReadOnlyList<ForeignFile> All { get; } =
    [
        OpenSsl("openssl-rsa-sha256", "RSA PKCS#1 v1.5, SHA-256, openssl's signed attributes (no ESS)", () => Pki.Rsa, "adbe.pkcs7.detached", "sha256", CmsAttributes.Default),
        OpenSsl("openssl-rsa-sha256-noattr", "RSA PKCS#1 v1.5, SHA-256, no signed attributes", () => Pki.Rsa, "adbe.pkcs7.detached", "sha256", CmsAttributes.None),
        OpenSsl("openssl-rsa-pss-sha256", "RSA-PSS (max salt), SHA-256, signed attributes", () => Pki.Rsa, "adbe.pkcs7.detached", "sha256", CmsAttributes.Default, pss: true),
        OpenSsl("openssl-rsa-pss-sha512", "RSA-PSS (max salt), SHA-512, signed attributes", () => Pki.Rsa, "adbe.pkcs7.detached", "sha512", CmsAttributes.Default, pss: true),
        OpenSsl("openssl-rsa-pss-sha256-noattr", "RSA-PSS (max salt), SHA-256, no signed attributes", () => Pki.Rsa, "adbe.pkcs7.detached", "sha256", CmsAttributes.None, pss: true) with { PdfSigCannotVerify = true },
        OpenSsl("openssl-rsa-pss-sha384-noattr", "RSA-PSS (max salt), SHA-384, no signed attributes", () => Pki.Rsa, "adbe.pkcs7.detached", "sha384", CmsAttributes.None, pss: true) with { PdfSigCannotVerify = true },
        OpenSsl("openssl-ecdsa-sha256", "ECDSA P-256, SHA-256, signed attributes", () => Pki.Ec, "adbe.pkcs7.detached", "sha256", CmsAttributes.Default),
        OpenSsl("openssl-ecdsa-sha384-noattr", "ECDSA P-256, SHA-384, no signed attributes", () => Pki.Ec, "adbe.pkcs7.detached", "sha384", CmsAttributes.None),
        OpenSsl("openssl-ecdsa-sha512", "ECDSA P-256, SHA-512, signed attributes", () => Pki.Ec, "adbe.pkcs7.detached", "sha512", CmsAttributes.Default),
        OpenSsl("openssl-cades-rsa-sha384", "ETSI.CAdES.detached, RSA PKCS#1 v1.5, SHA-384, -cades (ESS signing-certificate-v2)", () => Pki.Rsa, "ETSI.CAdES.detached", "sha384", CmsAttributes.Cades),
        OpenSsl("openssl-cades-pss-sha256", "ETSI.CAdES.detached, RSA-PSS, SHA-256, -cades", () => Pki.Rsa, "ETSI.CAdES.detached", "sha256", CmsAttributes.Cades, pss: true),
        OpenSsl("openssl-cades-ecdsa-sha512", "ETSI.CAdES.detached, ECDSA P-256, SHA-512, -cades", () => Pki.Ec, "ETSI.CAdES.detached", "sha512", CmsAttributes.Cades),
        OpenSsl("openssl-rsa-sha1", "RSA PKCS#1 v1.5, SHA-1, signed attributes", () => Pki.Rsa, "adbe.pkcs7.detached", "sha1", CmsAttributes.Default, ExpectedVerdict.TooWeak),
        OpenSsl("openssl-ecdsa-sha1-noattr", "ECDSA P-256, SHA-1, no signed attributes", () => Pki.Ec, "adbe.pkcs7.detached", "sha1", CmsAttributes.None, ExpectedVerdict.TooWeak),
        OpenSsl("openssl-rsa1024-sha256", "RSA-1024 key, SHA-256, signed attributes", () => Pki.WeakRsa, "adbe.pkcs7.detached", "sha256", CmsAttributes.Default, ExpectedVerdict.TooWeak),
        new("mutool-rsa", "mutool sign 1.21 (mupdf-tools)", "RSA PKCS#1 v1.5 from a PKCS#12; mupdf always digests with SHA-1", [ExpectedVerdict.TooWeak], () => ForeignTools.Mutool(Pki.Rsa)),
        new("signpdf-rsa", "@signpdf/signpdf 3.3.0 (node-forge)", "its own placeholder, RSA PKCS#1 v1.5, SHA-256, signing-time, no ESS", [ExpectedVerdict.Passed], () => ForeignTools.SignPdfJs(Pki.Rsa)),
        new("pdfbox-certify-cades", "Apache PDFBox 2.0.27 + Bouncy Castle 1.72", "certifying (DocMDP P=2), ETSI.CAdES.detached, RSA, SHA-256, ESS v2", [ExpectedVerdict.Passed], CertifiedByPdfBox),
        new("pdfbox-certify-approve-pss", "Apache PDFBox 2.0.27 + Bouncy Castle 1.72", "the certified file, then an approval signature: RSA-PSS, SHA-384, no ESS", [ExpectedVerdict.Passed, ExpectedVerdict.Passed], ApprovedByPdfBox),
        new("pdfbox-approve-ecdsa", "Apache PDFBox 2.0.27 + Bouncy Castle 1.72", "one approval signature: ECDSA P-256, SHA-512, no ESS", [ExpectedVerdict.Passed], () => ForeignTools.PdfBox(ForeignPdfs.Plain(), "approve", Pki.Ec, "SHA512withECDSA")),
        new("pdfbox-doc-timestamp", "Apache PDFBox 2.0.27 + openssl ts", "certified + approved, then an ETSI.RFC3161 document timestamp", [ExpectedVerdict.Passed, ExpectedVerdict.Passed, ExpectedVerdict.Passed], () => ForeignTools.PdfBoxDocumentTimestamp(Get("pdfbox-certify-approve-pss"))),
    ];

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var f in All) data.Add(f.Name);
            return data;
        }
    }

    public static ForeignFile Named(string name) => All.Single(f => f.Name == name);

    /// <summary>The signed file, made on first use.</summary>
    public static byte[] Get(string name) => Made.GetOrAdd(name, n => new Lazy<byte[]>(() => Named(n).Make())).Value;

    private static ForeignFile OpenSsl(string name, string what, Func<ForeignKey> key, string subFilter, string digest, CmsAttributes attributes, ExpectedVerdict? expected = null, bool pss = false) =>
        new(name, "openssl cms 3.0 into a hand-written placeholder", $"{subFilter}: {what}", [expected ?? ExpectedVerdict.Passed],
            () => ForeignTools.OpenSslCms(key(), subFilter, digest, attributes, pss));

    private static byte[] CertifiedByPdfBox() => ForeignTools.PdfBox(ForeignPdfs.Plain(), "certify", Pki.Rsa, "SHA256withRSA", "ETSI.CAdES.detached");

    private static byte[] ApprovedByPdfBox() => ForeignTools.PdfBox(Get("pdfbox-certify-cades"), "approve", Pki.Rsa, "SHA384withRSAandMGF1");
}
