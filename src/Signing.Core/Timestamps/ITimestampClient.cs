using Signing.Core;
using System.Security.Cryptography;

namespace Signing.Core.Timestamps;

/// <summary>Obtains RFC 3161 timestamp tokens for a hash (an outside TSA or the built-in dev TSA).</summary>
public interface ITimestampClient
{
    /// <summary>
    /// Returns the DER TimeStampToken (a CMS ContentInfo) for <paramref name="hash"/>, after checking
    /// the reply's status, nonce, message imprint, the token's signature and the TSA certificate's
    /// critical timeStamping EKU. Callers (the PAdES signer) rely on these checks having been made.
    /// Throws <see cref="TimestampException"/> with a one-line reason on any failure.
    /// </summary>
    Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default);
}

/// <summary>A timestamp could not be obtained or did not check out.</summary>
public sealed class TimestampException : SigningException
{
    public TimestampException(string message) : base(message) { }

    public TimestampException(string message, Exception inner) : base(message, inner) { }

    public TimestampException() { }
}
