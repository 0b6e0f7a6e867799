using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Signing.Revocation;

/// <summary>
/// Verdicts of <see cref="Ocsp.Check"/> and <see cref="Crl.Check"/> by the SHA-256 of the data, the
/// certificate and the issuer: the same /DSS is checked again on every verification, and the
/// signature check (BouncyCastle validates the RSA key each time) is the costly part. The verdict
/// depends on those bytes only, so a reused one is what a new check would give.
/// </summary>
internal static class CheckCache
{
    private const int MaxEntries = 4096;
    private static readonly BoundedMemo<string, (RevocationAnswer? Answer, string? Problem)> Verdicts = new(MaxEntries, StringComparer.Ordinal);

    public static (RevocationAnswer? Answer, string? Problem) GetOrCheck(string kind, byte[] data, X509Certificate2 certificate, X509Certificate2 issuer, Func<(RevocationAnswer?, string?)> check)
    {
        var key = kind + Convert.ToHexString(SHA256.HashData(data)) + Convert.ToHexString(SHA256.HashData(certificate.RawDataMemory.Span)) + Convert.ToHexString(SHA256.HashData(issuer.RawDataMemory.Span));
        return Verdicts.GetOrAdd(key, _ => check());
    }
}
