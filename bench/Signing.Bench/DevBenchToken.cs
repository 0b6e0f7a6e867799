using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Revocation;

namespace Signing.Bench;

/// <summary>The dev token every suite signs on (made by hsm-config/setup.sh).</summary>
internal static class DevBenchToken
{
    public static DevLayout Layout()
    {
        var layout = DevLayout.Default();
        if (!File.Exists(layout.SoftHsmConfig)) throw new InvalidOperationException("No dev token: run hsm-config/setup.sh first.");
        NativeEnvironment.Set("SOFTHSM2_CONF", layout.SoftHsmConfig);
        return layout;
    }

    public static Pkcs11Token Open(DevLayout layout) =>
        Pkcs11Token.Open(DevLayout.ModulePath, Pkcs11Uri.For(token: DevLayout.TokenLabel), new FilePinSource(layout.UserPinFile));

    /// <summary>
    /// The dev OCSP responders (on the token, in process) behind a per-certificate memory: what a
    /// warm <see cref="OnlineRevocationSource"/> cache gives, without a server or a network.
    /// </summary>
    public static IRevocationSource WarmRevocation(Pkcs11DevKeyStore store, DevLayout layout) =>
        new Warm(new DevRevocationSource(new DevOcspResponder(store, layout), store));

    private sealed class Warm(IRevocationSource inner) : IRevocationSource
    {
        private readonly ConcurrentDictionary<string, RevocationLookup> _cache = new(StringComparer.Ordinal);

        public RevocationLookup Find(X509Certificate2 certificate, X509Certificate2 issuer, DateTimeOffset now) =>
            _cache.GetOrAdd(Convert.ToHexString(SHA256.HashData(certificate.RawData)), _ => inner.Find(certificate, issuer, now));
    }

    /// <summary>
    /// Serves the dev CRLs and OCSP on 127.0.0.1:8480, where the dev certificates point, so that
    /// pdfsig (the peer) checks revocation as we do. The port is the machine's: the lock file is
    /// the one the CLI tests hold while they serve it.
    /// </summary>
    public static async Task<IAsyncDisposable> ServeRevocationAsync(Pkcs11DevKeyStore store, DevLayout layout)
    {
        var portLock = new FileStream(Path.Combine(Path.GetTempPath(), "signing-dev-revocation-8480.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var app = DevRevocationServer.Build(new DevOcspResponder(store, layout), layout, store, "http://127.0.0.1:8480");
        await app.StartAsync();
        return new Served(app, portLock);
    }

    private sealed class Served(Microsoft.AspNetCore.Builder.WebApplication app, FileStream portLock) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.DisposeAsync();
            await portLock.DisposeAsync();
        }
    }
}
