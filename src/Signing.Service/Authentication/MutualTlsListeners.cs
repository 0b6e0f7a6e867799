using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Signing.Core;
using Signing.Service.Authorization;

namespace Signing.Service.Authentication;

/// <summary>
/// The two Kestrel listeners from "Service:Listeners" and the server certificate from
/// "Service:ServerCertificate" (Path to a PKCS#12 file with Password or PasswordFile, or a PEM
/// certificate with KeyPath). The staff listener requires a client certificate in the TLS
/// handshake (no certificate, no connection); its trust decision is left to
/// the certificate authentication scheme (<see cref="ClientCertificateEvents"/>) so that a rejected certificate gets a
/// 401 problem with a reason instead of a bare TLS alert. The public listener asks for none.
/// Each connection is tagged with <see cref="ServiceListenerFeature"/>.
/// </summary>
public sealed class MutualTlsListeners
{
    public const string ListenersSection = "Service:Listeners";
    public const string ServerCertificateSection = "Service:ServerCertificate";

    /// <summary>The staff listener once Kestrel has configured it; after start its EndPoint holds the bound port.</summary>
    public ListenOptions? Staff { get; private set; }

    /// <summary>The public listener once Kestrel has configured it.</summary>
    public ListenOptions? Public { get; private set; }

    /// <summary>Port the staff listener is bound to (after the server started).</summary>
    public int StaffPort => (Staff?.IPEndPoint ?? throw new InvalidOperationException("The server has not started.")).Port;

    /// <summary>Port the public listener is bound to (after the server started).</summary>
    public int PublicPort => (Public?.IPEndPoint ?? throw new InvalidOperationException("The server has not started.")).Port;

    /// <summary>Adds both listeners to <paramref name="kestrel"/> from <paramref name="configuration"/>.</summary>
    public void Configure(KestrelServerOptions kestrel, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(configuration);
        var (serverCertificate, chain) = LoadServerCertificate(configuration.GetSection(ServerCertificateSection));
        Staff = Listen(kestrel, configuration, ServiceListener.Staff, serverCertificate, chain, defaultPort: 8443);
        Public = Listen(kestrel, configuration, ServiceListener.Public, serverCertificate, chain, defaultPort: 8444);
    }

    private static ListenOptions Listen(KestrelServerOptions kestrel, IConfiguration configuration, ServiceListener listener,
        X509Certificate2 serverCertificate, X509Certificate2Collection chain, int defaultPort)
    {
        var section = configuration.GetSection($"{ListenersSection}:{listener}");
        var addressText = section["Address"] ?? "127.0.0.1";
        if (!IPAddress.TryParse(addressText, out var address))
            throw new SigningException($"{ListenersSection}:{listener}:Address '{addressText}' is not an IP address.");
        var portText = section["Port"];
        var port = defaultPort;
        if (portText != null && (!int.TryParse(portText, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 0 or > 65535))
            throw new SigningException($"{ListenersSection}:{listener}:Port '{portText}' is not a port number.");

        ListenOptions? created = null;
        kestrel.Listen(address, port, listen =>
        {
            created = listen;
            listen.Use(next => connection =>
            {
                connection.Features.Set(new ServiceListenerFeature(listener));
                return next(connection);
            });
            listen.UseHttps(https =>
            {
                https.ServerCertificate = serverCertificate;
                // Send the intermediates from the PKCS#12 file: clients that trust only the root can build the chain.
                if (chain.Count > 0) https.ServerCertificateChain = chain;
                if (listener == ServiceListener.Staff)
                {
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    // The handshake already proved possession of the key; chain, usage and CRL
                    // checks happen in the authentication handler, which can explain a refusal.
                    https.AllowAnyClientCertificate();
                }
                else
                {
                    https.ClientCertificateMode = ClientCertificateMode.NoCertificate;
                }
            });
        });
        return created!;
    }

    // PasswordFile keeps the password out of the configuration file (setup writes it mode 600); Password is for tests and env.
    private static string? Password(IConfigurationSection section)
    {
        var file = section["PasswordFile"];
        if (string.IsNullOrWhiteSpace(file)) return section["Password"];
        try
        {
            return File.ReadAllText(file).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SigningException($"{ServerCertificateSection}:PasswordFile '{file}' cannot be read ({e.Message}).");
        }
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) LoadServerCertificate(IConfigurationSection section)
    {
        var path = section["Path"];
        if (string.IsNullOrWhiteSpace(path))
            throw new SigningException($"{ServerCertificateSection}:Path is not set (a PKCS#12 file, or a PEM certificate with KeyPath).");
        if (!File.Exists(path)) throw new SigningException($"{ServerCertificateSection}:Path '{path}' does not exist.");
        try
        {
            var keyPath = section["KeyPath"];
            if (!string.IsNullOrWhiteSpace(keyPath)) return (WithKey(X509Certificate2.CreateFromPemFile(path, keyPath), path), []);
            var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, Password(section));
            var certificate = WithKey(all.FirstOrDefault(c => c.HasPrivateKey) ?? all.FirstOrDefault(), path);
            var chain = new X509Certificate2Collection();
            foreach (var other in all.Where(c => !ReferenceEquals(c, certificate))) chain.Add(other);
            return (certificate, chain);
        }
        catch (CryptographicException e)
        {
            throw new SigningException($"{ServerCertificateSection}: '{path}' cannot be loaded ({e.Message}); check the file and its password.");
        }
    }

    private static X509Certificate2 WithKey(X509Certificate2? certificate, string path) =>
        certificate is { HasPrivateKey: true } ? certificate : throw new SigningException($"{ServerCertificateSection}: '{path}' has no private key.");
}
