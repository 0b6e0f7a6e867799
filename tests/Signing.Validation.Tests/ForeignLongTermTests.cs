using Signing.Pades.LongTerm;
using System.Security.Cryptography.X509Certificates;
using Signing.Testing;
using Signing.Testing.ForeignSigners;
using Signing.Testing.Pades;
using Signing.Validation.Policy;

namespace Signing.Validation.Tests;

/// <summary>
/// B-LT and B-LTA files whose long-term updates another tool wrote: Apache PDFBox appends the
/// /DSS and the document timestamp (its token from `openssl ts -reply`), to our head's B-T result
/// and to a file PDFBox signed itself. The verifier, offline, must find everything it needs in them.
/// </summary>
public sealed class ForeignLongTermTests : IClassFixture<ForeignLongTermTests.Pki>
{
    private readonly RevocationPki _pki;

    public ForeignLongTermTests(Pki fixture) => _pki = fixture.Value;

    public sealed class Pki : IDisposable
    {
        public RevocationPki Value { get; } = new();

        public void Dispose() => Value.Dispose();
    }

    private static byte[] ForeignCrl => File.ReadAllBytes(ForeignPki.Shared.CrlDer);

    private static byte[] ForeignCa => X509CertificateLoader.LoadCertificateFromFile(ForeignPki.Shared.CaPem).RawData;

    private static byte[] ForeignTsa => X509CertificateLoader.LoadCertificateFromFile(ForeignPki.Shared.Tsa.CertificatePem).RawData;

    private VerificationPolicy Offline(bool withDevRoot) => new()
    {
        TrustAnchors = withDevRoot ? [.. ForeignPki.Shared.TrustAnchors(), _pki.Root] : ForeignPki.Shared.TrustAnchors(),
        Revocation = new RevocationPolicy { Mode = RevocationMode.Offline },
    };

    [Fact]
    public async Task PDFBox_brings_our_B_T_result_to_B_LTA_and_it_verifies_offline()
    {
        var bt = await _pki.SignAsync(PadesLevel.BT);
        // What the dev responders answer for our chains; PDFBox writes it.
        var data = ValidationDataCollector.Collect(bt, _pki.Source, DateTimeOffset.UtcNow);
        var lt = ForeignTools.PdfBoxDss(bt, data.SelectMany(d => d.Certificates), data.SelectMany(d => d.OcspResponses), data.SelectMany(d => d.Crls));
        Assert.Equal(Verdict.PASSED, PdfSignatureVerifier.Verify(lt, Offline(withDevRoot: true)).Verdict);

        var lta = ForeignTools.PdfBoxDss(ForeignTools.PdfBoxDocumentTimestamp(lt), [ForeignTsa, ForeignCa], [], [ForeignCrl]);
        var report = PdfSignatureVerifier.Verify(lta, Offline(withDevRoot: true));

        Assert.True(report.Verdict == Verdict.PASSED, report.ToText());
        Assert.Equal("B-LTA", report.Signatures[0].PadesLevel);
        Assert.Contains(report.Signatures[0].Messages, m => m.Contains("The signer's certificate: not revoked according to OCSP", StringComparison.Ordinal));
        Assert.Equal(SignatureKind.DOCUMENT_TIMESTAMP, report.Signatures[1].Kind);
        Assert.Equal(Indication.TOTAL_PASSED, report.Signatures[1].Indication);
        Assert.Empty(report.Modifications); // PDFBox's DSS and timestamp revisions are allowed changes
    }

    [Fact]
    public void PDFBox_brings_its_own_signature_to_B_LTA_and_it_verifies_offline()
    {
        var signed = ForeignTools.PdfBox(TestPdfs.Classic, "certify", ForeignPki.Shared.Rsa, "SHA256withRSA", "ETSI.CAdES.detached");
        var signer = X509CertificateLoader.LoadCertificateFromFile(ForeignPki.Shared.Rsa.CertificatePem).RawData;
        var lt = ForeignTools.PdfBoxDss(signed, [signer, ForeignCa], [], [ForeignCrl]);
        var lta = ForeignTools.PdfBoxDss(ForeignTools.PdfBoxDocumentTimestamp(lt), [ForeignTsa], [], []);

        var report = PdfSignatureVerifier.Verify(lta, Offline(withDevRoot: false));

        Assert.True(report.Verdict == Verdict.PASSED, report.ToText());
        Assert.True(report.Signatures[0].Messages.Any(m => m.Contains("The signer's certificate: not revoked according to the CRL of", StringComparison.Ordinal)), report.ToText());
        Assert.Equal(SignatureKind.DOCUMENT_TIMESTAMP, report.Signatures[1].Kind);
        Assert.Equal(Indication.TOTAL_PASSED, report.Signatures[1].Indication);
    }

    [Fact]
    public async Task A_byte_changed_under_PDFBox_long_term_updates_fails_every_signature()
    {
        var bt = await _pki.SignAsync(PadesLevel.BT);
        var data = ValidationDataCollector.Collect(bt, _pki.Source, DateTimeOffset.UtcNow);
        var lta = ForeignTools.PdfBoxDocumentTimestamp(ForeignTools.PdfBoxDss(bt, data.SelectMany(d => d.Certificates), data.SelectMany(d => d.OcspResponses), data.SelectMany(d => d.Crls)));
        var tampered = (byte[])lta.Clone();
        tampered["%PDF-1.".Length] ^= 0x01; // the header's version digit: covered by every signature and the document timestamp

        var report = PdfSignatureVerifier.Verify(tampered, Offline(withDevRoot: true));

        Assert.Equal(Verdict.FAILED, report.Verdict);
        Assert.All(report.Signatures, s => Assert.Equal(Indication.TOTAL_FAILED, s.Indication));
    }
}
