using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Serilog;
using Serilog.Context;
using Serilog.Events;
using Serilog.Extensions.Hosting;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Json;

namespace Signing.Service;

/// <summary>
/// Serilog: JSON lines on the console and in a daily rolling file. What is logged is ids,
/// statuses, routes and timings — never PINs (they never reach this code), document bodies,
/// decision contents or names. Every line has a CorrelationId: the request's, a background run's
/// (<see cref="Issuance.IssuanceTelemetry.StartJobRun"/>), or else the process's own "host-…" id;
/// every line written inside a request or a run also has the TraceId and SpanId of its span.
/// </summary>
public static partial class ServiceLogging
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>
    /// Registers the service's Serilog logger as the logging provider and for the request log. A
    /// host that clears logging providers afterwards (tests) silences both.
    /// </summary>
    public static void AddSerilog(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // A singleton so the container flushes and closes the file when the host stops.
        services.AddSingleton(sp => CreateLogger(sp.GetRequiredService<Issuance.IssuanceOptions>()));
        services.AddSingleton<ILoggerProvider>(sp => new SerilogLoggerProvider(sp.GetRequiredService<Serilog.Core.Logger>()));
        services.AddSingleton(new DiagnosticContext(null));
        services.AddSingleton<IDiagnosticContext>(sp => sp.GetRequiredService<DiagnosticContext>());
    }

    private static Serilog.Core.Logger CreateLogger(Issuance.IssuanceOptions options)
    {
        var directory = options.LogDirectory ?? Path.Combine(options.DataDirectory, "logs");
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            // Its warnings carry the certificate's subject, a person's name; our events log the thumbprint instead.
            .MinimumLevel.Override("Microsoft.AspNetCore.Authentication.Certificate", LogEventLevel.Error)
            .Enrich.FromLogContext()
            // Last, after the request's and the run's own ids had their chance.
            .Enrich.With(new HostCorrelationId("host-" + Guid.NewGuid().ToString("N")));
        if (options.LogToConsole) configuration = configuration.WriteTo.Console(new JsonFormatter(renderMessage: true));
        return configuration
            .WriteTo.File(new JsonFormatter(renderMessage: true), Path.Combine(directory, "service-.json"),
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 30)
            .CreateLogger();
    }

    /// <summary>
    /// Gives every request a correlation id (the caller's X-Correlation-Id when it is a safe token,
    /// else a new one), echoes it in the response and puts it on every log line of the request and
    /// on the request's span.
    /// </summary>
    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var incoming = context.Request.Headers[CorrelationHeader].ToString();
        var id = SafeId().IsMatch(incoming) ? incoming : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        context.Response.Headers[CorrelationHeader] = id;
        Activity.Current?.SetTag(Issuance.IssuanceTelemetry.CorrelationIdTag, id);
        using (LogContext.PushProperty(Issuance.IssuanceTelemetry.CorrelationIdProperty, id))
            await next(context);
    });

    /// <summary>
    /// One line per request: method, route pattern, status, milliseconds (Serilog's request
    /// logging, worded as our earlier log lines). After <see cref="UseCorrelationId"/>, so the line
    /// carries the correlation id.
    /// </summary>
    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.ApplicationServices;
        var serilogProviderKept = services.GetServices<ILoggerProvider>().OfType<SerilogLoggerProvider>().Any();
        return app.UseSerilogRequestLogging(options =>
        {
            options.Logger = serilogProviderKept ? services.GetRequiredService<Serilog.Core.Logger>() : Serilog.Core.Logger.None;
            options.MessageTemplate = "{Method} {Route} -> {Status} in {ElapsedMs:0.0} ms";
            options.GetMessageTemplateProperties = (context, _, elapsedMs, status) =>
            [
                new LogEventProperty("Method", new ScalarValue(context.Request.Method)),
                new LogEventProperty("Route", new ScalarValue((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)")),
                new LogEventProperty("Status", new ScalarValue(status)),
                new LogEventProperty("ElapsedMs", new ScalarValue(elapsedMs)),
            ];
        });
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeId();

    /// <summary>The id of lines outside any request or run (start, stop, a refused TLS handshake): one per process.</summary>
    private sealed class HostCorrelationId(string id) : Serilog.Core.ILogEventEnricher
    {
        private readonly LogEventProperty _property = new(Issuance.IssuanceTelemetry.CorrelationIdProperty, new ScalarValue(id));

        public void Enrich(LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory) => logEvent.AddPropertyIfAbsent(_property);
    }
}
