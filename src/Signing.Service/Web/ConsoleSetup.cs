using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Localization;
using Signing.Service.Authorization;

namespace Signing.Service.Web;

/// <summary>
/// The server-rendered pages: the staff console under /console (staff port, client-certificate
/// roles) and the people's pages (public port, anonymous). Razor Pages under Pages/Staff and
/// Pages/Public get their listener from the folder, so a page cannot be served on the wrong port;
/// each staff page names its policy with [Authorize]. Vietnamese is the default language.
/// </summary>
public static class ConsoleSetup
{
    public const string LanguageQuery = "lang";
    public static readonly CultureInfo Vietnamese = CultureInfo.GetCultureInfo("vi-VN");
    public static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");

    public static IServiceCollection AddStaffConsole(this IServiceCollection services)
    {
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.AddRazorPages(o =>
            {
                o.Conventions.AddFolderApplicationModelConvention("/Staff", m => m.EndpointMetadata.Add(new ServedOnListenersMetadata(ServiceListener.Staff)));
                o.Conventions.AddFolderApplicationModelConvention("/Public", m =>
                {
                    m.EndpointMetadata.Add(new ServedOnListenersMetadata(ServiceListener.Public));
                    m.EndpointMetadata.Add(new AllowAnonymousAttribute());
                });
            })
            // The host may be another program (signing serve, tests): find the pages in this assembly.
            .AddApplicationPart(typeof(ConsoleSetup).Assembly);
        return services;
    }

    public static void MapStaffConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var cultures = new[] { Vietnamese, English };
        var localization = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Vietnamese),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            // Vietnamese first whatever the browser says; English only when the person picks it.
            RequestCultureProviders = [new QueryStringRequestCultureProvider { QueryStringKey = LanguageQuery, UIQueryStringKey = LanguageQuery }, new CookieRequestCultureProvider()],
        };
        app.UseWhen(c => IsPage(c.Request.Path), branch =>
        {
            branch.Use(SecurityHeaders);
            branch.UseRequestLocalization(localization);
            branch.Use(RememberLanguage);
        });
        app.MapRazorPages();
        ConsoleAssets.Map(app);
        ConsoleEndpoints.Map(app);
    }

    /// <summary>Paths of pages people read (the JSON API keeps the invariant culture).</summary>
    internal static bool IsPage(PathString path) =>
        path == "/" || path.StartsWithSegments("/console") || path.StartsWithSegments("/v") || path.StartsWithSegments("/scan");

    // The Razor pages load nothing but this site's own files (no inline script or style), so a
    // policy this strict costs nothing and stops injected markup from running or leaking.
    internal const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    /// <summary>The policy with <paramref name="source"/> added to one of its directives, for the one page that needs it.</summary>
    internal static string ContentSecurityPolicyAllowing(string directive, string source) =>
        ContentSecurityPolicy.Replace($"{directive} 'self';", $"{directive} 'self' {source};", StringComparison.Ordinal);

    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        // /v/{code} is written by PublicPages with its own inline style; it keeps its own headers.
        if (!context.Request.Path.StartsWithSegments("/v")) headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        return next();
    }

    // A person who picked a language keeps it on the next pages (the cookie the cookie provider reads).
    private static Task RememberLanguage(HttpContext context, Func<Task> next)
    {
        var asked = context.Request.Query[LanguageQuery].ToString();
        if (asked is "vi-VN" or "en-GB")
        {
            context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(asked)),
                new CookieOptions { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, IsEssential = true, MaxAge = TimeSpan.FromDays(365) });
        }
        return next();
    }

    public static bool IsEnglish => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";
}
