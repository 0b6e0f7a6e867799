using System.Security.Cryptography;
using Signing.Core.Timestamps;

namespace Signing.Timestamping;

/// <summary>
/// Asks a <see cref="TimestampAuthority"/> in this process, without HTTP, and checks its reply
/// exactly as <see cref="Rfc3161Client"/> checks a remote one (status, nonce, imprint, EKU, signature).
/// The embedded default uses it so one command can render, sign and timestamp offline.
/// </summary>
public sealed class InProcessTimestampClient(TimestampAuthority authority) : ITimestampClient
{
    public Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authority);
        cancellationToken.ThrowIfCancellationRequested();
        var request = Rfc3161Client.CreateRequest(hash, hashAlgorithm);
        var reply = authority.Respond(request.Encode());
        return Task.FromResult(Rfc3161Client.ValidateResponse(request, reply).Token);
    }
}
