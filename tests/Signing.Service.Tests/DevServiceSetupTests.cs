using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Service.Authentication;
using Signing.Service.Authorization;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// The dev TLS material and service configuration that `signing serve` runs on, made from a dev
/// PKI on a SoftHSM2 token: the service starts on that configuration alone, and each generated
/// client certificate logs in with exactly its role.
/// </summary>
public sealed class DevServiceSetupTests
{
    private readonly IssuanceBackend _backend = IssuanceBackend.Instance;

    private DevServiceSetup NewSetup(DevLayout layout) => new(layout, new Pkcs11DevKeyStore(new Pkcs11KeyStore(_backend.Session)), new DevServiceOptions
    {
        TokenLabel = _backend.Token.Label,
        PinFile = _backend.PinFile,
        ModulePath = SoftHsm.ModulePath,
    });

    [Fact]
    public async Task The_service_starts_on_the_generated_configuration_and_every_client_certificate_has_its_role()
    {
        var setup = NewSetup(_backend.Layout);
        setup.Ensure();
        var app = ServiceHost.Build([], builder =>
        {
            builder.Configuration.AddJsonFile(setup.ConfigFile, optional: false);
            // Free ports instead of 8443/8444, and a data directory of this test's own.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Service:Listeners:Staff:Port"] = "0",
                ["Service:Listeners:Public:Port"] = "0",
                ["Signing:DataDirectory"] = RepoPaths.NewTempDirectory("dev-service-data"),
            });
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        try
        {
            var listeners = app.Services.GetRequiredService<MutualTlsListeners>();
            var root = X509CertificateLoader.LoadCertificateFromFile(_backend.Layout.CertificateFile(DevPkiBuilder.RootLabel));
            var issuing = X509CertificateLoader.LoadCertificateFromFile(_backend.Layout.CertificateFile(DevPkiBuilder.IssuingLabel));
            foreach (var role in DevServiceSetup.Roles)
            {
                Assert.Contains(role.Role, Roles.All);
                using var certificate = DevServiceSetup.Load(setup.ClientPkcs12(role));
                Assert.NotNull(certificate);
                using var client = ClientTrusting(root, issuing, certificate);
                foreach (var probe in Roles.All)
                {
                    using var response = await client.GetAsync($"https://localhost:{listeners.StaffPort}/api/auth/probe/{Probe(probe)}");
                    Assert.True((response.StatusCode == HttpStatusCode.OK) == (probe == role.Role), $"{role.Role} on the {probe} probe: {(int)response.StatusCode}");
                }
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void A_second_run_keeps_everything_and_a_damaged_file_is_reissued_alone()
    {
        var layout = new DevLayout(RepoPaths.NewTempDirectory("dev-service-home"));
        // The PKI files the configuration names live in the backend's layout; this one only needs the token.
        var setup = NewSetup(layout);
        setup.Ensure();
        var server = File.ReadAllBytes(setup.ServerPkcs12);
        var config = File.ReadAllText(setup.ConfigFile);
        var admin = setup.ClientPkcs12(DevServiceSetup.Roles[^1]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(admin));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DevServiceSetup.PasswordFileOf(admin)));
        }

        var changes = new List<string>();
        setup.Ensure(changes.Add);
        Assert.Empty(changes);
        Assert.Equal(server, File.ReadAllBytes(setup.ServerPkcs12));

        File.WriteAllText(DevServiceSetup.PasswordFileOf(admin), "wrong");
        setup.Ensure(changes.Add);
        Assert.Equal(2, changes.Count); // the admin certificate and the configuration (its thumbprint)
        Assert.Contains("Admin", changes[0], StringComparison.Ordinal);
        Assert.NotEqual(config, File.ReadAllText(setup.ConfigFile));
        Assert.Equal(server, File.ReadAllBytes(setup.ServerPkcs12));
        Assert.NotNull(DevServiceSetup.Load(admin));
    }

    private static string Probe(string role) => role switch
    {
        Roles.CounterStaff => "counter-staff",
        Roles.DepartmentHead => "department-head",
        Roles.SealOperator => "seal-operator",
        Roles.Auditor => "auditor",
        _ => "admin",
    };

    private static HttpClient ClientTrusting(X509Certificate2 root, X509Certificate2 issuing, X509Certificate2 clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [clientCertificate];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            // Name mismatch is still an error; only the trust decision is ours (the dev root).
            if (certificate is not X509Certificate2 server || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.ExtraStore.Add(issuing);
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(server);
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }
}
