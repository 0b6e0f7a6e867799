namespace Signing.Service.Contracts;

/// <summary>
/// The stable "type" URIs of the service's RFC 9457 problems. The base names the project, not a host that must
/// answer: clients compare the string, and docs/service.md lists what each means.
/// </summary>
public static class ProblemTypes
{
    public const string Base = "https://signing.example/problems/";

    /// <summary>Malformed input: bad JSON, a missing or ill-formed field or header ("field" names it).</summary>
    public const string InvalidInput = Base + "invalid-input";

    /// <summary>Well-formed input the service cannot accept: an invalid decision ("errors" by field), a file that is not a PDF.</summary>
    public const string Unacceptable = Base + "unacceptable";

    public const string Unauthenticated = Base + "unauthenticated";

    /// <summary>The caller's certificate lacks the role, or the document is not theirs to act on.</summary>
    public const string NotPermitted = Base + "not-permitted";

    public const string NotFound = Base + "not-found";

    /// <summary>The document's state does not allow the action (a lifecycle conflict), or another writer changed it first.</summary>
    public const string Conflict = Base + "conflict";

    /// <summary>An Idempotency-Key was used before with a different request.</summary>
    public const string IdempotencyConflict = Base + "idempotency-conflict";

    /// <summary>A prepared signature request or a nonce is past its time.</summary>
    public const string Expired = Base + "expired";

    public const string TooLarge = Base + "too-large";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string TooManyRequests = Base + "too-many-requests";

    /// <summary>The timestamp authority or the token did not answer; retry later.</summary>
    public const string Unavailable = Base + "unavailable";

    /// <summary>A failure the service did not expect; the detail says nothing internal, the log has the correlation id.</summary>
    public const string Internal = Base + "internal";

    /// <summary>507: the service had no room to store a result; nothing was committed, and the same call succeeds once there is room.</summary>
    public const string StorageFull = Base + "storage-full";

    /// <summary>The type for an HTTP status when nothing more specific is known.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => InvalidInput,
        401 => Unauthenticated,
        403 => NotPermitted,
        404 => NotFound,
        409 => Conflict,
        410 => Expired,
        413 => TooLarge,
        415 => UnsupportedMediaType,
        422 => Unacceptable,
        429 => TooManyRequests,
        503 => Unavailable,
        507 => StorageFull,
        _ => status >= 500 ? Internal : "about:blank",
    };
}
