namespace Signing.Core.Decisions;

/// <summary>One problem with one field of a decision: a JSON-style path ("body[2].text") and a user-safe message.</summary>
public sealed record FieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>
/// The decision cannot be rendered; <see cref="Errors"/> lists every problem found (the API maps
/// them to RFC 7807 "invalid-params"). The message is one line naming the first few.
/// </summary>
public sealed class DecisionValidationException : SigningException
{
    public DecisionValidationException(IReadOnlyList<FieldError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    public DecisionValidationException() : this([]) { }

    public DecisionValidationException(string message) : base(message) => Errors = [];

    public DecisionValidationException(string message, Exception inner) : base(message, inner) => Errors = [];

    public IReadOnlyList<FieldError> Errors { get; }

    private static string Describe(IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0) return "invalid decision";
        var shown = string.Join("; ", errors.Take(5));
        return errors.Count > 5 ? $"invalid decision: {shown}; and {errors.Count - 5} more" : $"invalid decision: {shown}";
    }
}
