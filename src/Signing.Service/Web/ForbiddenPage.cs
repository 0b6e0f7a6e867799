using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.Localization;

namespace Signing.Service.Web;

/// <summary>The 403 of a console page: what a person reads when their role may not open it.</summary>
internal static class ForbiddenPage
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static async Task WriteAsync(HttpContext context)
    {
        var t = context.RequestServices.GetRequiredService<IStringLocalizer<ConsoleText>>();
        string E(string key) => Encoder.Encode(t[key]);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(
            $"<!DOCTYPE html><html lang=\"{(ConsoleSetup.IsEnglish ? "en" : "vi")}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + $"<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/assets/site.css\"><title>{E("Forbidden_Title")}</title></head>"
            + $"<body><main id=\"main\"><h1 id=\"forbidden\">{E("Forbidden_Title")}</h1><p>{E("Forbidden_Text")}</p><p><a href=\"/console\">{E("Forbidden_Home")}</a></p></main></body></html>");
    }
}
