using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Seal;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Service.Contracts;

namespace Signing.Service.Api;

/// <summary>
/// The seal certificates the public page's offline verifier trusts: the current seal key's, the
/// further ones configured for rollover, and which of them the configured CRLs revoke. The CRL
/// files are read on every request, so a new CRL takes effect without a restart.
/// </summary>
public sealed class SealKeyListSource(IssuanceRuntime runtime, TimeProvider time)
{
    public SealKeyList Current()
    {
        var options = runtime.Options;
        var files = new List<X509Certificate2>();
        if (runtime.PrintedSeal is { } signer) files.Add(signer.Certificate);
        foreach (var path in options.PrintedSealCertificateFiles)
        {
            var collection = new X509Certificate2Collection();
            try
            {
                collection.ImportFromPemFile(path);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                throw new SigningException($"Signing:PrintedSeal:Certificates: {path} cannot be read ({ex.Message})", ex);
            }

            files.AddRange(collection);
        }

        var trusted = new SealCertificates(files);
        var issuers = files.Concat(runtime.TrustAnchors).Concat(runtime.Intermediates).ToList();
        foreach (var crl in options.PrintedSealCrlFiles)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(crl);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SigningException($"Signing:PrintedSeal:RevocationLists: {crl} cannot be read ({ex.Message})", ex);
            }

            trusted.ApplyCrl(bytes, issuers);
        }

        var certificates = trusted.All
            .Select(c => new SealKeyEntry(Convert.ToHexString(SealKeyId.Of(c)), Convert.ToBase64String(c.RawData), c.NotBefore.ToUniversalTime(), c.NotAfter.ToUniversalTime()))
            .OrderBy(c => c.NotBefore).ToList();
        var revoked = trusted.All
            .Where(c => trusted.RevokedAt(c) is not null)
            .Select(c => new RevokedSealKey(Convert.ToHexString(SealKeyId.Of(c)), trusted.RevokedAt(c)!.Value)).ToList();
        return new SealKeyList(certificates, revoked, time.GetUtcNow());
    }
}

internal static class SealKeysApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/public/seal-keys", (SealKeyListSource source, HttpContext http) =>
        {
            // Browsers revalidate every time they are online; the service worker keeps the last copy for offline use.
            http.Response.Headers.CacheControl = "no-cache";
            return TypedResults.Ok(source.Current());
        }).PublicEndpoint().PublicProblems();
    }
}
