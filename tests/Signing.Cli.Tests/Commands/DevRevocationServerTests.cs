using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Revocation;
using Signing.Testing;

namespace Signing.Cli.Tests.Commands;

/// <summary>
/// `signing dev serve-revocation` over real HTTP on loopback, for a dev PKI on a test token whose
/// certificates name the server's port: openssl fetches OCSP and CRLs from the certificates' own URLs,
/// and <see cref="OnlineRevocationSource"/> fetches, caches until nextUpdate and sees a revocation.
/// </summary>
public sealed class DevRevocationServerTests : IAsyncLifetime
{
    private readonly TestToken _testToken = SoftHsm.CreateToken("srv-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly DevLayout _layout = new(RepoPaths.NewTempDirectory("rev-server"));
    private Pkcs11Token _token = null!;
    private Pkcs11DevKeyStore _store = null!;
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _token = _testToken.Open();
        _store = new Pkcs11DevKeyStore(new Pkcs11KeyStore(_token));
        var options = new DevPkiOptions
        {
            CrlBaseUrl = new($"http://127.0.0.1:{_port}/crl/"),
            OcspBaseUrl = new($"http://127.0.0.1:{_port}/ocsp/"),
            CaIssuersBaseUrl = new($"http://127.0.0.1:{_port}/ca/"),
        };
        new DevPkiBuilder(_store, _layout, options).Build();
        _app = DevRevocationServer.Build(new DevOcspResponder(_store, _layout), _layout, _store, $"http://127.0.0.1:{_port}");
        await _app.StartAsync();
    }

    private string Pem(string label) => _layout.CertificateFile(label);

    private X509Certificate2 Cert(string label) => X509CertificateLoader.LoadCertificateFromFile(Pem(label));

    [Fact]
    public async Task Openssl_asks_the_URLs_in_the_certificate_and_the_answers_verify()
    {
        var chain = Path.Combine(_layout.PkiDirectory, DevPkiBuilder.ChainFileName);
        var ocspUrl = Assert.Single(CertificateLocations.OcspUrls(Cert("head"))).AbsoluteUri;
        var r = ExternalTool.Run("openssl", "ocsp", "-issuer", Pem("issuing-ca"), "-cert", Pem("head"), "-url", ocspUrl, "-CAfile", chain);
        Assert.True(r.ExitCode == 0 && r.All.Contains("Response verify OK", StringComparison.Ordinal), r.All);
        Assert.Contains("head.pem: good", r.StdOut, StringComparison.Ordinal);

        var crlPath = Path.Combine(_layout.Home, "fetched.crl");
        var crlUrl = Assert.Single(CertificateLocations.CrlUrls(Cert("head")));
        using var http = new HttpClient();
        File.WriteAllBytes(crlPath, await http.GetByteArrayAsync(crlUrl));
        var crl = ExternalTool.Run("openssl", "crl", "-inform", "DER", "-in", crlPath, "-noout", "-CAfile", chain, "-verify");
        Assert.Contains("verify OK", crl.All, StringComparison.Ordinal);

        var caIssuers = Assert.Single(CertificateLocations.CaIssuersUrls(Cert("head")));
        Assert.Equal(Cert("issuing-ca").RawData, await http.GetByteArrayAsync(caIssuers));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"http://127.0.0.1:{_port}/crl/head.crl"))).StatusCode);
    }

    [Fact]
    public void The_online_source_fetches_once_caches_by_next_update_and_a_fresh_source_sees_a_revocation()
    {
        using var source = new OnlineRevocationSource();
        var head = Cert("head");
        var issuing = Cert("issuing-ca");
        var first = Assert.Single(source.Find(head, issuing, DateTimeOffset.UtcNow).Answers);
        Assert.Equal(CertificateStatus.Good, first.Status);
        Assert.Equal(RevocationSourceKind.Ocsp, first.Source);
        Assert.Single(source.Find(head, issuing, DateTimeOffset.UtcNow).Answers);
        Assert.Equal(1, source.Fetches); // the second answer came from the cache

        new DevPkiBuilder(_store, _layout).Revoke(head, X509RevocationReason.KeyCompromise);
        using var fresh = new OnlineRevocationSource();
        var revoked = Assert.Single(fresh.Find(head, issuing, DateTimeOffset.UtcNow).Answers);
        Assert.Equal(CertificateStatus.Revoked, revoked.Status);
        Assert.Equal("keyCompromise", revoked.Reason);
    }

    [Fact]
    public async Task A_dead_server_is_a_clear_problem_naming_the_OCSP_responder_and_the_CRL_both_tried()
    {
        await _app.StopAsync();
        using var source = new OnlineRevocationSource(new OnlineRevocationOptions { Timeout = TimeSpan.FromSeconds(2) });
        var lookup = source.Find(Cert("head"), Cert("issuing-ca"), DateTimeOffset.UtcNow);
        Assert.Empty(lookup.Answers);
        Assert.Contains(lookup.Problems, p => p.StartsWith("OCSP http://127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(lookup.Problems, p => p.StartsWith("CRL http://127.0.0.1:", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _token.Dispose();
        Directory.Delete(_layout.Home, recursive: true);
    }
}
