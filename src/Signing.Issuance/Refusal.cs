using Signing.Core;

namespace Signing.Issuance;

/// <summary>Why the application layer refused a request; each host maps a kind to its own answer (the API: one HTTP status).</summary>
public enum RefusalKind
{
    /// <summary>The input is malformed or missing (HTTP 400).</summary>
    InvalidInput,
    /// <summary>The caller may not do this to this resource (HTTP 403).</summary>
    NotPermitted,
    /// <summary>The resource does not exist (HTTP 404).</summary>
    NotFound,
    /// <summary>The resource's current state does not allow it (HTTP 409).</summary>
    Conflict,
    /// <summary>The resource existed but can no longer be used (HTTP 410).</summary>
    Expired,
    /// <summary>The input is well-formed but not acceptable (HTTP 422).</summary>
    Unacceptable,
    /// <summary>Something the use case needs (a responder, the TSA) is not answering; nothing was committed, retry later (HTTP 503).</summary>
    Unavailable,
}

/// <summary>A refusal by the issuance use cases: a kind, a user-safe one-line detail and, for bad input, the field at fault.</summary>
public sealed class RefusalException : SigningException
{
    public RefusalException(RefusalKind kind, string detail, string? field = null) : base(detail)
    {
        Kind = kind;
        Field = field;
    }

    public RefusalException() : this(RefusalKind.InvalidInput, "the request was refused") { }

    public RefusalException(string message) : this(RefusalKind.InvalidInput, message) { }

    public RefusalException(string message, Exception inner) : base(message, inner) => Kind = RefusalKind.InvalidInput;

    public RefusalKind Kind { get; }
    public string? Field { get; }
}

/// <summary>The refusals the use cases raise, by kind.</summary>
public static class Refuse
{
    public static RefusalException InvalidInput(string detail, string? field = null) => new(RefusalKind.InvalidInput, detail, field);
    public static RefusalException NotPermitted(string detail) => new(RefusalKind.NotPermitted, detail);
    public static RefusalException NotFound(string detail) => new(RefusalKind.NotFound, detail);
    public static RefusalException Conflict(string detail) => new(RefusalKind.Conflict, detail);
    public static RefusalException Expired(string detail) => new(RefusalKind.Expired, detail);
    public static RefusalException Unacceptable(string detail, string? field = null) => new(RefusalKind.Unacceptable, detail, field);
    public static RefusalException Unavailable(string detail) => new(RefusalKind.Unavailable, detail);
}
