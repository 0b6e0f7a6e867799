using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Signing.Service.Authentication;
using Signing.Service.Authorization;

namespace Signing.Service.Tests;

/// <summary>
/// The real service host on Kestrel, both listeners on 127.0.0.1 with OS-chosen ports and real
/// TLS, configured against a <see cref="TestPki"/>. Clients are SocketsHttpHandler-based and
/// trust only the test root for the server.
/// </summary>
public sealed class RunningService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestPki _pki;

    public int StaffPort { get; }
    public int PublicPort { get; }

    private RunningService(WebApplication app, TestPki pki, int staffPort, int publicPort)
    {
        _app = app;
        _pki = pki;
        StaffPort = staffPort;
        PublicPort = publicPort;
    }

    /// <summary>Configuration every test server starts from; role mappings use all three kinds of rule.</summary>
    public static Dictionary<string, string?> DefaultSettings(TestPki pki, string? issuingCrl = null) => new(IssuanceBackend.Instance.Settings())
    {
        ["Service:Listeners:Staff:Address"] = "127.0.0.1",
        ["Service:Listeners:Staff:Port"] = "0",
        ["Service:Listeners:Public:Address"] = "127.0.0.1",
        ["Service:Listeners:Public:Port"] = "0",
        ["Service:ServerCertificate:Path"] = pki.ServerPfx,
        ["Service:ServerCertificate:Password"] = TestPki.ServerPassword,
        ["Authentication:ClientCertificate:TrustedCaCertificates:0"] = pki.RootPem,
        ["Authentication:ClientCertificate:IntermediateCertificates:0"] = pki.IssuingPem,
        ["Authentication:ClientCertificate:Crl:Files:0"] = issuingCrl ?? pki.IssuingCrl,
        ["Authentication:ClientCertificate:Crl:Files:1"] = pki.RootCrl,
        ["Authentication:ClientCertificate:Crl:ReloadCheckInterval"] = "00:00:00",
        // by subject DN
        ["Authorization:Roles:CounterStaff:0"] = TestPki.SubjectOf(Roles.CounterStaff),
        ["Authorization:Roles:Admin:0"] = TestPki.SubjectOf(Roles.Admin),
        // by SHA-256 thumbprint, with and without the prefix
        ["Authorization:Roles:DepartmentHead:0"] = "sha256:" + CertificateRoleMapper.Sha256Thumbprint(pki.RoleClients[Roles.DepartmentHead]),
        ["Authorization:Roles:SealOperator:0"] = CertificateRoleMapper.Sha256Thumbprint(pki.RoleClients[Roles.SealOperator]).ToLowerInvariant(),
        // by issuer + OU
        ["Authorization:RolesByIssuerAndOu:0:Role"] = Roles.Auditor,
        ["Authorization:RolesByIssuerAndOu:0:Issuer"] = pki.Issuing.Subject,
        ["Authorization:RolesByIssuerAndOu:0:OrganizationalUnit"] = "audit",
    };

    public static async Task<RunningService> StartAsync(TestPki pki, Dictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var app = ServiceHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings ?? DefaultSettings(pki));
            builder.Logging.ClearProviders();
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        var listeners = app.Services.GetRequiredService<MutualTlsListeners>();
        return new RunningService(app, pki, listeners.StaffPort, listeners.PublicPort);
    }

    public IServiceProvider Services => _app.Services;

    public Uri Staff(string path) => new($"https://127.0.0.1:{StaffPort}{path}");

    public Uri Public(string path) => new($"https://127.0.0.1:{PublicPort}{path}");

    /// <summary>An HTTP client presenting <paramref name="clientCertificate"/> (or none) and trusting only the test root.</summary>
    public HttpClient Client(X509Certificate2? clientCertificate) => CreateClient(_pki, clientCertificate);

    /// <summary>
    /// A <see cref="Client"/> that starts no span in this process and sends no traceparent of its
    /// own, as a caller in another process: the service's tracer sees only its own spans and the caller's headers.
    /// </summary>
    public HttpClient UntracedClient(X509Certificate2? clientCertificate) => CreateClient(_pki, clientCertificate, traced: false);

    /// <summary>See <see cref="Client"/>.</summary>
    public static HttpClient CreateClient(TestPki pki, X509Certificate2? clientCertificate, bool traced = true)
    {
        var handler = new SocketsHttpHandler
        {
            // Without a propagator the handler has no diagnostics stage: no client span, no injected traceparent.
            ActivityHeadersPropagator = traced ? System.Diagnostics.DistributedContextPropagator.Current : null,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => pki.ValidateServer(certificate as X509Certificate2),
            },
        };
        if (clientCertificate != null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            // Select explicitly: .NET's own selection skips certificates without clientAuth EKU,
            // and those are exactly what some tests must send.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }
        // A seal makes a B-LTA result (two timestamps, two rounds of revocation data): on a shared
        // machine under load that is seconds, not milliseconds, so the client waits longer than a page would.
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(90) };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
