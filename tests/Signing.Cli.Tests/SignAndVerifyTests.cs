using Signing.Testing;

namespace Signing.Cli.Tests;

/// <summary>`signing sign`, `verify`, `timestamp` and `demo` on the dev token, judged by pdfsig and openssl.</summary>
[Collection("cli")]
public sealed class SignAndVerifyTests(Workspace ws) : IClassFixture<Workspace>
{
    private const string Head = "pkcs11:token=signing-dev;object=head;type=private";
    private const string Seal = "pkcs11:token=signing-dev;object=seal;type=private";

    [Fact]
    public void Verify_applies_a_policy_file()
    {
        var head = ws.PathOf("policy-head.pdf");
        var r = Cli.Run("sign", ws.Unsigned, "-o", head, "--key", Head);
        Assert.True(r.ExitCode == 0, r.All);
        var root = Path.Combine(Cli.DevHome, "pki", "root-ca.pem");
        var anchorsOnly = ws.PathOf("anchors.json");
        File.WriteAllText(anchorsOnly, $$"""{ "SignatureTrustAnchors": [ "{{root}}" ], "TimestampTrustAnchors": [ "{{root}}" ] }""");
        var rsa3072 = ws.PathOf("rsa3072.json");
        File.WriteAllText(rsa3072, """{ "PublicKeys": [ { "Algorithm": "RSA", "MinBits": 3072 }, { "Algorithm": "EC", "MinBits": 256 } ] }""");

        var passed = Cli.Run("verify", head, "--policy", anchorsOnly);
        var weak = Cli.Run("verify", head, "--policy", rsa3072, "--json");

        Assert.True(passed.ExitCode == 0, passed.All);
        Assert.True(weak.ExitCode == 2, weak.All);
        Assert.Contains("\"subIndication\": \"CRYPTO_CONSTRAINTS_FAILURE\"", weak.StdOut, StringComparison.Ordinal);
    }

    private static string NssDb => "sql:" + Path.Combine(Cli.DevHome, "nssdb");

    [Fact]
    public void Head_then_seal_both_valid_and_trusted_for_pdfsig_and_our_verifier()
    {
        var head = ws.PathOf("head.pdf");
        var both = ws.PathOf("both.pdf");
        var r1 = Cli.Run("sign", ws.Unsigned, "-o", head, "--key", Head, "--image", Path.Combine(RepoPaths.Samples, "images", "signature.png"), "--rect", "330,200,150,60", "--page", "2");
        Assert.True(r1.ExitCode == 0, r1.All);
        var r2 = Cli.Run("sign", head, "-o", both, "--key", Seal, "--seal", Path.Combine(RepoPaths.Samples, "images", "seal.png"), "--agency", "Ủy ban nhân dân tỉnh Lâm Đồng", "--rect", "300,150,120,100", "--page", "2");
        Assert.True(r2.ExitCode == 0, r2.All);

        // The head's signed bytes are untouched by the seal's update.
        var headBytes = File.ReadAllBytes(head);
        Assert.True(File.ReadAllBytes(both).AsSpan(0, headBytes.Length).SequenceEqual(headBytes));

        // pdfsig asks the OCSP responder the dev certificates name (127.0.0.1:8480): serve it while pdfsig judges.
        var pdfsig = Cli.WithRevocationServer(() => ExternalTool.Run("pdfsig", "-nssdir", NssDb, both));
        Assert.Equal(2, Count(pdfsig.StdOut, "Signature is Valid."));
        Assert.Equal(2, Count(pdfsig.StdOut, "Certificate is Trusted."));

        var verify = Cli.Run("verify", both, "--json");
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.Equal(2, Count(verify.StdOut, "\"padesLevel\": \"B-T\""));

        // Still PDF/A-3b after signing: XMP claim kept, fonts embedded, qpdf happy.
        var meta = ExternalTool.RunChecked("pdfinfo", "-meta", both);
        Assert.Contains("<pdfaid:part>3</pdfaid:part>", meta.StdOut, StringComparison.Ordinal);
        Assert.Contains("<pdfaid:conformance>B</pdfaid:conformance>", meta.StdOut, StringComparison.Ordinal);
        Pikepdf.AssertPdfA3b(both);
        var fonts = ExternalTool.RunChecked("pdffonts", both);
        Assert.DoesNotContain(" no  ", fonts.StdOut.Split('\n').Skip(2).Select(l => l.Length > 60 ? l[55..] : l).Aggregate("", (a, b) => a + b), StringComparison.Ordinal);
        var qpdf = ExternalTool.Run("qpdf", "--check", both);
        Assert.True(qpdf.ExitCode == 0, qpdf.All);
    }

    /// <summary>The README's check of a demo result, as written there: `signing demo`, then pdfsig while `signing dev serve-revocation` runs.</summary>
    [Fact]
    public void The_readme_pdfsig_check_of_the_demo_result_says_both_signatures_valid_and_trusted()
    {
        var demo = Cli.Run("demo");
        Assert.True(demo.ExitCode == 0, demo.All);
        var result = Path.Combine(Cli.DevHome, "demo", "quyet-dinh.pdf");

        var pdfsig = Cli.WithRevocationServer(() => ExternalTool.Run("pdfsig", "-nssdir", NssDb, result));
        Assert.True(pdfsig.ExitCode == 0, pdfsig.All);
        Assert.Equal(2, Count(pdfsig.StdOut, "Signature is Valid."));
        Assert.Equal(2, Count(pdfsig.StdOut, "Certificate is Trusted."));
    }

    [Fact]
    public void A_flipped_byte_fails_for_our_verifier_and_pdfsig()
    {
        var signed = ws.PathOf("flip.pdf");
        Assert.Equal(0, Cli.Run("sign", ws.Unsigned, "-o", signed, "--key", Head).ExitCode);
        var bytes = File.ReadAllBytes(signed);
        bytes[2000] ^= 0x01; // inside the first signed range
        var tampered = ws.PathOf("tampered.pdf");
        File.WriteAllBytes(tampered, bytes);
        var verify = Cli.Run("verify", tampered);
        Assert.Equal(3, verify.ExitCode);
        Assert.Contains("TOTAL_FAILED", verify.StdOut, StringComparison.Ordinal);
        var pdfsig = ExternalTool.Run("pdfsig", "-nssdir", NssDb, tampered);
        Assert.DoesNotContain("Signature is Valid.", pdfsig.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cms_and_its_timestamp_pass_openssl()
    {
        var signed = ws.PathOf("cms.pdf");
        Assert.Equal(0, Cli.Run("sign", ws.Unsigned, "-o", signed, "--key", Seal).ExitCode);
        var pdf = File.ReadAllBytes(signed);
        var text = System.Text.Encoding.Latin1.GetString(pdf);
        var br = text.LastIndexOf("/ByteRange", StringComparison.Ordinal);
        var nums = text[(text.IndexOf('[', br) + 1)..text.IndexOf(']', br)].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        var content = pdf.AsSpan((int)nums[0], (int)nums[1]).ToArray().Concat(pdf.AsSpan((int)nums[2], (int)nums[3]).ToArray()).ToArray();
        var hex = text.Substring((int)nums[1] + 1, (int)(nums[2] - nums[1] - 2));
        var der = Convert.FromHexString(hex);
        var asn = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.BER);
        var cms = asn.ReadEncodedValue().ToArray(); // the DER CMS without the zero padding
        File.WriteAllBytes(ws.PathOf("sig.der"), cms);
        File.WriteAllBytes(ws.PathOf("content.bin"), content);
        var pki = Path.Combine(Cli.DevHome, "pki");
        var r = ExternalTool.Run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", ws.PathOf("sig.der"), "-content", ws.PathOf("content.bin"),
            "-CAfile", Path.Combine(pki, "root-ca.pem"), "-certfile", Path.Combine(pki, "chain.pem"), "-purpose", "any", "-out", "/dev/null");
        Assert.Contains("Verification successful", r.All, StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamp_command_writes_a_token_openssl_verifies()
    {
        var token = ws.PathOf("result.tst");
        var r = Cli.Run("timestamp", ws.Unsigned, "-o", token);
        Assert.True(r.ExitCode == 0, r.All);
        var pki = Path.Combine(Cli.DevHome, "pki");
        var v = ExternalTool.Run("openssl", "ts", "-verify", "-data", ws.Unsigned, "-in", token, "-token_in", "-CAfile", Path.Combine(pki, "root-ca.pem"), "-untrusted", Path.Combine(pki, "chain.pem"));
        Assert.Contains("Verification: OK", v.All, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokens_lists_the_dev_keys_with_their_uris()
    {
        var r = Cli.Run("tokens");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("token 'signing-dev'", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("pkcs11:token=signing-dev;object=seal;type=private;id=%73%65%61%6C  RSA-3072", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("pkcs11:token=signing-dev;object=signer2;type=private;id=%73%69%67%6E%65%72%32  EC-256", r.StdOut, StringComparison.Ordinal);
    }

    private static int Count(string s, string what) => (s.Length - s.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;
}
