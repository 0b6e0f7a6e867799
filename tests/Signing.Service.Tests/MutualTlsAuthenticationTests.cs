using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Signing.Service.Authorization;

namespace Signing.Service.Tests;

/// <summary>Through real TLS on Kestrel: who gets in, who is refused, and what the refusal looks like.</summary>
public sealed class MutualTlsAuthenticationTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private readonly TestPki _pki = fixture.Pki;
    private readonly RunningService _service = fixture.Service;

    /// <summary>The probe endpoint of each role group (Program.cs).</summary>
    public static readonly IReadOnlyDictionary<string, string> ProbeOf = new Dictionary<string, string>
    {
        [Roles.CounterStaff] = "/api/auth/probe/counter-staff",
        [Roles.DepartmentHead] = "/api/auth/probe/department-head",
        [Roles.SealOperator] = "/api/auth/probe/seal-operator",
        [Roles.Auditor] = "/api/auth/probe/auditor",
        [Roles.Admin] = "/api/auth/probe/admin",
    };

    public static TheoryData<string, string> EveryRoleOnEveryProbe()
    {
        var data = new TheoryData<string, string>();
        foreach (var role in Roles.All)
            foreach (var endpointRole in Roles.All)
                data.Add(role, endpointRole);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryRoleOnEveryProbe))]
    public async Task Each_role_reaches_only_its_own_endpoints(string role, string endpointRole)
    {
        using var client = _service.Client(_pki.RoleClients[role]);
        using var response = await client.GetAsync(_service.Staff(ProbeOf[endpointRole]));

        if (role == endpointRole)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal($"{role} Person", body.RootElement.GetProperty("name").GetString());
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            await AssertProblemAsync(response, 403, "does not hold a role");
        }
    }

    [Theory]
    [InlineData(Roles.CounterStaff)] // mapped by subject DN
    [InlineData(Roles.DepartmentHead)] // by "sha256:" thumbprint
    [InlineData(Roles.SealOperator)] // by bare lower-case thumbprint
    [InlineData(Roles.Auditor)] // by issuer + OU
    [InlineData(Roles.Admin)] // by subject DN
    public async Task Valid_certificate_gives_principal_with_thumbprint_name_and_exactly_its_role(string role)
    {
        var certificate = _pki.RoleClients[role];
        using var client = _service.Client(certificate);
        using var response = await client.GetAsync(_service.Staff(ProbeOf[role]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal($"{role} Person", body.RootElement.GetProperty("name").GetString());
        Assert.Equal(certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256),
            body.RootElement.GetProperty("thumbprint").GetString());
        Assert.Equal([role], body.RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
    }

    [Fact]
    public async Task Staff_port_refuses_the_tls_handshake_without_a_client_certificate()
    {
        using var client = _service.Client(clientCertificate: null);
        // Kestrel's RequireCertificate aborts the connection (TLS alert); no HTTP status is ever sent.
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(_service.Staff("/health")));
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task Revoked_certificate_is_refused_with_401()
    {
        using var client = _service.Client(_pki.Revoked);
        using var response = await client.GetAsync(_service.Staff(ProbeOf[Roles.CounterStaff]));
        await AssertProblemAsync(response, 401, "revoked");
    }

    [Fact]
    public async Task Expired_certificate_is_refused_with_401()
    {
        using var client = _service.Client(_pki.Expired);
        using var response = await client.GetAsync(_service.Staff(ProbeOf[Roles.CounterStaff]));
        await AssertProblemAsync(response, 401, "expired");
    }

    [Fact]
    public async Task Certificate_from_an_unknown_ca_is_refused_with_401_even_with_a_mapped_subject()
    {
        using var client = _service.Client(_pki.FromUnknownCa);
        using var response = await client.GetAsync(_service.Staff(ProbeOf[Roles.Admin]));
        await AssertProblemAsync(response, 401, "not issued by a trusted client CA");
    }

    [Fact]
    public async Task Self_signed_certificate_with_a_mapped_subject_is_refused_with_401()
    {
        using var client = _service.Client(_pki.SelfSigned);
        using var response = await client.GetAsync(_service.Staff(ProbeOf[Roles.Admin]));
        await AssertProblemAsync(response, 401, "Self-signed");
    }

    [Fact]
    public async Task Certificate_without_client_auth_eku_is_refused_with_401()
    {
        using var client = _service.Client(_pki.WithoutClientAuthEku);
        using var response = await client.GetAsync(_service.Staff(ProbeOf[Roles.CounterStaff]));
        await AssertProblemAsync(response, 401, "not valid for client authentication");
    }

    [Fact]
    public async Task Valid_certificate_without_any_role_is_forbidden_everywhere_but_authenticated()
    {
        using var client = _service.Client(_pki.NoRole);
        foreach (var probe in ProbeOf.Values)
        {
            using var response = await client.GetAsync(_service.Staff(probe));
            await AssertProblemAsync(response, 403, "does not hold a role");
        }
        using var health = await client.GetAsync(_service.Staff("/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Public_port_answers_anonymously_and_serves_no_staff_endpoint()
    {
        using var client = _service.Client(clientCertificate: null);
        using var ping = await client.GetAsync(_service.Public("/api/public/ping"));
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        using var health = await client.GetAsync(_service.Public("/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        foreach (var probe in ProbeOf.Values)
        {
            using var response = await client.GetAsync(_service.Public(probe));
            await AssertProblemAsync(response, 404, "No such resource on this port");
        }
    }

    [Fact]
    public async Task Public_port_ignores_a_spoofed_host_header_naming_the_staff_port()
    {
        using var client = _service.Client(clientCertificate: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, _service.Public(ProbeOf[Roles.Admin]));
        request.Headers.Host = $"127.0.0.1:{_service.StaffPort}";
        using var response = await client.SendAsync(request);
        await AssertProblemAsync(response, 404, "No such resource on this port");
    }

    [Fact]
    public async Task Staff_port_does_not_serve_public_endpoints()
    {
        using var client = _service.Client(_pki.RoleClients[Roles.CounterStaff]);
        using var response = await client.GetAsync(_service.Staff("/api/public/ping"));
        await AssertProblemAsync(response, 404, "No such resource on this port");
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, int status, string reasonFragment)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(reasonFragment, problem.RootElement.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        // A short reason only: no exception text, stack frames or certificate dumps.
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Signing.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN CERTIFICATE", text, StringComparison.Ordinal);
        Assert.True(text.Length < 600, $"problem body unexpectedly long: {text}");
    }
}
