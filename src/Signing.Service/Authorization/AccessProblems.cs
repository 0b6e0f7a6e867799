using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Signing.Service.Authorization;

/// <summary>The 401 and 403 answers as RFC 9457 problems carrying only a short reason.</summary>
public static class AccessProblems
{
    /// <summary>The 403 detail: the caller is known, the role is missing.</summary>
    public const string MissingRole = "Your certificate does not hold a role that may do this.";

    /// <summary>Writes a problem response with <paramref name="status"/>, <paramref name="title"/> and <paramref name="detail"/>.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        // Prefer the app's problem writer so its customisations (correlation id, type links) apply.
        var writer = context.RequestServices.GetService<IProblemDetailsService>();
        if (writer != null && await writer.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
            return;
        await Results.Problem(problem).ExecuteAsync(context);
    }
}

/// <summary>
/// Answers a forbidden authorization result with the 403 problem: the certificate handler's own
/// forbid is a bare status with no hook. Challenges go on to the handler, whose challenge event
/// writes the 401 problem (<see cref="Authentication.ClientCertificateEvents"/>).
/// </summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(authorizeResult);
        ArgumentNullException.ThrowIfNull(context);
        if (!authorizeResult.Forbidden) return _default.HandleAsync(next, context, policy, authorizeResult);
        // A person on a console page gets a page in their language; programs keep the problem.
        if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.CompiledPageActionDescriptor>() != null)
            return Web.ForbiddenPage.WriteAsync(context);
        return AccessProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", AccessProblems.MissingRole);
    }
}
