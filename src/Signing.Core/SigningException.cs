namespace Signing.Core;

/// <summary>
/// An error whose message is safe to show to a user or client as it is: one line, no secrets,
/// no stack trace. Adapters translate their own failures into this (or a subclass).
/// </summary>
public class SigningException : Exception
{
    public SigningException(string message) : base(message) { }

    public SigningException(string message, Exception inner) : base(message, inner) { }

    public SigningException() { }
}
