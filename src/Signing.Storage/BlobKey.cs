using System.Security.Cryptography;
using Signing.Core.Documents;

namespace Signing.Storage;

/// <summary>The key of a content-addressed blob: the SHA-256 of its bytes, 64 lower-case hex digits.</summary>
internal static class BlobKey
{
    public static string Of(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static bool IsKey(string value) =>
        value.Length == 64 && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public static void Check(string sha256)
    {
        if (sha256 is null || !IsKey(sha256))
            throw new StorageException($"'{sha256}' is not a blob key (64 lower-case hex digits of a SHA-256)");
    }

    /// <summary>Re-hashes what was read; a mismatch is corruption, never returned to the caller.</summary>
    public static byte[] Verified(string sha256, byte[] bytes)
    {
        var actual = Of(bytes);
        if (!string.Equals(actual, sha256, StringComparison.Ordinal))
            throw new StorageException($"blob {sha256} is corrupt: its content hashes to {actual}");
        return bytes;
    }
}
