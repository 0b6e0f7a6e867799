using Microsoft.AspNetCore.Http;
using Scalar.AspNetCore;
using Signing.Service.Authorization;

namespace Signing.Service.Api;

/// <summary>
/// The API reference (Scalar) at /api-reference on the staff port, behind the OpenAPI document's own policy. Its
/// script comes from the Scalar.AspNetCore package (no CDN, no web fonts, no telemetry, no request proxy), and its
/// page gets a policy of its own: a fresh nonce for the inline start script, and inline styles, which Scalar
/// writes at run time (the only widening of the console's policy).
/// </summary>
public static class ApiReferencePage
{
    public const string Path = "/api-reference";

    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Path), branch => branch.Use(SecurityHeaders));
        app.MapScalarApiReference(Path, o =>
        {
            // Scalar writes the document's address relative to its page (/api-reference/), dropping a leading slash.
            o.OpenApiRoutePattern = "../openapi/{documentName}.json";
            o.DefaultFonts = false;
            o.Telemetry = false;
            o.ProxyUrl = null;
            o.DynamicNonce = true;
            o.Title = "Signing API";
        }).StaffEndpoint(Policies.ReadApiDescription);
    }

    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            var nonce = context.Items[ScalarOptions.NonceHttpContextItemKey] as string;
            var scripts = nonce is null ? "'self'" : $"'self' 'nonce-{nonce}'";
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy =
                $"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
                "connect-src 'self'; worker-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            return Task.CompletedTask;
        });
        return next();
    }
}
