using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Service.Authorization;
using Signing.Testing;
using Signing.Timestamping;
using Signing.Timestamping.Http;

namespace Signing.Service.Tests;

/// <summary>
/// An external TSA over HTTP (the test token's TSA key behind Kestrel) that goes away and comes
/// back on the same port: a seal waits it out and issues, readiness says degraded meanwhile, and
/// an outage longer than Signing:Tsa:RetryFor answers 503 with nothing committed.
/// </summary>
public sealed class TsaOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(8);
    private readonly TimestampAuthority _authority;
    private readonly int _port = FreePort();
    private WebApplication? _tsa;
    private OutageFixture _fixture = null!;

    public TsaOutageTests()
    {
        var backend = IssuanceBackend.Instance;
        var key = new Pkcs11KeyStore(backend.Session).GetSignatureKey(Pkcs11Uri.For(obj: DevPkiBuilder.TsaLabel, type: "private"));
        var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(backend.Layout.CertificateFile(DevPkiBuilder.TsaLabel));
        _authority = new TimestampAuthority(key, certificate, [.. backend.Chain], new FileSerialNumberSource(RepoPaths.NewTempDirectory("outage-tsa")));
    }

    public async Task InitializeAsync()
    {
        await StartTsaAsync();
        _fixture = new OutageFixture(new Uri($"http://127.0.0.1:{_port}/tsa"));
        await _fixture.InitializeAsync();
    }

    [Fact]
    public async Task A_seal_waits_out_a_short_outage_and_issues_when_the_tsa_is_back_while_readiness_says_degraded()
    {
        var (id, _) = await _fixture.SubmitAndSignAsync("quyet-dinh");
        await StopTsaAsync();

        using var sealer = _fixture.Client(Roles.SealOperator);
        var sealing = sealer.PostAsync(_fixture.Service.Staff($"/api/documents/{id}/seal"), null);
        var degraded = await ReadinessAsync(until: "degraded");
        Assert.StartsWith("degraded: TSA unreachable", degraded.GetProperty("tsa").GetString(), StringComparison.Ordinal);
        Assert.False(sealing.IsCompleted, "the seal gave up while the TSA was still away");

        await StartTsaAsync();
        using var issued = await sealing;
        Assert.Equal("issued", (await IssuanceFixture.Json(issued, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("ok", (await ReadinessAsync(until: "ready")).GetProperty("tsa").GetString());
        Assert.Equal("create,send_for_signature,sign,seal,issue", await ActionsAsync(id));
    }

    [Fact]
    public async Task An_outage_longer_than_the_patience_is_a_503_with_nothing_committed_and_a_retry_issues()
    {
        var (id, _) = await _fixture.SubmitAndSignAsync("giay-phep");
        await StopTsaAsync();

        using var sealer = _fixture.Client(Roles.SealOperator);
        var started = DateTime.UtcNow;
        using (var refused = await sealer.PostAsync(_fixture.Service.Staff($"/api/documents/{id}/seal"), null))
        {
            var problem = await IssuanceFixture.AssertProblem(refused, 503);
            Assert.Contains("TSA unreachable", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.True(DateTime.UtcNow - started >= RetryFor - TimeSpan.FromSeconds(1), "the seal did not wait for Signing:Tsa:RetryFor");
        Assert.Equal("create,send_for_signature,sign", await ActionsAsync(id));

        await StartTsaAsync();
        using var issued = await sealer.PostAsync(_fixture.Service.Staff($"/api/documents/{id}/seal"), null);
        Assert.Equal("issued", (await IssuanceFixture.Json(issued, HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("create,send_for_signature,sign,seal,issue", await ActionsAsync(id));
    }

    private async Task<JsonElement> ReadinessAsync(string until)
    {
        using var anonymous = _fixture.Service.Client(null);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(100))
        {
            using var ready = await anonymous.GetAsync(_fixture.Service.Public("/health/ready"));
            var body = await IssuanceFixture.Json(ready, HttpStatusCode.OK); // degraded stays in the balancer's pool
            if (body.GetProperty("status").GetString() == until) return body;
            Assert.True(DateTime.UtcNow < deadline, $"readiness never said {until}: {body}");
        }
    }

    private async Task<string> ActionsAsync(Guid id)
    {
        using var staff = _fixture.Client(Roles.CounterStaff);
        var history = await IssuanceFixture.Json(await staff.GetAsync(_fixture.Service.Staff($"/api/documents/{id}/history")), HttpStatusCode.OK);
        return string.Join(",", history.EnumerateArray().Select(r => r.GetProperty("action").GetString()));
    }

    private async Task StartTsaAsync()
    {
        _tsa = TimestampHttpServer.Build(_authority, $"http://127.0.0.1:{_port}");
        await _tsa.StartAsync();
    }

    private async Task StopTsaAsync()
    {
        if (_tsa == null) return;
        await _tsa.StopAsync();
        await _tsa.DisposeAsync();
        _tsa = null;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAsync();
        await StopTsaAsync();
    }

    private sealed class OutageFixture(Uri tsaUrl) : IssuanceFixture
    {
        protected override void AddSettings(Dictionary<string, string?> settings)
        {
            settings["Signing:Tsa:Url"] = tsaUrl.AbsoluteUri;
            settings["Signing:Tsa:RetryFor"] = RetryFor.ToString();
        }
    }
}
