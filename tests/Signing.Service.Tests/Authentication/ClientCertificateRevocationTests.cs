using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Revocation;
using Signing.Service.Authorization;
using Signing.Testing;
using Signing.Testing.DevPki;

namespace Signing.Service.Tests.Authentication;

/// <summary>
/// A staff client certificate of the dev PKI checked over a real TLS handshake with
/// RevocationMode Online: the verifier's machinery asks the certificate's OCSP responder (no CRL
/// file is configured for its CA), reuses the answer until its nextUpdate, and once the dev CA
/// revokes the certificate — what `signing dev revoke` does — the next answer shuts it out.
/// </summary>
public sealed class ClientCertificateRevocationTests(TestPki pki) : IClassFixture<TestPki>
{
    [Fact]
    public async Task Online_mode_asks_OCSP_caches_until_nextUpdate_and_a_dev_revocation_shuts_the_staff_certificate_out()
    {
        var backend = IssuanceBackend.Instance;
        var store = new Pkcs11DevKeyStore(new Pkcs11KeyStore(backend.Session));
        // Its own responder with short-lived answers, serving the backend's dev CA; the certificate names its port.
        await using var responder = new LoopbackRevocation { OcspValidity = TimeSpan.FromSeconds(4) };
        responder.Start(store, backend.Layout);
        var builder = new DevPkiBuilder(store, backend.Layout, responder.Options);
        var p12 = Path.Combine(RepoPaths.NewTempDirectory("client-ocsp"), "staff.p12");
        builder.IssueTlsClientCertificate("Nhân viên Một cửa (OCSP)", p12, "test-password");
        using var staff = X509CertificateLoader.LoadPkcs12FromFile(p12, "test-password");
        Assert.Contains(responder.BaseUrl, string.Join(" ", CertificateLocations.OcspUrls(staff).Select(u => u.AbsoluteUri)), StringComparison.Ordinal);

        var settings = RunningService.DefaultSettings(pki);
        settings["Authentication:ClientCertificate:TrustedCaCertificates:1"] = backend.Layout.CertificateFile(DevPkiBuilder.RootLabel);
        settings["Authentication:ClientCertificate:IntermediateCertificates:1"] = backend.Layout.CertificateFile(DevPkiBuilder.IssuingLabel);
        settings["Authentication:ClientCertificate:RevocationMode"] = "Online";
        settings["Authorization:Roles:CounterStaff:1"] = CertificateRoleMapper.Sha256Thumbprint(staff);
        await using var service = await RunningService.StartAsync(pki, settings);
        var source = Assert.IsType<OnlineRevocationSource>(service.Services.GetRequiredService<IRevocationSource>());
        var probe = service.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]);

        using (var client = service.Client(staff))
        using (var first = await client.GetAsync(probe))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var fetches = source.Fetches;
        Assert.True(fetches >= 1, "the OCSP responder was asked");

        // A second handshake within nextUpdate: the cached answer, no new request.
        using (var client = service.Client(staff))
        using (var second = await client.GetAsync(probe))
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(fetches, source.Fetches);

        // The dev CA revokes it; once the cached answer's nextUpdate has passed, the next handshake is refused.
        Assert.True(builder.Revoke(staff));
        await Task.Delay(TimeSpan.FromSeconds(5));
        using (var client = service.Client(staff))
        using (var refused = await client.GetAsync(probe))
            await MutualTlsAuthenticationTests.AssertProblemAsync(refused, 401, "revoked");
        Assert.True(source.Fetches > fetches);

        // The service's other staff (the test CA, no OCSP URL) still get in through the CRL files.
        using var other = service.Client(pki.RoleClients[Roles.CounterStaff]);
        using var ok = await other.GetAsync(probe);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
