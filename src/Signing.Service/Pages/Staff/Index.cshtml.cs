using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Signing.Service.Authorization;

namespace Signing.Service.Pages.Staff;

/// <summary>The console's home: links to the pages of the caller's roles.</summary>
[Authorize(Policy = Policies.OpenConsole)]
public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }
}
