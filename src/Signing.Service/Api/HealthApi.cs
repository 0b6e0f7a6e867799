using Microsoft.AspNetCore.Http;
using Signing.Core.Documents;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Service.Contracts;

namespace Signing.Service.Api;

/// <summary>
/// /health: the database answers, the seal token is present and logged in, the TSA issues a
/// timestamp (200 when all pass, 503 naming what failed). /health/ready: the cheap probe a load
/// balancer polls: started, not stopping, database reachable (200 "ready", or 200 "degraded" while
/// the TSA's last exchange failed).
/// </summary>
public static class HealthApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health", async (IssuanceRuntime runtime, CancellationToken ct) =>
        {
            var checks = new Dictionary<string, string>
            {
                ["database"] = await Check(() => runtime.Registry.ListAsync(new DocumentQuery { Limit = 1 }, ct)),
                ["token"] = await Check(() => { runtime.SealToken.Login(); return Task.CompletedTask; }),
                ["tsa"] = await Check(() => runtime.ProbeTimestampAsync(ct)),
            };
            var healthy = checks.Values.All(v => v == "ok");
            return Results.Json(new HealthReport(healthy ? "healthy" : "unhealthy", runtime.Storage.Engine, runtime.TsaDescription, checks),
                statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AnonymousOnBothListeners().Produces<HealthReport>(200).Produces<HealthReport>(503);

        app.MapGet("/health/ready", async (IssuanceRuntime runtime, IHostApplicationLifetime lifetime, CancellationToken ct) =>
        {
            var started = lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested;
            var database = await Check(() => runtime.Registry.ListAsync(new DocumentQuery { Limit = 1 }, ct));
            var ready = started && database == "ok";
            // A failing TSA keeps the instance in the pool (verification and intake still work;
            // signatures and seals wait and retry), but the probe says so.
            var last = runtime.Timestamps.Health.Last;
            var tsa = last.Succeeded ? "ok" : "degraded: " + last.Detail;
            var status = !ready ? "not ready" : last.Succeeded ? "ready" : "degraded";
            return Results.Json(new Readiness(status, started, database, tsa),
                statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AnonymousOnBothListeners().Produces<Readiness>(200).Produces<Readiness>(503);
    }

    private static async Task<string> Check(Func<Task> probe)
    {
        try
        {
            await probe();
            return "ok";
        }
#pragma warning disable CA1031 // A health probe reports every failure instead of throwing it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return "failed: " + IssuanceRuntime.OneLine(e.Message);
        }
    }
}
