using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Signing.Service.Authorization;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// A running service on the issuance backend with an adjustable clock; the department head has
/// enrolled the token certificate; the no-role certificate is mapped as a second head. The
/// registry is SQLite in the data directory; <see cref="PostgresIssuanceFixture"/> puts it on PostgreSQL.
/// </summary>
public class IssuanceFixture : IAsyncLifetime
{
    public TestPki Pki { get; } = new();
    public IssuanceBackend Backend => IssuanceBackend.Instance;
    public AdjustableTime Clock { get; } = new();
    public RunningService Service { get; private set; } = null!;
    public string DataDirectory { get; } = RepoPaths.NewTempDirectory("service-flow");

    /// <summary>The settings the service started with, so a test can start another host on the same registry.</summary>
    public IReadOnlyDictionary<string, string?> ServiceSettings { get; private set; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        var settings = RunningService.DefaultSettings(Pki);
        settings["Signing:DataDirectory"] = DataDirectory;
        settings["Authorization:Roles:DepartmentHead:1"] = CertificateRoleMapper.Sha256Thumbprint(Pki.NoRole);
        // The archive job's runs are driven by the tests that need them (ArchiveUpkeepTests), never by a timer.
        settings["Signing:Archive:Enabled"] = "false";
        AddSettings(settings);
        await ConfigureStorageAsync(settings);
        ServiceSettings = new Dictionary<string, string?>(settings);
        Service = await RunningService.StartAsync(Pki, settings, b =>
        {
            b.Services.AddSingleton<TimeProvider>(Clock);
            ConfigureHost(b);
        });
        using var head = Client(Roles.DepartmentHead);
        using var enrolled = await head.PostAsJsonAsync(Service.Staff("/api/heads/enroll"), new
        {
            certificate = Convert.ToBase64String(Backend.HeadCertificate.RawData),
            chain = Backend.Chain.Select(c => c.ExportCertificatePem()).ToArray(),
        });
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
    }

    /// <summary>More service settings of a derived fixture (e.g. where the console finds the desk agent).</summary>
    protected virtual void AddSettings(Dictionary<string, string?> settings)
    {
    }

    /// <summary>Where the registry lives; the default leaves it on SQLite in <see cref="DataDirectory"/>.</summary>
    protected virtual Task ConfigureStorageAsync(Dictionary<string, string?> settings) => Task.CompletedTask;

    /// <summary>More host set-up for a fixture of its own (the service's own log files; services put in before the service's own, which are added only when missing).</summary>
    protected virtual void ConfigureHost(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
    {
    }

    public HttpClient Client(string role) => Service.Client(Pki.RoleClients[role]);

    public string HeadId => CertificateRoleMapper.Sha256Thumbprint(Pki.RoleClients[Roles.DepartmentHead]);

    public static byte[] Sample(string name) => File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "decisions", name + ".json"));

    public async Task<HttpResponseMessage> SubmitAsync(byte[] body, string? key, string? signer = null, string mediaType = "application/json")
    {
        using var staff = Client(Roles.CounterStaff);
        using var request = new HttpRequestMessage(HttpMethod.Post, Service.Staff("/api/documents?signer=" + (signer ?? HeadId)));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        if (key != null) request.Headers.Add("Idempotency-Key", key);
        return await staff.SendAsync(request);
    }

    /// <summary>Submit → prepare → sign on the token → complete; returns the document id.</summary>
    public async Task<(Guid Id, string Code)> SubmitAndSignAsync(string sample)
    {
        using var submitted = await SubmitAsync(Sample(sample), Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var doc = await Json(submitted);
        var id = doc.GetProperty("id").GetGuid();
        await SignAsync(id);
        return (id, doc.GetProperty("verificationCode").GetString()!);
    }

    /// <summary>Prepare → sign on the token → complete, for a document awaiting the head's signature.</summary>
    public async Task SignAsync(Guid id)
    {
        using var head = Client(Roles.DepartmentHead);
        var prepared = await Json(await head.PostAsync(Service.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);
        using var completed = await head.PostAsJsonAsync(Service.Staff($"/api/documents/{id}/complete"), new
        {
            requestId = prepared.GetProperty("requestId").GetString(),
            signatureValue = Convert.ToBase64String(Backend.SignAsHead(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!))),
        });
        Assert.Equal("signed", (await Json(completed, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    public async Task<(Guid Id, string Code)> IssueAsync(string sample)
    {
        var (id, code) = await SubmitAndSignAsync(sample);
        using var seal = Client(Roles.SealOperator);
        using var sealedResponse = await seal.PostAsync(Service.Staff($"/api/documents/{id}/seal"), null);
        Assert.Equal("issued", (await Json(sealedResponse, HttpStatusCode.OK)).GetProperty("status").GetString());
        return (id, code);
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode? expected = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (expected is { } e) Assert.True(response.StatusCode == e, $"expected {(int)e}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> (and the field at fault when given).</summary>
    public static async Task<JsonElement> AssertProblem(HttpResponseMessage response, int status, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (field != null) Assert.Equal(field, problem.GetProperty("field").GetString());
        return problem;
    }

    public static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    public virtual async Task DisposeAsync()
    {
        await Service.DisposeAsync();
        Pki.Dispose();
    }
}
