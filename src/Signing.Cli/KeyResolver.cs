using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.DevPki;
using Signing.Pkcs11;

namespace Signing.Cli;

/// <summary>A signing key on its token with the certificate and chain that go with it.</summary>
internal sealed record ResolvedSigner(Pkcs11Token Token, Pkcs11SignatureKey Key, X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Chain) : IDisposable
{
    public void Dispose() => Token.Dispose();
}

/// <summary>
/// Turns `--key pkcs11:...` into a key, its certificate (from --cert or the token, same label/id)
/// and its chain (from --chain, or the dev chain for the dev token).
/// </summary>
internal static class KeyResolver
{
    public static ResolvedSigner Resolve(string keyUri, string? module, string? pinSource, string? certFile, string? chainFile)
    {
        var uri = Pkcs11Uri.Parse(keyUri);
        var modulePath = DevDefaults.Module(module ?? uri.ModulePath);
        var tokenLabel = uri.Token ?? DevLayout.TokenLabel;
        var selector = uri.Token == null && uri.Serial == null ? Pkcs11Uri.For(token: DevLayout.TokenLabel) : uri;
        var token = Pkcs11Token.Open(modulePath, selector, DevDefaults.PinSource(pinSource ?? uri.PinSource, tokenLabel));
        try
        {
            var store = new Pkcs11KeyStore(token);
            var key = store.GetSignatureKey(uri);
            var cert = certFile != null
                ? LoadCertificate(certFile)
                : store.FindCertificate(Pkcs11Uri.For(obj: uri.Object, id: uri.Id, type: "cert"))
                  ?? throw new SigningException($"No certificate for {uri} on the token: give one with --cert.");
            if (!cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new SigningException($"The certificate '{cert.Subject}' does not belong to the key {uri}.");
            }

            var chain = chainFile != null ? LoadChain(chainFile)
                : token.Info.Label == DevLayout.TokenLabel && File.Exists(DevChainFile) ? LoadChain(DevChainFile)
                : [];
            return new ResolvedSigner(token, key, cert, chain);
        }
        catch
        {
            token.Dispose();
            throw;
        }
    }

    public static string DevChainFile => Path.Combine(DevDefaults.Layout.PkiDirectory, DevPkiBuilder.ChainFileName);

    public static X509Certificate2 LoadCertificate(string path)
    {
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new SigningException($"Cannot read certificate {path}: {ex.Message.ReplaceLineEndings(" ")}");
        }
    }

    public static List<X509Certificate2> LoadChain(string path)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new SigningException($"Cannot read certificates from {path}: {ex.Message.ReplaceLineEndings(" ")}");
        }

        if (collection.Count == 0) throw new SigningException($"No PEM certificates in {path}.");
        return [.. collection];
    }
}
