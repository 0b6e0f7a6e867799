using System.Security.Cryptography.X509Certificates;
using Signing.Testing;

namespace Signing.DevPki.Tests;

public sealed class DevPkiIdempotencyTests : IDisposable
{
    private readonly InMemoryDevKeyStore _store = new();
    private readonly DevLayout _layout = new(RepoPaths.NewTempDirectory("devpki-idem"));

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_layout.Home, recursive: true);
    }

    [Fact]
    public void Running_twice_changes_no_key_certificate_or_pem_file_and_only_advances_the_crls()
    {
        var first = new DevPkiBuilder(_store, _layout).Build();
        var pemFiles = Directory.GetFiles(_layout.PkiDirectory, "*.pem").ToDictionary(f => f, f => (File.ReadAllBytes(f), File.GetLastWriteTimeUtc(f)));
        var crlNumberBefore = CrlNumber("issuing-ca");

        var second = new DevPkiBuilder(_store, _layout).Build();

        Assert.Empty(second.GeneratedKeys);
        Assert.Empty(second.IssuedCertificates);
        foreach (var (label, cert) in first.Certificates) Assert.Equal(cert.RawData, second.Certificates[label].RawData);
        foreach (var (file, (bytes, time)) in pemFiles)
        {
            Assert.Equal(bytes, File.ReadAllBytes(file));
            Assert.Equal(time, File.GetLastWriteTimeUtc(file));
        }

        Assert.Equal(crlNumberBefore + 1, CrlNumber("issuing-ca"));
    }

    [Fact]
    public void A_missing_certificate_is_reissued_and_nothing_else()
    {
        var first = new DevPkiBuilder(_store, _layout).Build();
        _store.DeleteCertificate("head");
        File.Delete(_layout.CertificateFile("head"));

        var second = new DevPkiBuilder(_store, _layout).Build();

        Assert.Equal(["head"], second.IssuedCertificates);
        Assert.NotEqual(first.Certificates["head"].RawData, second.Certificates["head"].RawData);
        Assert.Equal(first.Certificates["head"].PublicKey.ExportSubjectPublicKeyInfo(), second.Certificates["head"].PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(second.Certificates["head"].RawData, X509Certificate2.CreateFromPem(File.ReadAllText(_layout.CertificateFile("head"))).RawData);
        ExternalTool.RunChecked("openssl", "verify", "-CAfile", _layout.CertificateFile("root-ca"), "-untrusted", _layout.CertificateFile("issuing-ca"), _layout.CertificateFile("head"));
    }

    [Fact]
    public void A_replaced_ca_key_reissues_the_ca_and_everything_below_it_but_not_the_root()
    {
        var first = new DevPkiBuilder(_store, _layout).Build();
        _store.DeleteKey("issuing-ca");

        var second = new DevPkiBuilder(_store, _layout).Build();

        Assert.Equal(["issuing-ca"], second.GeneratedKeys);
        Assert.Equal(["issuing-ca", "head", "seal", "signer2", "tsa", "ocsp", "seal-qr"], second.IssuedCertificates);
        Assert.Equal(first.Root.RawData, second.Root.RawData);
        ExternalTool.RunChecked("openssl", "verify", "-CAfile", _layout.CertificateFile("root-ca"), "-untrusted", _layout.CertificateFile("issuing-ca"), _layout.CertificateFile("tsa"));
        var crl = ExternalTool.RunChecked("openssl", "crl", "-inform", "DER", "-in", _layout.CrlFile("issuing-ca"), "-CAfile", _layout.CertificateFile("issuing-ca"), "-noout", "-verify");
        Assert.Contains("verify OK", crl.All, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_end_entity_certificate_is_reissued()
    {
        var clock = new MovableClock(DateTimeOffset.UtcNow);
        new DevPkiBuilder(_store, _layout, new DevPkiOptions { Clock = clock }).Build();
        clock.Now += TimeSpan.FromDays(3 * 365); // the 2-year end-entity certificates have expired

        var later = new DevPkiBuilder(_store, _layout, new DevPkiOptions { Clock = clock }).Build();

        Assert.Equal(["head", "seal", "signer2", "tsa", "ocsp", "seal-qr"], later.IssuedCertificates); // the OCSP responder (90 days) too
        Assert.True(later.Certificates["head"].NotAfter.ToUniversalTime() > clock.Now.UtcDateTime);
    }

    [Fact]
    public void The_crl_distribution_point_url_is_configurable()
    {
        var result = new DevPkiBuilder(_store, _layout, new DevPkiOptions { CrlBaseUrl = new Uri("http://pki.example.test/crl/") }).Build();
        var text = ExternalTool.RunChecked("openssl", "x509", "-noout", "-ext", "crlDistributionPoints", "-in", _layout.CertificateFile("seal")).StdOut;
        Assert.Contains("URI:http://pki.example.test/crl/issuing-ca.crl", text, StringComparison.Ordinal);
        Assert.NotNull(result.Certificates["seal"]);
    }

    [Fact]
    public void Tls_client_and_server_certificates_come_as_pkcs12_files_with_the_right_ekus()
    {
        var builder = new DevPkiBuilder(_store, _layout);
        builder.Build();
        var client = Path.Combine(_layout.Home, "tls", "staff.p12");
        var server = Path.Combine(_layout.Home, "tls", "server.p12");
        builder.IssueTlsClientCertificate("Lê Thị Cẩm", client, "dev-pass");
        builder.IssueTlsServerCertificate(server, "dev-pass");

        var dir = RepoPaths.NewTempDirectory("devpki-tls");
        try
        {
            foreach (var (p12, purpose) in new[] { (client, "sslclient"), (server, "sslserver") })
            {
                var leaf = Path.Combine(dir, purpose + ".pem");
                ExternalTool.RunChecked("openssl", "pkcs12", "-in", p12, "-passin", "pass:dev-pass", "-clcerts", "-nokeys", "-out", leaf);
                var keyCheck = ExternalTool.RunChecked("openssl", "pkcs12", "-in", p12, "-passin", "pass:dev-pass", "-nocerts", "-nodes");
                Assert.Contains("PRIVATE KEY", keyCheck.StdOut, StringComparison.Ordinal);
                var r = ExternalTool.RunChecked("openssl", "verify", "-purpose", purpose, "-CAfile", _layout.CertificateFile("root-ca"), "-untrusted", _layout.CertificateFile("issuing-ca"), leaf);
                Assert.Contains(": OK", r.StdOut, StringComparison.Ordinal);
            }

            var san = ExternalTool.RunChecked("openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", Path.Combine(dir, "sslserver.pem")).StdOut;
            Assert.Contains("DNS:localhost", san, StringComparison.Ordinal);
            Assert.Contains("IP Address:127.0.0.1", san, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Tls_certificates_need_the_hierarchy_first()
    {
        var e = Assert.Throws<Signing.Core.SigningException>(() =>
            new DevPkiBuilder(_store, _layout).IssueTlsServerCertificate(Path.Combine(_layout.Home, "s.p12"), "x"));
        Assert.Contains("build the dev PKI first", e.Message, StringComparison.Ordinal);
    }

    private int CrlNumber(string ca)
    {
        var r = ExternalTool.RunChecked("openssl", "crl", "-inform", "DER", "-in", _layout.CrlFile(ca), "-noout", "-crlnumber");
        return Convert.ToInt32(r.StdOut.Trim().Split('=')[1], 16);
    }

    private sealed class MovableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
