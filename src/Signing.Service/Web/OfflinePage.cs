using Signing.Service.Authorization;

namespace Signing.Service.Web;

/// <summary>
/// What makes the public page an installable offline page (docs/printed-seal.md): the web app
/// manifest and the service worker, served from the site's root so the worker's scope is the page.
/// </summary>
internal static class OfflinePage
{
    public static void Map(IEndpointRouteBuilder app)
    {
        Serve(app, "/sw.js", "offline-sw.js");
        Serve(app, "/manifest.webmanifest", "manifest.webmanifest");
    }

    private static void Serve(IEndpointRouteBuilder app, string path, string asset)
    {
        var (bytes, type) = ConsoleAssets.Find(asset) ?? throw new InvalidOperationException($"the embedded asset {asset} is missing");
        app.MapGet(path, (HttpContext http) =>
        {
            // Revalidated on every online visit, so a new worker or manifest is picked up at once.
            http.Response.Headers.CacheControl = "no-cache";
            return Results.Bytes(bytes, type);
        }).PublicEndpoint();
    }
}
