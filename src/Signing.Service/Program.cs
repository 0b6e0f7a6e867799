using System.Security.Claims;
using Signing.Service.Authentication;
using Signing.Service.Authorization;

var app = Signing.Service.ServiceHost.Build(args);
await app.RunAsync();

namespace Signing.Service
{
    /// <summary>
    /// Composition of the service host. For now: configuration, the two TLS listeners, the
    /// client-certificate scheme, the role policies, problem responses, health, and one probe
    /// endpoint per role group that echoes the authenticated principal.
    /// </summary>
    public static class ServiceHost
    {
        /// <summary>Builds the app; <paramref name="configure"/> lets tests and hosts add configuration before services are read.</summary>
        public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
        {
            var builder = WebApplication.CreateBuilder(args);
            configure?.Invoke(builder);

            var listeners = new MutualTlsListeners();
            builder.Services.AddSingleton(listeners);
            builder.WebHost.ConfigureKestrel(kestrel => listeners.Configure(kestrel, builder.Configuration));
            builder.Services.AddProblemDetails();
            builder.Services.AddAuthentication(ClientCertificateAuthenticationDefaults.AuthenticationScheme)
                .AddClientCertificate(builder.Configuration);
            builder.Services.AddSigningPolicies();

            var app = builder.Build();
            _ = app.Services.GetRequiredService<CertificateRoleMapper>(); // bad role mapping fails at startup, not at first login

            app.UseExceptionHandler();
            app.UseStatusCodePages();
            app.UseRouting();
            app.UseListenerSeparation();
            app.UseAuthentication();
            app.UseAuthorization();

            app.MapGet("/health", () => Results.Ok(new { status = "up" })).AnonymousOnBothListeners();
            app.MapGet("/api/public/ping", () => Results.Ok(new { status = "public" })).PublicEndpoint();

            var probe = app.MapGroup("/api/auth/probe");
            probe.MapGet("/counter-staff", WhoAmI).StaffEndpoint(Policies.ReadDocument);
            probe.MapGet("/department-head", WhoAmI).StaffEndpoint(Policies.SignOwnQueue);
            probe.MapGet("/seal-operator", WhoAmI).StaffEndpoint(Policies.Seal);
            probe.MapGet("/auditor", WhoAmI).StaffEndpoint(Policies.ReadAudit);
            probe.MapGet("/admin", WhoAmI).StaffEndpoint(Policies.Configure);

            ListenerSeparation.EnsureEveryEndpointHasExplicitPolicy(
                ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints));
            return app;
        }

        private static IResult WhoAmI(ClaimsPrincipal user) => Results.Ok(new
        {
            name = user.Identity?.Name,
            thumbprint = user.FindFirstValue(ClaimTypes.NameIdentifier),
            roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray(),
        });
    }
}
