using Microsoft.AspNetCore.Builder;
using Signing.DevPki;
using Signing.Timestamping.Http;

namespace Signing.Timestamping.Tests;

/// <summary>Our TSA, keyed by the dev PKI's TSA key, served over real HTTP on a random loopback port.</summary>
public sealed class TsaServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public TestPki Pki { get; } = new();

    public TimestampAuthority Tsa { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        Tsa = new TimestampAuthority(
            Pki.TsaKey,
            Pki.TsaCertificate,
            [Pki.Result.IssuingCa],
            new FileSerialNumberSource(Pki.Layout.TsaDirectory));
        _app = TimestampHttpServer.Build(Tsa, "http://127.0.0.1:0");
        await _app.StartAsync();
        Url = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        if (_app != null) await _app.DisposeAsync();
        Http.Dispose();
        Pki.Dispose();
    }

    public string Pem(string label) => Pki.Layout.CertificateFile(label);
}
