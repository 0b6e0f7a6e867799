using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Json;

namespace Signing.Service;

/// <summary>
/// Serilog: JSON lines on the console and in a daily rolling file. What is logged is ids,
/// statuses, routes and timings — never PINs (they never reach this code), document bodies,
/// decision contents or names.
/// </summary>
public static partial class ServiceLogging
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>Registers the Serilog provider; a host that clears logging providers afterwards (tests) removes it again.</summary>
    public static void AddSerilogProvider(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.Services.AddSingleton<ILoggerProvider>(sp =>
        {
            var options = sp.GetRequiredService<Issuance.IssuanceOptions>();
            var directory = options.LogDirectory ?? Path.Combine(options.DataDirectory, "logs");
            var configuration = new LoggerConfiguration()
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                // Its warnings carry the certificate's subject, a person's name; our events log the thumbprint instead.
                .MinimumLevel.Override("Microsoft.AspNetCore.Authentication.Certificate", LogEventLevel.Error)
                .Enrich.FromLogContext();
            if (options.LogToConsole) configuration = configuration.WriteTo.Console(new JsonFormatter(renderMessage: true));
            var logger = configuration
                .WriteTo.File(new JsonFormatter(renderMessage: true), Path.Combine(directory, "service-.json"),
                    rollingInterval: RollingInterval.Day, retainedFileCountLimit: 30)
                .CreateLogger();
            return new SerilogLoggerProvider(logger, dispose: true);
        });
    }

    /// <summary>
    /// Gives every request a correlation id (the caller's X-Correlation-Id when it is a safe token,
    /// else a new one), echoes it in the response, puts it on every log line of the request, and
    /// logs one line per request: method, route, status, milliseconds.
    /// </summary>
    public static IApplicationBuilder UseCorrelationAndRequestLog(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var incoming = context.Request.Headers[CorrelationHeader].ToString();
        var id = SafeId().IsMatch(incoming) ? incoming : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        context.Response.Headers[CorrelationHeader] = id;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Signing.Service.Requests");
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id }))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
                logger.LogInformation("{Method} {Route} -> {Status} in {ElapsedMs:0.0} ms", context.Request.Method, route,
                    context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    });

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeId();
}
