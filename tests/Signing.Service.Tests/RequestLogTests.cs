using System.Net;
using System.Text.Json;
using Signing.Service.Authorization;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>The request log in the service's own JSON file: one line per request with its route and correlation id, and no subject names.</summary>
public sealed class RequestLogTests(TestPki pki) : IClassFixture<TestPki>
{
    [Fact]
    public async Task Each_request_logs_method_route_status_and_correlation_id_and_no_subject_names()
    {
        var logDirectory = RepoPaths.NewTempDirectory("service-logs");
        var settings = RunningService.DefaultSettings(pki);
        settings["Signing:Logging:Directory"] = logDirectory;
        settings["Signing:Logging:Console"] = "false";
        // RunningService clears the logging providers; the service's Serilog setup is put back on purpose.
        await using (var service = await RunningService.StartAsync(pki, settings, b => ServiceLogging.AddSerilog(b.Services)))
        {
            using var client = service.Client(pki.RoleClients[Roles.CounterStaff]);
            using var probe = new HttpRequestMessage(HttpMethod.Get, service.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]));
            probe.Headers.Add(ServiceLogging.CorrelationHeader, "log-test-1");
            using var ok = await client.SendAsync(probe);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("log-test-1", ok.Headers.GetValues(ServiceLogging.CorrelationHeader).Single());
            using var missing = await client.GetAsync(service.Staff($"/api/documents/{Guid.NewGuid()}"));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

            using var revokedClient = service.Client(pki.Revoked);
            using var revoked = await revokedClient.GetAsync(service.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]));
            Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
            // Refused by the certificate handler's own chain check, whose warning names the subject.
            using var expiredClient = service.Client(pki.Expired);
            using var expired = await expiredClient.GetAsync(service.Staff(MutualTlsAuthenticationTests.ProbeOf[Roles.CounterStaff]));
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        }

        var lines = Directory.GetFiles(logDirectory, "service-*.json").SelectMany(File.ReadAllLines).ToList();
        var requests = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Properties"))
            .Where(p => p.TryGetProperty("Route", out _))
            .Select(p => (Correlation: p.GetProperty("CorrelationId").GetString(), Method: p.GetProperty("Method").GetString(),
                Route: p.GetProperty("Route").GetString(), Status: p.GetProperty("Status").GetInt32(), ElapsedMs: p.GetProperty("ElapsedMs").GetDouble()))
            .ToList();
        var probeLine = Assert.Single(requests, r => r.Correlation == "log-test-1");
        Assert.Equal(("GET", "/api/auth/probe/counter-staff", 200), (probeLine.Method, probeLine.Route, probeLine.Status));
        Assert.True(probeLine.ElapsedMs > 0);
        Assert.Contains(requests, r => r.Route == "/api/auth/probe/counter-staff" && r.Status == 401 && r.Correlation is { Length: 32 });
        Assert.Contains(requests, r => r.Status == 404);
        var text = string.Join('\n', lines);
        var thumbprint = CertificateRoleMapper.Sha256Thumbprint(pki.Revoked);
        Assert.Contains(lines, l => l.Contains("rejected", StringComparison.Ordinal) && l.Contains(thumbprint, StringComparison.Ordinal));
        // Certificates are named by thumbprint: their subjects are people's names.
        Assert.DoesNotContain("Person", text, StringComparison.Ordinal);
    }
}
