using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Signing.Core.IO;

/// <summary>
/// An HTTPS client for our own services, whose certificates come from a private CA rather than
/// the system store: the server must match the host name and chain to <c>serverCas</c> (the same
/// certificates are offered as intermediates); an optional client certificate is presented for
/// mutual TLS. The server certificate's revocation is not checked: these clients have no CRL
/// source configured (the service checks its clients' certificates by CRL).
/// </summary>
public static class PrivateCaHttpClient
{
    public static HttpClient Create(X509Certificate2Collection serverCas, X509Certificate2? clientCertificate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(serverCas);
        if (serverCas.Count == 0) throw new ArgumentException("at least one server CA is needed", nameof(serverCas));
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, errors) => IsTrusted(presented as X509Certificate2, errors, serverCas) },
        };
        if (clientCertificate != null) handler.SslOptions.ClientCertificates = [clientCertificate];
        return new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    private static bool IsTrusted(X509Certificate2? presented, SslPolicyErrors errors, X509Certificate2Collection cas)
    {
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.ExtraStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(presented);
    }
}
