using System.Security.Cryptography;

namespace Signing.Validation.Steps;

/// <summary>
/// Digests of a file's signed byte ranges and of the whole file. Each later signature signs the
/// earlier revisions' bytes again, so one running SHA-256 over the file serves every range that
/// reaches at least as far as the one before: the shared prefix is hashed once, not once per
/// signature and once more for the file. Ranges must have passed <see cref="ByteRangeValidation"/>.
/// </summary>
internal sealed class SignedBytes(byte[] data) : IDisposable
{
    private readonly IncrementalHash _running = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _hashedUpTo;

    public byte[] Data { get; } = data;

    /// <summary>The digest of bytes [0, br[1]) followed by [br[2], br[2] + br[3]).</summary>
    public byte[] Digest(HashAlgorithmName algorithm, long[] byteRange)
    {
        var firstEnd = (int)byteRange[1];
        if (algorithm == HashAlgorithmName.SHA256 && firstEnd >= _hashedUpTo)
        {
            HashUpTo(firstEnd);
            using var branch = _running.Clone();
            branch.AppendData(Data, (int)byteRange[2], (int)byteRange[3]);
            return branch.GetHashAndReset();
        }

        using var hash = IncrementalHash.CreateHash(algorithm);
        hash.AppendData(Data, 0, firstEnd);
        hash.AppendData(Data, (int)byteRange[2], (int)byteRange[3]);
        return hash.GetHashAndReset();
    }

    public byte[] FileSha256()
    {
        HashUpTo(Data.Length);
        return _running.GetCurrentHash();
    }

    private void HashUpTo(int end)
    {
        _running.AppendData(Data, _hashedUpTo, end - _hashedUpTo);
        _hashedUpTo = end;
    }

    public void Dispose() => _running.Dispose();
}
