using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Signing.Service.Api;
using Signing.Service.Authentication;
using Signing.Service.Authorization;
using Signing.Service.Contracts;
using Signing.Issuance;
using Signing.Service.Web;
using Signing.Service.Webhooks;

try
{
    var app = Signing.Service.ServiceHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Signing.Core.SigningException e)
{
    // One line an operator can act on; the message never carries a PIN (PIN sources name where, not what).
    await Console.Error.WriteLineAsync("signing-service: cannot start: " + e.Message.ReplaceLineEndings(" "));
    return 2;
}

namespace Signing.Service
{
    /// <summary>
    /// Composition of the service host: configuration, the two TLS listeners, the client-certificate
    /// scheme, the role policies, problem responses, Serilog with correlation ids, the issuance
    /// runtime (registry, seal token, TSA) opened and checked before the host starts, the long-term levels and the revocation source, the orphan-blob sweep, the audit anchoring job, the archive upkeep job and the webhook delivery worker, the staff and
    /// public APIs, the OpenAPI document (/openapi/v1.json, staff port), OpenTelemetry metrics (/metrics, staff port) and traces,
    /// health, and one probe endpoint per role group that echoes the principal.
    /// </summary>
    public static class ServiceHost
    {
        /// <summary>Builds the app; <paramref name="configure"/> lets tests and hosts add configuration before services are read.</summary>
        public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
        {
            var builder = WebApplication.CreateBuilder(args);
            // Serilog only: the default console provider would print every line a second time, as text.
            builder.Logging.ClearProviders();
            ServiceLogging.AddSerilog(builder.Services);
            configure?.Invoke(builder);

            var listeners = new MutualTlsListeners();
            builder.Services.AddSingleton(listeners);
            builder.WebHost.ConfigureKestrel(kestrel => listeners.Configure(kestrel, builder.Configuration));
            builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            {
                c.ProblemDetails.Extensions["correlationId"] = c.HttpContext.TraceIdentifier;
                SigningProblemHandler.SetStableType(c);
            });
            builder.Services.AddExceptionHandler<SigningProblemHandler>();
            builder.Services.AddAuthentication(CertificateAuthenticationDefaults.AuthenticationScheme)
                .AddClientCertificate(builder.Configuration);
            builder.Services.AddSigningPolicies();
            builder.Services.AddOpenApi(ApiDescription.Configure);
            builder.Services.AddServiceTelemetry(builder.Configuration);

            var issuance = IssuanceOptions.Read(builder.Configuration, builder.Environment.ContentRootPath);
            builder.Services.AddSingleton(issuance);
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(sp => IssuanceRuntime.OpenAsync(issuance, sp.GetRequiredService<TimeProvider>()).GetAwaiter().GetResult());
            builder.Services.AddSingleton(LongTermOptions.Read(builder.Configuration));
            // The revocation source AddClientCertificate registered (OCSP first, CRL fallback, cached by nextUpdate) also serves
            // issuance, the archive job and upload verification: one warm cache per process.
            builder.Services.AddSingleton<IssuanceService>();
            builder.Services.AddSingleton<SealKeyListSource>();
            var archive = ArchiveOptions.Read(builder.Configuration);
            builder.Services.AddSingleton(archive);
            builder.Services.AddSingleton<ArchiveUpkeep>();
            if (archive.Enabled) builder.Services.AddHostedService(sp => sp.GetRequiredService<ArchiveUpkeep>());
            builder.Services.AddSingleton<CounterFormService>();
            builder.Services.AddSingleton<IDocumentRegistryAccessor, DocumentRegistryAccessor>();
            PublicApi.AddUploadRateLimit(builder.Services, issuance.VerifyPermitsPerMinute);
            builder.Services.AddSingleton(BlobSweepOptions.Read(builder.Configuration));
            builder.Services.AddHostedService<OrphanBlobSweep>();
            builder.Services.AddSingleton(Signing.Service.Audit.AuditAnchorOptions.Read(builder.Configuration));
            builder.Services.AddHostedService(sp =>
            {
                var runtime = sp.GetRequiredService<IssuanceRuntime>();
                return ActivatorUtilities.CreateInstance<Signing.Service.Audit.AuditAnchorJob>(sp, runtime.Storage.Audit, runtime.Timestamps);
            });
            builder.Services.AddStaffConsole();
            builder.Services.AddWebhooks(builder.Configuration);

            var app = builder.Build();
            _ = app.Services.GetRequiredService<CertificateRoleMapper>(); // bad role mapping fails at startup, not at first login
            _ = app.Services.GetRequiredService<IssuanceRuntime>(); // bad token, key, TSA or storage fails at startup
            _ = app.Services.GetRequiredService<SealKeyListSource>().Current(); // so do unreadable seal certificates or CRLs
            if (issuance.PauseAt is { } fault)
                app.Logger.LogWarning("fault injection is ON (Signing:FaultInjection:PauseAt={FaultPoint}): for crash tests only, never in service", fault);

            app.UseCorrelationId();
            app.UseRequestLog();
            app.UseExceptionHandler();
            app.UseStatusCodePages();
            app.UseRouting();
            app.UseListenerSeparation();
            app.UseRateLimiter();
            app.UseAuthentication();
            app.UseAuthorization();

            // The API description is on the staff port for any staff role: it shows the shape of the
            // API (public endpoints included, marked by path) and no data.
            app.MapOpenApi().StaffEndpoint(Policies.ReadApiDescription);
            ApiReferencePage.Map(app);
            app.MapMetrics();
            HealthApi.Map(app);
            app.MapGet("/api/public/ping", () => TypedResults.Ok(new PingAnswer("public"))).PublicEndpoint().PublicProblems();
            StaffApi.Map(app);
            CounterFormApi.Map(app);
            PublicApi.Map(app);
            SealKeysApi.Map(app);
            WebhookApi.Map(app);
            OfflinePage.Map(app);
            app.MapStaffConsole();

            var probe = app.MapGroup("/api/auth/probe");
            probe.MapGet("/counter-staff", WhoAmI).StaffEndpoint(Policies.ReadDocument).StaffProblems();
            probe.MapGet("/department-head", WhoAmI).StaffEndpoint(Policies.SignOwnQueue).StaffProblems();
            probe.MapGet("/seal-operator", WhoAmI).StaffEndpoint(Policies.Seal).StaffProblems();
            probe.MapGet("/auditor", WhoAmI).StaffEndpoint(Policies.ReadAudit).StaffProblems();
            probe.MapGet("/admin", WhoAmI).StaffEndpoint(Policies.Configure).StaffProblems();

            ListenerSeparation.EnsureEveryEndpointHasExplicitPolicy(
                ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints));
            return app;
        }

        private static Microsoft.AspNetCore.Http.HttpResults.Ok<CallerView> WhoAmI(ClaimsPrincipal user) => TypedResults.Ok(new CallerView(
            user.Identity?.Name, user.FindFirstValue(ClaimTypes.NameIdentifier), user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray()));
    }
}
