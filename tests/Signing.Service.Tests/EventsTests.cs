using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Signing.Service.Authentication;
using Signing.Service.Authorization;

namespace Signing.Service.Tests;

/// <summary>
/// The certificate scheme's event hooks stay free for hosts: each runs after the service's own
/// step (CRL check and roles, reasons, the 401 problem), over real TLS.
/// </summary>
public sealed class EventsTests(TestPki pki) : IClassFixture<TestPki>
{
    private async Task<(Microsoft.AspNetCore.Builder.WebApplication App, MutualTlsListeners Listeners)> StartAsync(
        Action<CertificateAuthenticationEvents> configure)
    {
        var app = ServiceHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(RunningService.DefaultSettings(pki));
            builder.Logging.ClearProviders();
            builder.Services.PostConfigure<CertificateAuthenticationOptions>(
                CertificateAuthenticationDefaults.AuthenticationScheme, o => configure(o.Events!));
        });
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<MutualTlsListeners>());
    }

    [Fact]
    public async Task Hooks_can_reject_a_valid_certificate_add_claims_and_write_their_own_challenge()
    {
        var failures = new List<string>();
        var (app, listeners) = await StartAsync(events =>
        {
            events.OnCertificateValidated = context =>
            {
                if (context.Principal!.IsInRole(Roles.Auditor)) context.Fail("auditors are locked out today");
                else ((ClaimsIdentity)context.Principal.Identity!).AddClaim(new Claim(ClaimTypes.Role, Roles.Admin));
                return Task.CompletedTask;
            };
            events.OnAuthenticationFailed = context =>
            {
                lock (failures) failures.Add(context.Exception.Message);
                return Task.CompletedTask;
            };
            events.OnChallenge = async context =>
            {
                context.HandleResponse();
                var result = await context.HttpContext.AuthenticateAsync(context.Scheme.Name);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("custom challenge: " + result.Failure?.Message);
            };
        });
        await using var _ = app;
        var running = new ClientFactory(pki, listeners);

        using (var client = running.Client(pki.RoleClients[Roles.CounterStaff]))
        {
            // OnCertificateValidated added Admin to a counter-staff principal.
            using var admin = await client.GetAsync(running.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.Admin]));
            Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        }
        using (var client = running.Client(pki.RoleClients[Roles.DepartmentHead]))
        {
            // The scheme has no forbid hook: a missing role stays the 403 problem.
            using var forbidden = await client.GetAsync(running.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.Auditor]));
            await MutualTlsAuthenticationTests.AssertProblemAsync(forbidden, 403, "does not hold a role");
        }
        using (var client = running.Client(pki.RoleClients[Roles.Auditor]))
        {
            using var rejected = await client.GetAsync(running.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.Auditor]));
            Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
            // A plain Fail() message is not shown to the client: only the handler's own short reasons are.
            Assert.Equal("custom challenge: The client certificate could not be validated.", await rejected.Content.ReadAsStringAsync());
        }
        using (var client = running.Client(pki.Revoked))
        {
            using var revoked = await client.GetAsync(running.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]));
            Assert.Equal("custom challenge: The client certificate is revoked.", await revoked.Content.ReadAsStringAsync());
        }
        lock (failures) Assert.Contains("The client certificate is revoked.", failures);
    }

    /// <summary>Client helper for a host started outside <see cref="RunningService"/>.</summary>
    private sealed class ClientFactory(TestPki pki, MutualTlsListeners listeners)
    {
        public Uri Staff(string path) => new($"https://127.0.0.1:{listeners.StaffPort}{path}");

        public HttpClient Client(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
            => RunningService.CreateClient(pki, certificate);
    }
}
