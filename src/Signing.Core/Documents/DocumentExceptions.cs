namespace Signing.Core.Documents;

/// <summary>The lifecycle does not allow the requested change from the document's current status.</summary>
public sealed class IllegalTransitionException : SigningException
{
    public IllegalTransitionException(string message) : base(message) { }

    public IllegalTransitionException(string message, Exception inner) : base(message, inner) { }

    public IllegalTransitionException() { }
}

/// <summary>Someone else changed the document since the caller read it (optimistic concurrency).</summary>
public sealed class ConcurrencyConflictException : SigningException
{
    public ConcurrencyConflictException(string message) : base(message) { }

    public ConcurrencyConflictException(string message, Exception inner) : base(message, inner) { }

    public ConcurrencyConflictException() { }
}

/// <summary>An idempotency key was reused with a different request body.</summary>
public sealed class IdempotencyConflictException : SigningException
{
    public IdempotencyConflictException(string message) : base(message) { }

    public IdempotencyConflictException(string message, Exception inner) : base(message, inner) { }

    public IdempotencyConflictException() { }
}

/// <summary>No document has the given id or verification code.</summary>
public sealed class DocumentNotFoundException : SigningException
{
    public DocumentNotFoundException(string message) : base(message) { }

    public DocumentNotFoundException(string message, Exception inner) : base(message, inner) { }

    public DocumentNotFoundException() { }
}

/// <summary>Another document already uses the verification code.</summary>
public sealed class DuplicateVerificationCodeException : SigningException
{
    public DuplicateVerificationCodeException(string message) : base(message) { }

    public DuplicateVerificationCodeException(string message, Exception inner) : base(message, inner) { }

    public DuplicateVerificationCodeException() { }
}

/// <summary>The store itself is unusable: unreachable, corrupt, or its schema is newer than this program.</summary>
public sealed class StorageException : SigningException
{
    public StorageException(string message) : base(message) { }

    public StorageException(string message, Exception inner) : base(message, inner) { }

    public StorageException() { }
}

/// <summary>The store has no room for a write (disk full or over quota); nothing was stored, and the same call succeeds once there is room.</summary>
public sealed class StorageFullException : SigningException
{
    public StorageFullException(string message) : base(message) { }

    public StorageFullException(string message, Exception inner) : base(message, inner) { }

    public StorageFullException() { }
}
