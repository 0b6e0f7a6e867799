using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Service.Web;

namespace Signing.Service.Pages.Public;

/// <summary>
/// The public front page: type the code printed on a result, or read its QR code from a photo
/// (in the browser; the photo is never sent). Both lead to that result's own page, /v/{code}.
/// </summary>
public sealed class HomeModel : PageModel
{
    public string? Code { get; private set; }
    public bool Invalid { get; private set; }

    public IActionResult OnGet(string? code)
    {
        // This page alone compiles WebAssembly (the QR reader); it still runs no script but its own files.
        Response.Headers.ContentSecurityPolicy = ConsoleSetup.ContentSecurityPolicyAllowing("script-src", "'wasm-unsafe-eval'");
        if (code is null) return Page();
        Code = code.Trim();
        try
        {
            return Redirect("/v/" + Signing.Pdf.Rendering.VerificationCode.Normalize(Code));
        }
        catch (Signing.Core.SigningException)
        {
            Invalid = true;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
    }
}
