using System.Security.Cryptography.X509Certificates;
using Signing.Pkcs11;
using Signing.Testing;

namespace Signing.DevPki.Tests;

/// <summary>The dev PKI's revocation: URLs in the certificates, `Revoke` on the CRL, the OCSP responder; openssl judges all three.</summary>
public sealed class DevRevocationTests : IDisposable
{
    private readonly TestToken _testToken = SoftHsm.CreateToken("rev-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Pkcs11Token _token;
    private readonly DevLayout _layout = new(RepoPaths.NewTempDirectory("devpki-revocation"));
    private readonly Pkcs11DevKeyStore _store;

    public DevRevocationTests()
    {
        _token = _testToken.Open();
        _store = new Pkcs11DevKeyStore(new Pkcs11KeyStore(_token));
        new DevPkiBuilder(_store, _layout).Build();
    }

    private string Pem(string label) => _layout.CertificateFile(label);

    private string Chain => Path.Combine(_layout.PkiDirectory, DevPkiBuilder.ChainFileName);

    [Fact]
    public void Every_issued_certificate_names_its_CRL_OCSP_responder_and_CA_certificate_on_loopback()
    {
        foreach (var (label, ca) in new[] { ("head", "issuing-ca"), ("seal", "issuing-ca"), ("tsa", "issuing-ca"), ("ocsp", "issuing-ca"), ("issuing-ca", "root-ca") })
        {
            var text = ExternalTool.RunChecked("openssl", "x509", "-in", Pem(label), "-noout", "-ext", "crlDistributionPoints,authorityInfoAccess").StdOut;
            Assert.Contains($"URI:http://127.0.0.1:8480/crl/{ca}.crl", text, StringComparison.Ordinal);
            Assert.Contains($"OCSP - URI:http://127.0.0.1:8480/ocsp/{ca}", text, StringComparison.Ordinal);
            Assert.Contains($"CA Issuers - URI:http://127.0.0.1:8480/ca/{ca}.cer", text, StringComparison.Ordinal);
        }

        // The delegated responder: id-kp-OCSPSigning and id-pkix-ocsp-nocheck, issued by the issuing CA.
        var responder = ExternalTool.RunChecked("openssl", "x509", "-in", Pem("ocsp"), "-noout", "-text").StdOut;
        Assert.Contains("OCSP Signing", responder, StringComparison.Ordinal);
        Assert.Contains("OCSP No Check", responder, StringComparison.Ordinal);
        Assert.Contains(": OK", ExternalTool.RunChecked("openssl", "verify", "-CAfile", Pem("root-ca"), "-untrusted", Pem("issuing-ca"), "-purpose", "ocsphelper", Pem("ocsp")).StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoke_lists_the_certificate_with_reason_and_time_and_the_CRL_verifies()
    {
        var head = X509CertificateLoader.LoadCertificateFromFile(Pem("head"));
        var builder = new DevPkiBuilder(_store, _layout);
        var at = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
        Assert.True(builder.Revoke(head, X509RevocationReason.KeyCompromise, at));
        Assert.False(builder.Revoke(head, X509RevocationReason.Superseded)); // idempotent: the first entry stays

        var crl = ExternalTool.RunChecked("openssl", "crl", "-inform", "DER", "-in", _layout.CrlFile("issuing-ca"), "-noout", "-text", "-CAfile", Chain, "-verify");
        Assert.Contains("verify OK", crl.All, StringComparison.Ordinal);
        Assert.Contains("Serial Number: " + head.SerialNumber, crl.StdOut, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Key Compromise", crl.StdOut, StringComparison.Ordinal);
        Assert.Contains("Nov 30 08:00:00 2026 GMT", crl.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("Superseded", crl.StdOut, StringComparison.Ordinal);

        // A rebuild keeps the revocation.
        new DevPkiBuilder(_store, _layout).Build();
        Assert.Contains("Key Compromise", ExternalTool.RunChecked("openssl", "crl", "-inform", "DER", "-in", _layout.CrlFile("issuing-ca"), "-noout", "-text").StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void The_OCSP_responders_answer_good_then_revoked_and_openssl_verifies_every_answer()
    {
        var responder = new DevOcspResponder(_store, _layout);
        Assert.Contains("head.pem: good", Ask(responder, "issuing-ca", "head"), StringComparison.Ordinal);
        // The root answers for the issuing CA itself, signing with its own key.
        Assert.Contains("issuing-ca.pem: good", Ask(responder, "root-ca", "issuing-ca"), StringComparison.Ordinal);

        new DevPkiBuilder(_store, _layout).Revoke(X509CertificateLoader.LoadCertificateFromFile(Pem("head")), X509RevocationReason.CessationOfOperation);
        var revoked = Ask(responder, "issuing-ca", "head");
        Assert.Contains("head.pem: revoked", revoked, StringComparison.Ordinal);
        Assert.Contains("Reason: cessationOfOperation", revoked, StringComparison.Ordinal);
        Assert.Contains("seal.pem: good", Ask(responder, "issuing-ca", "seal"), StringComparison.Ordinal);

        // Garbage is a malformedRequest answer, not a crash.
        Assert.Equal([0x30, 0x03, 0x0A, 0x01, 0x01], responder.Answer("issuing-ca", [1, 2, 3]));
    }

    /// <summary>openssl makes the request (with a nonce, which the answer must echo) and judges the answer: signature, responder authorisation, status.</summary>
    private string Ask(DevOcspResponder responder, string ca, string label)
    {
        var dir = RepoPaths.NewTempDirectory("ocsp");
        var req = Path.Combine(dir, "req.der");
        var resp = Path.Combine(dir, "resp.der");
        ExternalTool.RunChecked("openssl", "ocsp", "-issuer", Pem(ca), "-cert", Pem(label), "-reqout", req);
        File.WriteAllBytes(resp, responder.Answer(ca, File.ReadAllBytes(req)));
        var text = ExternalTool.RunChecked("openssl", "ocsp", "-reqin", req, "-req_text").StdOut;
        var nonce = text[(text.IndexOf("OCSP Nonce:", StringComparison.Ordinal) + 11)..].Trim().Split('\n')[0].Trim();
        Assert.Contains(nonce, ExternalTool.RunChecked("openssl", "ocsp", "-respin", resp, "-resp_text", "-noverify").StdOut, StringComparison.Ordinal);
        // Judged with the certificate named (openssl would build a fresh request, so its nonce is not compared again).
        var r = ExternalTool.Run("openssl", "ocsp", "-respin", resp, "-issuer", Pem(ca), "-cert", Pem(label), "-CAfile", Chain, "-no_nonce");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("Response verify OK", r.All, StringComparison.Ordinal);
        Directory.Delete(dir, true);
        return r.StdOut;
    }

    public void Dispose()
    {
        _token.Dispose();
        Directory.Delete(_layout.Home, recursive: true);
    }
}
