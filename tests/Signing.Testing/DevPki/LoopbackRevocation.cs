using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Signing.DevPki;

namespace Signing.Testing.DevPki;

/// <summary>
/// A test PKI's revocation services on a free loopback port: build the PKI with <see cref="Options"/>
/// (its certificates then name this port), then <see cref="Start"/>. Outside judges that ask the
/// certificates' OCSP responder (pdfsig does) get real answers instead of "Unknown issue".
/// </summary>
public sealed class LoopbackRevocation : IAsyncDisposable
{
    private WebApplication? _app;

    public LoopbackRevocation()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>How long the responder's answers are current (nextUpdate − thisUpdate); the dev default when null.</summary>
    public TimeSpan? OcspValidity { get; init; }

    public DevPkiOptions Options => new()
    {
        OcspValidity = OcspValidity ?? new DevPkiOptions().OcspValidity,
        CrlBaseUrl = new($"{BaseUrl}/crl/"),
        OcspBaseUrl = new($"{BaseUrl}/ocsp/"),
        CaIssuersBaseUrl = new($"{BaseUrl}/ca/"),
    };

    /// <summary>Serves the CRLs, CA certificates and OCSP responders of the PKI in <paramref name="layout"/>.</summary>
    public void Start(IDevKeyStore store, DevLayout layout)
    {
        if (_app != null) throw new InvalidOperationException("The revocation server is already running.");
        _app = DevRevocationServer.Build(new DevOcspResponder(store, layout, Options), layout, store, BaseUrl);
        _app.StartAsync().GetAwaiter().GetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app != null) await _app.DisposeAsync();
    }
}
