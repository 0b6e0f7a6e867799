using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Signing.Core.Documents;
using Signing.Issuance;

namespace Signing.Service.Api;

/// <summary>An endpoint that takes the Idempotency-Key header; <paramref name="Required"/> where the key is part of the record it makes.</summary>
public sealed record IdempotencyKeyMetadata(bool Required);

/// <summary>The Idempotency-Key header: 1-200 visible ASCII characters.</summary>
internal static class IdempotencyKey
{
    public const string Header = "Idempotency-Key";

    public static string? Read(HttpRequest request, bool required)
    {
        var key = request.Headers[Header].ToString().Trim();
        if (key.Length == 0)
            return required ? throw ApiProblemException.BadRequest($"the {Header} header is required", Header) : null;
        if (key.Length > 200 || key.Any(c => c < 0x21 || c > 0x7E))
            throw ApiProblemException.BadRequest($"the {Header} header must be 1–200 visible ASCII characters", Header);
        return key;
    }
}

/// <summary>
/// Makes a mutating endpoint idempotent by (caller, Idempotency-Key): the key is claimed in the registry before the
/// call runs, a successful answer is stored under it, and a retry with the same request gets that answer again
/// (status and body) without running the call; the same key with another request is a 409 problem. A refused call
/// gives its key back, so the retry runs again. Submit and counter forms keep their key with the record they make,
/// in its transaction; here the answer is stored just after the change commits (docs/service.md says what that means).
/// </summary>
internal sealed class IdempotentResponseFilter(IssuanceRuntime runtime) : IEndpointFilter
{
    /// <summary>A claim without an answer this old belongs to a call whose process died; a retry takes it over.</summary>
    private static readonly TimeSpan AbandonAfter = TimeSpan.FromMinutes(2);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (IdempotencyKey.Read(http.Request, required: false) is not { } key) return await next(context).ConfigureAwait(false);
        // Too large to hash is also too large for the endpoint, which refuses it with a 413.
        if (http.Request.ContentLength > HttpInput.MaxSmallJsonBytes) return await next(context).ConfigureAwait(false);

        var ct = http.RequestAborted;
        var caller = StaffApi.HeadId(http.User);
        var store = runtime.Storage.IdempotentResponses;
        var claim = await store.ClaimAsync(caller, key, await RequestHashAsync(http.Request, ct).ConfigureAwait(false), AbandonAfter, ct).ConfigureAwait(false);
        if (claim.Outcome == IdempotencyOutcome.Replay) return new StoredResponseResult(claim.Response!, Replayed: true);
        if (claim.Outcome == IdempotencyOutcome.InProgress)
            throw ApiProblemException.Conflict($"a call with this {IdempotencyKey.Header} is still running; retry in a moment");

        StoredResponse answer;
        try
        {
            if (await next(context).ConfigureAwait(false) is not IResult result)
                throw new InvalidOperationException("an idempotent endpoint must return an IResult");
            answer = await RunIntoBufferAsync(result, http).ConfigureAwait(false);
        }
        catch
        {
            await store.ReleaseAsync(caller, key, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        // The change has committed: the answer is stored even if the caller has gone, so its retry gets it.
        if (answer.Status is >= 200 and < 300) await store.CompleteAsync(caller, key, answer, CancellationToken.None).ConfigureAwait(false);
        else await store.ReleaseAsync(caller, key, CancellationToken.None).ConfigureAwait(false);
        return new StoredResponseResult(answer, Replayed: false);
    }

    /// <summary>Method, path, query and body: the same key may only ever mean one request.</summary>
    private static async Task<string> RequestHashAsync(HttpRequest request, CancellationToken ct)
    {
        request.EnableBuffering(HttpInput.MaxSmallJsonBytes);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[16384];
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0 && total <= HttpInput.MaxSmallJsonBytes)
        {
            hash.AppendData(chunk, 0, read);
            total += read;
        }

        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task<StoredResponse> RunIntoBufferAsync(IResult result, HttpContext http)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await result.ExecuteAsync(http).ConfigureAwait(false);
        }
        finally
        {
            http.Response.Body = original;
        }

        return new StoredResponse(http.Response.StatusCode, http.Response.ContentType ?? "application/json", buffer.ToArray());
    }

    public const string ReplayedHeader = "Idempotent-Replayed";

    private sealed record StoredResponseResult(StoredResponse Response, bool Replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = Response;
            if (Replayed) httpContext.Response.Headers[ReplayedHeader] = "true";
            httpContext.Response.StatusCode = response.Status;
            httpContext.Response.ContentType = response.ContentType;
            httpContext.Response.ContentLength = response.Body.Length;
            return httpContext.Response.Body.WriteAsync(response.Body, httpContext.RequestAborted).AsTask();
        }
    }
}
