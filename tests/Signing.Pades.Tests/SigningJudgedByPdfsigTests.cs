using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Signing.Core;
using Signing.Core.Keys;
using Signing.Pades.Appearance;
using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;
using Signing.Testing;

namespace Signing.Pades.Tests;

public sealed class SigningJudgedByPdfsigTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    private static VerificationPolicy Policy => new() { TrustAnchors = Pki.TrustAnchors };

    private static SignatureRequest SealRequest() => Pki.RequestFor(Pki.Seal) with
    {
        FieldName = "AgencySeal",
        Reason = "Đóng dấu cơ quan",
        Location = "Đà Lạt",
        Placement = new SignaturePlacement(300, 100, 230, 110),
        Appearance = new SignatureAppearance
        {
            SignatureImagePng = TestImages.BlueSignature(),
            SealImagePng = TestImages.RedSeal(),
            AgencyName = "Ủy ban nhân dân tỉnh Lâm Đồng",
        },
    };

    [Fact]
    public async Task Bt_signature_on_a_pdfsharp_file_is_valid_and_trusted_for_pdfsig_and_keeps_the_input_as_prefix()
    {
        var input = TestPdfs.Classic;
        var request = Pki.RequestFor(Pki.Head) with { Reason = "Phê duyệt kết quả", Location = "Đà Lạt", Placement = new SignaturePlacement(340, 120, 180, 80), Appearance = new SignatureAppearance { SignatureImagePng = TestImages.BlueSignature(), ShowSigningTime = false } };
        var signed = await PadesSigner.SignAsync(input, request, Pki.Head.Key, new OpenSslTimestampClient(Pki));

        Assert.True(signed.AsSpan(0, input.Length).SequenceEqual(input), "the signed file must start with the input bytes");
        var sig = Judges.PdfSig(Pki, signed);
        Assert.Contains("Signature is Valid.", sig.StdOut);
        Assert.Contains("Certificate is Trusted.", sig.StdOut);
        Assert.Contains("ETSI.CAdES.detached", sig.StdOut);
        Assert.Contains("Total document signed", sig.StdOut);
        Judges.QpdfCheckAddsNoProblems(input, signed);

        var report = PdfSignatureVerifier.Verify(signed, Policy);
        var only = Assert.Single(report.Signatures);
        Assert.Equal(Indication.TOTAL_PASSED, only.Indication);
        Assert.Equal("B-T", only.PadesLevel);
        Assert.True(only.CoversWholeDocument);
        Assert.True(only.Timestamp.Valid && only.Timestamp.ImprintOk);
        Assert.Equal(2, report.Revisions);
    }

    [Fact]
    public async Task Head_then_seal_leaves_both_signatures_valid_for_pdfsig_openssl_and_our_verifier()
    {
        var input = TestPdfs.Classic;
        var tsa = new OpenSslTimestampClient(Pki);
        var headed = await PadesSigner.SignAsync(input, Pki.RequestFor(Pki.Head) with { FieldName = "Head" }, Pki.Head.Key, tsa);
        var sealedPdf = await PadesSigner.SignAsync(headed, SealRequest(), Pki.Seal.Key, tsa);
        Assert.True(sealedPdf.AsSpan(0, headed.Length).SequenceEqual(headed));

        var sig = Judges.PdfSig(Pki, sealedPdf);
        Assert.Equal(2, CountOf(sig.StdOut, "Signature is Valid."));
        Assert.Equal(2, CountOf(sig.StdOut, "Certificate is Trusted."));
        Assert.Equal([true, true], Judges.MutoolDigestsValid(sealedPdf));
        Judges.QpdfCheckAddsNoProblems(input, sealedPdf);

        // openssl: each CMS verifies over its ByteRange bytes (with signed attributes), each timestamp token over its signature value.
        var dir = RepoPaths.NewTempDirectory("pades-openssl");
        var extracted = Judges.Extract(sealedPdf);
        Assert.Equal(2, extracted.Count);
        foreach (var (e, i) in extracted.Select((e, i) => (e, i)))
        {
            var der = Path.Combine(dir, $"sig{i}.der");
            var content = Path.Combine(dir, $"signed{i}.bin");
            File.WriteAllBytes(der, e.Cms);
            File.WriteAllBytes(content, e.SignedBytes);
            var cms = ExternalTool.Run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", der, "-content", content,
                "-CAfile", Pki.RootPem, "-certfile", Pki.ChainPem, "-purpose", "any", "-out", "/dev/null");
            Assert.True(cms.ExitCode == 0, cms.All);
            Assert.Contains("Verification successful", cms.All);

            var (value, token) = Judges.SignatureValueAndToken(e.Cms);
            Assert.NotNull(token);
            var tokenPath = Path.Combine(dir, $"token{i}.der");
            var valuePath = Path.Combine(dir, $"value{i}.bin");
            File.WriteAllBytes(tokenPath, token);
            File.WriteAllBytes(valuePath, value);
            var ts = ExternalTool.Run("openssl", "ts", "-verify", "-data", valuePath, "-in", tokenPath, "-token_in", "-CAfile", Pki.RootPem, "-untrusted", Pki.TsaChainPem);
            Assert.True(ts.ExitCode == 0, ts.All);
            Assert.Contains("Verification: OK", ts.All);
        }

        var report = PdfSignatureVerifier.Verify(sealedPdf, Policy);
        Assert.Equal(Indication.TOTAL_PASSED, report.Indication);
        Assert.Equal(3, report.Revisions);
        var head = report.Signatures.Single(s => s.FieldName == "Head");
        var seal = report.Signatures.Single(s => s.FieldName == "AgencySeal");
        Assert.Equal(2, head.Revision);
        Assert.False(head.CoversWholeDocument);
        Assert.Equal(LaterChangesAssessment.SIGNATURES_ONLY, head.LaterChanges.Assessment);
        Assert.True(seal.CoversWholeDocument);
        Assert.Equal(Indication.TOTAL_PASSED, seal.Indication);

        // A third signature works the same way.
        var third = await PadesSigner.SignAsync(sealedPdf, Pki.RequestFor(Pki.Ecdsa), Pki.Ecdsa.Key, tsa);
        Assert.Equal(3, CountOf(Judges.PdfSig(Pki, third).StdOut, "Signature is Valid."));
        Assert.All(PdfSignatureVerifier.Verify(third, Policy).Signatures, s => Assert.Equal(Indication.TOTAL_PASSED, s.Indication));
    }

    [Fact]
    public async Task Ecdsa_p256_and_rsa_pss_signers_are_valid()
    {
        var ec = await PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Ecdsa), Pki.Ecdsa.Key, new OpenSslTimestampClient(Pki));
        var sig = Judges.PdfSig(Pki, ec);
        Assert.Contains("Signature is Valid.", sig.StdOut);
        Assert.Contains("Certificate is Trusted.", sig.StdOut);
        Assert.Equal(Indication.TOTAL_PASSED, PdfSignatureVerifier.Verify(ec, Policy).Indication);

        var pss = await PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Head) with { Scheme = Cms.SignatureScheme.RsaPss }, Pki.Head.Key, null);
        Assert.Equal(Indication.TOTAL_PASSED, PdfSignatureVerifier.Verify(pss, Policy).Indication);
        var e = Judges.Extract(pss).Single();
        var dir = RepoPaths.NewTempDirectory("pades-pss");
        File.WriteAllBytes(Path.Combine(dir, "s.der"), e.Cms);
        File.WriteAllBytes(Path.Combine(dir, "c.bin"), e.SignedBytes);
        var cms = ExternalTool.Run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", Path.Combine(dir, "s.der"), "-content", Path.Combine(dir, "c.bin"),
            "-CAfile", Pki.RootPem, "-certfile", Pki.ChainPem, "-purpose", "any", "-out", "/dev/null");
        Assert.True(cms.ExitCode == 0, cms.All);
    }

    [Fact]
    public async Task Flipping_one_signed_byte_fails_that_signature_for_pdfsig_and_our_verifier()
    {
        var headed = await PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Head) with { FieldName = "Head" }, Pki.Head.Key, null);
        var sealedPdf = await PadesSigner.SignAsync(headed, SealRequest(), Pki.Seal.Key, null);

        // A byte inside the head's signed range (in the original page content), covered by both signatures.
        var tampered = (byte[])sealedPdf.Clone();
        var at = Encoding.Latin1.GetString(tampered).IndexOf("stream", StringComparison.Ordinal) + 12;
        tampered[at] ^= 0x01;

        var report = PdfSignatureVerifier.Verify(tampered, Policy);
        Assert.Equal(Indication.TOTAL_FAILED, report.Indication);
        Assert.All(report.Signatures, s =>
        {
            Assert.Equal(Indication.TOTAL_FAILED, s.Indication);
            Assert.Equal("HASH_FAILURE", s.SubIndication);
        });
        var sig = Judges.PdfSig(Pki, tampered);
        Assert.DoesNotContain("Signature is Valid.", sig.StdOut);
        Assert.Equal(2, CountOf(sig.StdOut, "Digest Mismatch."));
        Assert.Equal([false, false], Judges.MutoolDigestsValid(tampered));

        // A byte only in the seal's range: the head stays valid, the seal fails.
        var onlySeal = (byte[])sealedPdf.Clone();
        var inSealUpdate = Encoding.Latin1.GetString(onlySeal).IndexOf("stream\n", headed.Length, StringComparison.Ordinal) + 20;
        onlySeal[inSealUpdate] ^= 0x01;
        var r2 = PdfSignatureVerifier.Verify(onlySeal, Policy);
        Assert.Equal(Indication.TOTAL_FAILED, r2.Signatures.Single(s => s.FieldName == "AgencySeal").Indication);
        Assert.Equal("HASH_FAILURE", r2.Signatures.Single(s => s.FieldName == "AgencySeal").SubIndication);
        var s2 = Judges.PdfSig(Pki, onlySeal).StdOut;
        Assert.Equal(1, CountOf(s2, "Signature is Valid."));
        Assert.Equal(1, CountOf(s2, "Digest Mismatch."));
        Assert.Equal([true, false], Judges.MutoolDigestsValid(onlySeal));
    }

    [Fact]
    public async Task A_timestamp_token_with_an_altered_signature_is_invalid_for_our_verifier_and_openssl()
    {
        // The token's last byte is the last byte of its signature value (openssl puts no unsigned attributes in tokens).
        var tsa = new AlteringTimestampClient(new OpenSslTimestampClient(Pki));
        var signed = await PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Head), Pki.Head.Key, tsa);

        var only = Assert.Single(PdfSignatureVerifier.Verify(signed, Policy).Signatures);
        Assert.True(only.DigestOk && only.SignatureOk);
        Assert.True(only.Timestamp.Present && only.Timestamp.ImprintOk);
        Assert.False(only.Timestamp.Valid);
        Assert.Equal("the timestamp token is not acceptable: the signature value does not verify with the TSA certificate", only.Timestamp.Problem);
        Assert.Equal(Indication.INDETERMINATE, only.Indication);
        Assert.Equal("SIG_CONSTRAINTS_FAILURE", only.SubIndication);

        var dir = RepoPaths.NewTempDirectory("pades-bad-token");
        var (value, token) = Judges.SignatureValueAndToken(Judges.Extract(signed).Single().Cms);
        File.WriteAllBytes(Path.Combine(dir, "token.der"), token!);
        File.WriteAllBytes(Path.Combine(dir, "value.bin"), value);
        var ts = ExternalTool.Run("openssl", "ts", "-verify", "-data", Path.Combine(dir, "value.bin"), "-in", Path.Combine(dir, "token.der"), "-token_in", "-CAfile", Pki.RootPem, "-untrusted", Pki.TsaChainPem);
        Assert.NotEqual(0, ts.ExitCode);
        Assert.DoesNotContain("Verification: OK", ts.All);
        Directory.Delete(dir, recursive: true);
    }

    private sealed class AlteringTimestampClient(Signing.Core.Timestamps.ITimestampClient inner) : Signing.Core.Timestamps.ITimestampClient
    {
        public async Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default)
        {
            var token = await inner.GetTokenAsync(hash, hashAlgorithm, cancellationToken);
            token[^1] ^= 0x01;
            return token;
        }
    }

    [Fact]
    public async Task Two_phase_round_trip_survives_serialisation_and_refuses_a_wrong_signature_value()
    {
        var prepared = PadesSigner.Prepare(TestPdfs.Classic, Pki.RequestFor(Pki.Head) with { FieldName = "Remote" });
        Assert.Equal(SHA256.HashData(prepared.SignedAttributes), prepared.ToBeSignedHash);
        Assert.Equal(PadesSigner.HashByteRange(prepared.PreparedPdf, prepared.ByteRange), prepared.DocumentDigest);

        // Stored between phases as JSON (a record of bytes).
        var stored = JsonSerializer.Serialize(prepared);
        var restored = JsonSerializer.Deserialize<PreparedSignature>(stored)!;

        using var otherKey = SoftwareSignatureKey.CreateRsa(2048);
        var wrong = otherKey.SignHash(restored.ToBeSignedHash, HashAlgorithmName.SHA256);
        var refused = await Assert.ThrowsAsync<SigningException>(() => PadesSigner.CompleteAsync(restored, wrong, null));
        Assert.DoesNotContain('\n', refused.Message);
        var wrongHash = Pki.Head.Key.SignHash(SHA256.HashData("other"u8), HashAlgorithmName.SHA256);
        await Assert.ThrowsAsync<SigningException>(() => PadesSigner.CompleteAsync(restored, wrongHash, null));

        var value = Pki.Head.Key.SignHash(restored.ToBeSignedHash, HashAlgorithmName.SHA256);
        var signed = await PadesSigner.CompleteAsync(restored, value, new OpenSslTimestampClient(Pki));
        Assert.Contains("Signature is Valid.", Judges.PdfSig(Pki, signed).StdOut);
        Assert.Equal("B-T", PdfSignatureVerifier.Verify(signed, Policy).Signatures.Single().PadesLevel);
    }

    [Fact]
    public async Task Xref_stream_input_gets_an_xref_stream_update_and_stays_valid()
    {
        var input = TestPdfs.XrefStream;
        var inputFile = PdfFile.Parse(input);
        Assert.True(inputFile.Sections[0].IsStream);
        var signed = await PadesSigner.SignAsync(input, SealRequest(), Pki.Seal.Key, new OpenSslTimestampClient(Pki));
        Assert.True(signed.AsSpan(0, input.Length).SequenceEqual(input));
        Assert.True(PdfFile.Parse(signed).Sections[0].IsStream, "the update of an xref-stream file is an xref stream");
        var sig = Judges.PdfSig(Pki, signed);
        Assert.Contains("Signature is Valid.", sig.StdOut);
        Assert.Contains("Certificate is Trusted.", sig.StdOut);
        Judges.QpdfCheckAddsNoProblems(input, signed);
        Assert.Equal(Indication.TOTAL_PASSED, PdfSignatureVerifier.Verify(signed, Policy).Indication);
    }

    [Fact]
    public async Task Text_only_agency_signature_top_right_embeds_a_subset_font_and_extracts_as_text()
    {
        var time = new FixedTime(new DateTimeOffset(2024, 3, 5, 2, 4, 9, TimeSpan.Zero));
        var request = Pki.RequestFor(Pki.Seal) with
        {
            PageIndex = 1,
            Placement = SignaturePlacement.TopRight(200, 40),
            Appearance = SignatureAppearance.TextOnly("Sở Tư pháp tỉnh Lâm Đồng"),
        };
        var prepared = PadesSigner.Prepare(TestPdfs.Classic, request, time);
        Assert.Equal(new DateTimeOffset(2024, 3, 5, 9, 4, 9, TimeSpan.FromHours(7)), prepared.SigningTime);
        var signed = PadesSigner.Complete(prepared, Pki.Seal.Key.SignHash(prepared.ToBeSignedHash, HashAlgorithmName.SHA256));
        var path = Judges.WriteTemp(signed);

        // pdffonts lists only page-resource fonts, not widget appearances: check the font through the text.
        var text = ExternalTool.RunChecked("pdftotext", "-f", "2", "-l", "2", path, "-").StdOut;
        Assert.Contains("Sở Tư pháp tỉnh Lâm Đồng", text);
        Assert.Contains("09:04:09 05/03/2024 +07:00", text);
        Assert.Contains("/Subtype /CIDFontType2", Encoding.Latin1.GetString(signed));
        Assert.Contains("+LiberationSerif", Encoding.Latin1.GetString(signed));
        Assert.Contains("Signature is Valid.", Judges.PdfSig(Pki, signed).StdOut);
    }

    [Fact]
    public async Task Unreachable_tsa_and_too_small_placeholder_give_one_line_errors_and_no_output()
    {
        var broken = new OpenSslTimestampClient(Pki, signerKeyOverride: Path.Combine(Pki.Directory, "missing.key"));
        var e = await Assert.ThrowsAsync<Core.Timestamps.TimestampException>(() => PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Head), Pki.Head.Key, broken));
        Assert.DoesNotContain('\n', e.Message);

        var tooSmall = Pki.RequestFor(Pki.Head) with { TimestampReserveBytes = 0 };
        var prepared = PadesSigner.Prepare(TestPdfs.Classic, tooSmall);
        var value = Pki.Head.Key.SignHash(prepared.ToBeSignedHash, HashAlgorithmName.SHA256);
        var fit = await Assert.ThrowsAsync<SigningException>(() => PadesSigner.CompleteAsync(prepared, value, new OpenSslTimestampClient(Pki)));
        Assert.Contains("does not fit", fit.Message);
    }

    [Fact]
    public void Corrupt_and_encrypted_pdfs_are_refused_with_one_line_errors()
    {
        var dir = RepoPaths.NewTempDirectory("pades-bad");
        var plain = Path.Combine(dir, "plain.pdf");
        var encrypted = Path.Combine(dir, "encrypted.pdf");
        File.WriteAllBytes(plain, TestPdfs.Classic);
        ExternalTool.RunChecked("qpdf", "--encrypt", "user", "owner", "256", "--", plain, encrypted);

        var inputs = new Dictionary<string, byte[]>
        {
            ["encrypted"] = File.ReadAllBytes(encrypted),
            ["truncated"] = TestPdfs.Classic[..(TestPdfs.Classic.Length / 2)],
            ["not a pdf"] = Encoding.ASCII.GetBytes("hello, this is not a PDF at all; it is long enough to be checked"),
            ["bad startxref"] = Encoding.ASCII.GetBytes(Encoding.Latin1.GetString(TestPdfs.Classic).Replace("startxref\n", "startxref\n9", StringComparison.Ordinal)),
        };
        foreach (var (what, bytes) in inputs)
        {
            var sign = Assert.ThrowsAny<SigningException>(() => PadesSigner.Prepare(bytes, Pki.RequestFor(Pki.Head)));
            Assert.False(sign.Message.Contains('\n', StringComparison.Ordinal), what);
            var verify = Assert.ThrowsAny<SigningException>(() => PdfSignatureVerifier.Verify(bytes, Policy));
            Assert.False(verify.Message.Contains('\n', StringComparison.Ordinal), what);
        }

        Assert.Contains("encrypted", Assert.ThrowsAny<SigningException>(() => PadesSigner.Prepare(inputs["encrypted"], Pki.RequestFor(Pki.Head))).Message);
    }

    [Fact]
    public async Task Report_json_has_the_documented_stable_shape_and_text_form()
    {
        var signed = await PadesSigner.SignAsync(TestPdfs.Classic, Pki.RequestFor(Pki.Head) with { FieldName = "Head" }, Pki.Head.Key, new OpenSslTimestampClient(Pki));
        var report = PdfSignatureVerifier.Verify(signed, Policy);
        var json = report.ToJson();
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("PASSED", root.GetProperty("verdict").GetString());
        var s = root.GetProperty("signatures")[0];
        foreach (var key in new[] { "fieldName", "signerSubject", "byteRange", "digestOk", "signatureOk", "signingCertificateV2Ok", "chain", "timestamp", "revision", "coversWholeDocument", "laterChanges", "indication", "subIndication", "padesLevel" })
        {
            Assert.True(s.TryGetProperty(key, out _), key);
        }

        Assert.True(s.GetProperty("timestamp").GetProperty("valid").GetBoolean());
        Assert.Equal(report.ToJson(), VerificationReport.FromJson(json).ToJson());
        var text = report.ToText();
        Assert.Contains("Signature #1 \"Head\": TOTAL_PASSED", text);
    }

    private static int CountOf(string haystack, string needle)
    {
        var n = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
