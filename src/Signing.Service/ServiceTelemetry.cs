using Microsoft.AspNetCore.Http;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Signing.Core;
using Signing.Service.Authorization;
using Signing.Issuance;

namespace Signing.Service;

/// <summary>
/// OpenTelemetry for the host: metrics of ASP.NET Core, Kestrel, HttpClient, Npgsql, the .NET
/// runtime and <see cref="IssuanceTelemetry"/>, scraped as Prometheus text at <see cref="MetricsPath"/>
/// on the staff port; traces of the same sources, exported by OTLP only when an endpoint is
/// configured (<c>Signing:Telemetry:OtlpEndpoint</c>, or the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).
/// Without an exporter the spans still exist, so log lines carry their trace ids.
/// </summary>
public static class ServiceTelemetry
{
    /// <summary>Where Prometheus scrapes, on the staff port.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Who may scrape: the auditor's policy. A scraper's certificate needs some role, and Auditor is
    /// the one role that can change nothing (no submit, sign, seal, issue or revoke), so a leaked
    /// scraper certificate reads counts and durations and the audit trail, never a document or a key.
    /// </summary>
    public const string MetricsPolicy = Policies.ReadAudit;

    private const string OtlpEndpointKey = "Signing:Telemetry:OtlpEndpoint";

    // The .NET meters behind AddAspNetCoreInstrumentation/AddHttpClientInstrumentation for metrics, and Npgsql's own
    // meter and source (all that Npgsql.OpenTelemetry would add).
    private const string Npgsql = "Npgsql";

    /// <summary>Registers the meter and tracer providers; a bad <c>Signing:Telemetry:OtlpEndpoint</c> is a <see cref="SigningException"/>.</summary>
    public static void AddServiceTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var otlp = OtlpEndpoint(configuration);
        var useOtlp = otlp != null
            || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("signing-service", serviceVersion: typeof(ServiceTelemetry).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(Npgsql)
                .AddMeter(IssuanceTelemetry.Name)
                // Collected per scrape, not cached: a scrape shows the values of that moment.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(tracing =>
            {
                tracing
                    .AddAspNetCoreInstrumentation(o =>
                    {
                        // A scrape every few seconds is not a trace anyone reads.
                        o.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath, StringComparison.Ordinal);
                        o.EnrichWithHttpResponse = RedactPath;
                    })
                    .AddHttpClientInstrumentation()
                    .AddSource(Npgsql)
                    .AddSource(IssuanceTelemetry.Name);
                if (!useOtlp) return;
                if (otlp != null) tracing.AddOtlpExporter(o => o.Endpoint = otlp);
                else tracing.AddOtlpExporter(); // the exporter reads the OTEL_EXPORTER_OTLP_* settings itself
            });
    }

    /// <summary>The Prometheus scrape endpoint: staff port only, <see cref="MetricsPolicy"/>.</summary>
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint(MetricsPath).StaffEndpoint(MetricsPolicy);

    private static Uri? OtlpEndpoint(IConfiguration configuration)
    {
        var text = configuration[OtlpEndpointKey];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new SigningException($"{OtlpEndpointKey}: '{text}' is not an absolute http or https URL (e.g. http://collector:4317).");
        return uri;
    }

    // A public path holds the verification code, and the code opens the original: a span keeps the route template only.
    private static void RedactPath(System.Diagnostics.Activity activity, HttpResponse response)
    {
        var route = (response.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
        activity.SetTag("url.path", route);
        activity.SetTag("url.query", null);
    }
}
