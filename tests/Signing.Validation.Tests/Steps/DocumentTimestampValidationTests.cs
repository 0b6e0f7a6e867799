using Signing.Testing.ForeignSigners;

namespace Signing.Validation.Tests.Steps;

/// <summary>The ETSI.RFC3161 path, on PDFBox's document timestamp with a token from `openssl ts -reply`.</summary>
public sealed class DocumentTimestampValidationTests
{
    private static SignatureVerification DocumentTimestamp(VerificationReport report) =>
        Assert.Single(report.Signatures, s => s.Kind == SignatureKind.DOCUMENT_TIMESTAMP);

    [Fact]
    public void A_good_document_timestamp_is_its_own_entry_naming_the_TSA_and_its_time()
    {
        var report = PdfSignatureVerifier.Verify(ForeignFiles.Get("pdfbox-doc-timestamp"), new VerificationPolicy { TrustAnchors = ForeignPki.Shared.TrustAnchors() });
        var ts = DocumentTimestamp(report);

        Assert.Equal(Indication.TOTAL_PASSED, ts.Indication);
        Assert.Equal("ETSI.RFC3161", ts.SubFilter);
        Assert.True(ts.CoversWholeDocument && ts.DigestOk && ts.SignatureOk);
        Assert.True(ts.Timestamp is { Present: true, Valid: true, ImprintOk: true, TsaChainTrusted: true });
        Assert.Contains("Foreign Test TSA", ts.SignerSubject, StringComparison.Ordinal);
        Assert.InRange(ts.Timestamp.Time!.Value, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Null(ts.PadesLevel);
        Assert.All(report.Signatures.Where(s => s.Kind == SignatureKind.SIGNATURE), s => Assert.Equal(LaterChangesAssessment.SIGNATURES_ONLY, s.LaterChanges.Assessment));
        Assert.Contains("\"kind\": \"DOCUMENT_TIMESTAMP\"", report.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_timestamp_from_a_TSA_outside_the_anchors_is_not_trusted()
    {
        using var otherRoot = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Signing.Testing.Pades.TestPki.Shared.Root.RawData);
        var report = PdfSignatureVerifier.Verify(ForeignFiles.Get("pdfbox-doc-timestamp"), new VerificationPolicy { TrustAnchors = [otherRoot] });
        var ts = DocumentTimestamp(report);

        Assert.Equal(Indication.INDETERMINATE, ts.Indication);
        Assert.Equal("NO_CERTIFICATE_CHAIN_FOUND", ts.SubIndication);
        Assert.True(ts.Timestamp.ImprintOk);
        Assert.False(ts.Timestamp.TsaChainTrusted);
    }
}
