using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Signing.Pades.LongTerm;
using Signing.Revocation;
using Signing.Testing;
using Signing.Testing.ForeignSigners;
using Signing.Testing.Pades;
using Signing.Validation;
using Signing.Validation.Policy;

namespace Signing.Pades.Tests.LongTerm;

/// <summary>
/// B-LT and B-LTA files judged by tools that are not ours: pdfsig and mutool on the signatures,
/// `openssl ts -verify` on the document timestamp, and every certificate, OCSP response and CRL that
/// pikepdf extracts from the /DSS checked by `openssl verify`, `openssl ocsp` and `openssl crl`.
/// </summary>
public sealed class LongTermJudgedOutsideTests : IClassFixture<LongTermJudgedOutsideTests.Pki>
{
    private const string DssDump = """
        import json, sys, os, pikepdf
        pdf = pikepdf.open(sys.argv[1])
        dss = pdf.Root.DSS
        out = sys.argv[2]
        counts = {}
        for key in ("/Certs", "/OCSPs", "/CRLs"):
            items = dss.get(key, [])
            counts[key[1:]] = len(items)
            for i, s in enumerate(items):
                open(os.path.join(out, "%s-%d.der" % (key[1:], i)), "wb").write(s.read_bytes())
        counts["VRI"] = sorted(str(k)[1:] for k in dss.get("/VRI", {}).keys())
        print(json.dumps(counts))
        """;

    private readonly RevocationPki _pki;

    public LongTermJudgedOutsideTests(Pki fixture) => _pki = fixture.Value;

    public sealed class Pki : IDisposable
    {
        public RevocationPki Value { get; } = new();

        public void Dispose() => Value.Dispose();
    }

    /// <summary>The dev CAs' CRL files as a revocation source, so that a /DSS carries CRLs instead of OCSP responses.</summary>
    private sealed class CrlFileSource(RevocationPki pki) : IRevocationSource
    {
        public RevocationLookup Find(X509Certificate2 certificate, X509Certificate2 issuer, DateTimeOffset now)
        {
            foreach (var ca in new[] { "issuing-ca", "root-ca" })
            {
                var (answer, _) = Crl.Check(File.ReadAllBytes(pki.Layout.CrlFile(ca)), certificate, issuer);
                if (answer is not null) return new RevocationLookup([answer], []);
            }

            return RevocationLookup.None("no dev CRL is the issuer's");
        }
    }

    [Fact]
    public async Task A_B_LTA_result_satisfies_pdfsig_mutool_openssl_ts_and_every_DSS_entry_satisfies_openssl()
    {
        var pdf = await _pki.SignAsync(PadesLevel.BLTA);

        // pdfsig and mutool: the signature is valid (neither verifies a document timestamp; both must not call it broken).
        var pdfsig = OutsideVerdicts.PdfSig(pdf);
        Assert.Equal(IntegrityVerdict.Valid, pdfsig[0].Integrity);
        Assert.All(pdfsig, v => Assert.NotEqual(IntegrityVerdict.Invalid, v.Integrity));
        var mutool = OutsideVerdicts.Mutool(pdf);
        Assert.Equal(IntegrityVerdict.Valid, mutool[0].Integrity);
        Assert.All(mutool, v => Assert.NotEqual(IntegrityVerdict.Invalid, v.Integrity));

        // openssl ts -verify: the document timestamp covers its ByteRange and chains to the dev root.
        var extracted = Judges.Extract(pdf);
        Assert.Equal(2, extracted.Count);
        var dir = RepoPaths.NewTempDirectory("ltv-judges");
        var token = Path.Combine(dir, "doc.tst");
        var data = Path.Combine(dir, "doc.bin");
        File.WriteAllBytes(token, extracted[1].Cms);
        File.WriteAllBytes(data, extracted[1].SignedBytes);
        var root = Path.Combine(dir, "root.pem");
        File.WriteAllText(root, _pki.Root.ExportCertificatePem());
        var issuing = Path.Combine(dir, "issuing.pem");
        File.WriteAllText(issuing, _pki.Result.IssuingCa.ExportCertificatePem());
        var ts = ExternalTool.Run("openssl", "ts", "-verify", "-in", token, "-token_in", "-data", data, "-CAfile", root, "-untrusted", issuing);
        Assert.True(ts.ExitCode == 0 && ts.All.Contains("Verification: OK", StringComparison.Ordinal), ts.All);

        var counts = Dump(pdf, dir);
        Assert.True(counts.GetProperty("OCSPs").GetInt32() >= 2, counts.ToString()); // signer, its CA and the TSA chain
        Assert.Equal(2, counts.GetProperty("VRI").GetArrayLength()); // the signature and the document timestamp
        var vri = counts.GetProperty("VRI").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(Contents(pdf, extracted[0]))), vri);
        JudgeEntries(dir, root, issuing, counts);
    }

    [Fact]
    public async Task A_B_LT_result_with_CRLs_satisfies_openssl_crl_and_verifies_offline()
    {
        var request = new SignatureRequest { SignerCertificate = _pki.Certificate("seal"), Chain = [_pki.Result.IssuingCa, _pki.Root] };
        var signed = await PadesSigner.SignAsync(TestPdfs.Classic, request, _pki.Store.FindKey("seal")!, _pki.Tsa);
        var pdf = await LongTermUpdate.ExtendAsync(signed, PadesLevel.BLT, new CrlFileSource(_pki), _pki.Tsa);

        var dir = RepoPaths.NewTempDirectory("ltv-crl");
        var root = Path.Combine(dir, "root.pem");
        File.WriteAllText(root, _pki.Root.ExportCertificatePem());
        var issuing = Path.Combine(dir, "issuing.pem");
        File.WriteAllText(issuing, _pki.Result.IssuingCa.ExportCertificatePem());
        var counts = Dump(pdf, dir);
        Assert.Equal(2, counts.GetProperty("CRLs").GetInt32()); // the issuing CA's and the root's
        Assert.Equal(0, counts.GetProperty("OCSPs").GetInt32());
        JudgeEntries(dir, root, issuing, counts);

        var report = PdfSignatureVerifier.Verify(pdf, new VerificationPolicy { TrustAnchors = _pki.Anchors, Revocation = new RevocationPolicy { Mode = RevocationMode.Offline } });
        Assert.True(report.Verdict == Verdict.PASSED, report.ToText());
        Assert.Equal("B-LT", report.Signatures[0].PadesLevel);
        Assert.Contains(report.Signatures[0].Messages, m => m.Contains("not revoked according to the CRL", StringComparison.Ordinal));
    }

    private static JsonElement Dump(byte[] pdf, string dir)
    {
        var path = Path.Combine(dir, "ltv.pdf");
        File.WriteAllBytes(path, pdf);
        var r = ExternalTool.Run("/usr/bin/python3", "-c", DssDump, path, dir);
        Assert.True(r.ExitCode == 0, r.All);
        return JsonDocument.Parse(r.StdOut).RootElement.Clone();
    }

    /// <summary>openssl judges every entry: certificates chain to the root, OCSP responses verify, CRLs verify against their CA.</summary>
    private static void JudgeEntries(string dir, string root, string issuing, JsonElement counts)
    {
        var certs = Enumerable.Range(0, counts.GetProperty("Certs").GetInt32()).Select(i => Path.Combine(dir, $"Certs-{i}.der")).ToList();
        Assert.NotEmpty(certs);
        var bundle = Path.Combine(dir, "dss-certs.pem");
        File.WriteAllText(bundle, string.Concat(certs.Select(c => X509CertificateLoader.LoadCertificateFromFile(c).ExportCertificatePem() + "\n")));
        foreach (var cert in certs)
        {
            var v = ExternalTool.Run("openssl", "verify", "-CAfile", root, "-untrusted", bundle, "-partial_chain", "-x509_strict", cert);
            Assert.True(v.ExitCode == 0 && v.StdOut.Contains(": OK", StringComparison.Ordinal), v.All);
        }

        for (var i = 0; i < counts.GetProperty("OCSPs").GetInt32(); i++)
        {
            var o = ExternalTool.Run("openssl", "ocsp", "-respin", Path.Combine(dir, $"OCSPs-{i}.der"), "-CAfile", root, "-verify_other", bundle, "-resp_text");
            Assert.True(o.ExitCode == 0 && o.All.Contains("Response verify OK", StringComparison.Ordinal), o.All);
            Assert.Contains("Cert Status: good", o.StdOut, StringComparison.Ordinal);
        }

        var chain = Path.Combine(dir, "chain.pem");
        File.WriteAllText(chain, File.ReadAllText(issuing) + "\n" + File.ReadAllText(root) + "\n");
        for (var i = 0; i < counts.GetProperty("CRLs").GetInt32(); i++)
        {
            var c = ExternalTool.Run("openssl", "crl", "-inform", "DER", "-in", Path.Combine(dir, $"CRLs-{i}.der"), "-noout", "-CAfile", chain, "-verify");
            Assert.True(c.ExitCode == 0 && c.All.Contains("verify OK", StringComparison.Ordinal), c.All);
        }
    }

    /// <summary>The /Contents string of a signature as stored (zero padding included), what the VRI key hashes.</summary>
    private static byte[] Contents(byte[] pdf, ExtractedSignature s) =>
        Convert.FromHexString(System.Text.Encoding.ASCII.GetString(pdf, (int)s.ByteRange[1] + 1, (int)(s.ByteRange[2] - s.ByteRange[1] - 2)));
}
