using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Signing.Core;
using Signing.Core.Decisions;
using Signing.Core.Documents;
using Signing.Core.Timestamps;
using Signing.Issuance;
using Signing.Service.Contracts;

namespace Signing.Service.Api;

/// <summary>A refusal with its HTTP status, a user-safe one-line detail and, for bad input, the field at fault.</summary>
public sealed class ApiProblemException : SigningException
{
    public ApiProblemException(int status, string title, string detail, string? field = null) : base(detail)
    {
        Status = status;
        Title = title;
        Field = field;
    }

    public ApiProblemException() : this(StatusCodes.Status500InternalServerError, "Error", "error") { }

    public ApiProblemException(string message) : this(StatusCodes.Status400BadRequest, "Bad Request", message) { }

    public ApiProblemException(string message, Exception inner) : base(message, inner)
    {
        Status = StatusCodes.Status400BadRequest;
        Title = "Bad Request";
    }

    public int Status { get; }
    public string Title { get; }
    public string? Field { get; }

    public static ApiProblemException BadRequest(string detail, string? field = null) => new(400, "Bad Request", detail, field);
    public static ApiProblemException Forbidden(string detail) => new(403, "Forbidden", detail);
    public static ApiProblemException NotFound(string detail) => new(404, "Not Found", detail);
    public static ApiProblemException Conflict(string detail) => new(409, "Conflict", detail);
    public static ApiProblemException Gone(string detail) => new(410, "Gone", detail);
    public static ApiProblemException TooLarge(string detail) => new(413, "Payload Too Large", detail);
    public static ApiProblemException UnsupportedMediaType(string detail) => new(415, "Unsupported Media Type", detail);
    public static ApiProblemException Unprocessable(string detail, string? field = null) => new(422, "Unprocessable Content", detail, field);
}

/// <summary>
/// Turns exceptions into RFC 9457 problem responses, in one place: the API's refusals keep their status, the use cases' refusals map by kind, decision
/// validation lists every field (422, "errors" by field), lifecycle and idempotency conflicts are
/// 409, TSA/token trouble is 503, and anything else is a 500 whose detail says nothing internal.
/// </summary>
public sealed class SigningProblemHandler(IProblemDetailsService problems, ILogger<SigningProblemHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ProblemDetails problem = exception switch
        {
            ApiProblemException p => WithField(new ProblemDetails { Status = p.Status, Title = p.Title, Detail = p.Message }, p.Field),
            RefusalException r => WithField(Refusal(r), r.Field),
            DecisionValidationException v => Validation(v),
            IdempotencyConflictException => new ProblemDetails { Status = 409, Title = "Conflict", Detail = exception.Message, Type = ProblemTypes.IdempotencyConflict },
            ConcurrencyConflictException => new ProblemDetails { Status = 409, Title = "Conflict", Detail = exception.Message },
            IllegalTransitionException => new ProblemDetails { Status = 409, Title = "Conflict", Detail = exception.Message },
            DocumentNotFoundException => new ProblemDetails { Status = 404, Title = "Not Found", Detail = exception.Message },
            // The detail names no path: the operator reads it in the log line below.
            StorageFullException => new ProblemDetails { Status = 507, Title = "Insufficient Storage", Detail = "the service has no room to store the result; nothing was committed, retry later" },
            TimestampException => new ProblemDetails { Status = 503, Title = "Service Unavailable", Detail = "the timestamp authority did not answer: " + exception.Message },
            BadHttpRequestException b => new ProblemDetails { Status = b.StatusCode, Title = "Bad Request", Detail = b.Message },
            _ when RegistryUnavailable(exception) => new ProblemDetails { Status = 503, Title = "Service Unavailable", Detail = "the registry is unavailable; retry the same call (it is idempotent)" },
            _ => new ProblemDetails { Status = 500, Title = "Internal Server Error", Detail = "the request failed; see the service log with this request's correlation id" },
        };
        // Every problem names its stable type (docs/service.md); those without a kind of their own take their status's.
        problem.Type ??= ProblemTypes.ForStatus(problem.Status ?? 500);
        if (problem.Status >= 500) logger.LogError(exception, "request failed with {Status}", problem.Status);
        else logger.LogInformation("request refused with {Status}: {Reason}", problem.Status, exception.GetType().Name);
        httpContext.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false);
    }

    /// <summary>The database cannot be reached or dropped the connection (a restart, a failover): worth a retry, unlike a corrupt store.</summary>
    private static bool RegistryUnavailable(Exception exception)
    {
        for (var e = exception; e != null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException { IsTransient: true } or System.Net.Sockets.SocketException) return true;
        }
        return false;
    }

    /// <summary>
    /// For problems written elsewhere (authorization, rate limits, status code pages): the framework's default
    /// type is an RFC section link for the status; the service's clients match on its own stable types instead.
    /// </summary>
    public static void SetStableType(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (problem.Type is null || !problem.Type.StartsWith(ProblemTypes.Base, StringComparison.Ordinal))
            problem.Type = ProblemTypes.ForStatus(problem.Status ?? context.HttpContext.Response.StatusCode);
    }

    private static ProblemDetails Refusal(RefusalException r)
    {
        var (status, title) = r.Kind switch
        {
            RefusalKind.InvalidInput => (400, "Bad Request"),
            RefusalKind.NotPermitted => (403, "Forbidden"),
            RefusalKind.NotFound => (404, "Not Found"),
            RefusalKind.Conflict => (409, "Conflict"),
            RefusalKind.Expired => (410, "Gone"),
            RefusalKind.Unacceptable => (422, "Unprocessable Content"),
            RefusalKind.Unavailable => (503, "Service Unavailable"),
            _ => (500, "Internal Server Error"),
        };
        return new ProblemDetails { Status = status, Title = title, Detail = r.Message, Type = ProblemTypes.ForStatus(status) };
    }

    private static ProblemDetails WithField(ProblemDetails problem, string? field)
    {
        if (field != null)
        {
            problem.Extensions["field"] = field;
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [problem.Detail ?? ""] };
        }
        return problem;
    }

    private static ProblemDetails Validation(DecisionValidationException v)
    {
        var errors = v.Errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
        return new HttpValidationProblemDetails(errors)
        {
            Status = 422,
            Title = "The decision is not valid",
            Detail = v.Message,
            Extensions = { ["field"] = v.Errors.FirstOrDefault()?.Field },
        };
    }
}
