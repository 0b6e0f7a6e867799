using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Signing.Service.Authorization;

namespace Signing.Service.Tests;

/// <summary>The OpenAPI document on the staff port: every staff role may read it, it lists every endpoint the host maps.</summary>
public sealed partial class OpenApiTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    private const string DocumentPath = "/openapi/v1.json";

    [Fact]
    public async Task The_document_lists_every_mapped_endpoint_with_its_method()
    {
        using var staff = f.Client(Roles.CounterStaff);
        using var response = await staff.GetAsync(f.Service.Staff(DocumentPath));
        var document = await IssuanceFixture.Json(response, HttpStatusCode.OK);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");

        // What the host really maps (route templates without constraints, as OpenAPI writes them).
        var mapped = f.Service.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText != "/openapi/{documentName}.json")
            // Prometheus text for a scraper, not an API call (docs/service.md, Observability).
            .Where(e => e.RoutePattern.RawText != ServiceTelemetry.MetricsPath)
            // The console's pages are for people; the API description lists what programs call.
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() == null)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (Method: m.ToLowerInvariant(), Path: OpenApiPath(e.RoutePattern.RawText!))))
            .Distinct()
            .ToList();
        Assert.Contains(mapped, m => m.Path == "/api/documents/{id}/seal");
        Assert.True(mapped.Count >= 20, $"only {mapped.Count} endpoints mapped");
        foreach (var (method, path) in mapped)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing from the OpenAPI document");
            Assert.True(item.TryGetProperty(method, out _), $"{method.ToUpperInvariant()} {path} is missing from the OpenAPI document");
        }
    }

    [Fact]
    public async Task Every_staff_role_may_read_it_a_certificate_without_a_role_may_not_and_the_public_port_has_none()
    {
        foreach (var role in Roles.All)
        {
            using var client = f.Client(role);
            using var response = await client.GetAsync(f.Service.Staff(DocumentPath));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{role}: {(int)response.StatusCode}");
        }

        using var nobody = f.Service.Client(f.Pki.FromUnknownCa);
        await IssuanceFixture.AssertProblem(await nobody.GetAsync(f.Service.Staff(DocumentPath)), 401);
        using var anonymous = f.Service.Client(clientCertificate: null);
        await IssuanceFixture.AssertProblem(await anonymous.GetAsync(f.Service.Public(DocumentPath)), 404);
    }

    // Group prefix + "" leaves a trailing slash in the raw template; OpenAPI drops it, and the constraints.
    private static string OpenApiPath(string template) => Constraint().Replace(template.Length > 1 ? template.TrimEnd('/') : template, "{$1}");

    [GeneratedRegex(@"\{([A-Za-z]+)(:[^}]+)\}")]
    private static partial Regex Constraint();
}
