using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Signing.Service.Authorization;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// The OpenAPI document on the staff port: every staff role may read it, it lists every endpoint the host maps with
/// its schemas, statuses and the Idempotency-Key header, and the checked-in copy the typed client is generated from is the served one.
/// </summary>
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
            // The API reference page and its script are for people; so is the console.
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
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

    /// <summary>The mutating calls; each takes an Idempotency-Key (required where the key is kept with the record it makes).</summary>
    public static TheoryData<string, string, bool> Mutating => new()
    {
        { "/api/documents", "post", true },
        { "/api/dossiers/{dossier}/forms/{kind}", "post", true },
        { "/api/documents/{id}/prepare", "post", false },
        { "/api/documents/{id}/complete", "post", false },
        { "/api/documents/{id}/seal", "post", false },
        { "/api/documents/{id}/revoke", "post", false },
        { "/api/documents/{id}/supersede", "post", false },
        { "/api/heads/enroll", "post", false },
        { "/api/webhooks/subscriptions", "post", true },
        { "/api/webhooks/subscriptions/{id}", "delete", false },
        { "/api/webhooks/events/{id}/redeliver", "post", false },
    };

    [Theory]
    [MemberData(nameof(Mutating))]
    public async Task A_mutating_call_documents_the_Idempotency_Key_header_and_its_409(string path, string method, bool required)
    {
        var operation = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty(method);
        var header = operation.GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
        Assert.Equal(required, header.TryGetProperty("required", out var r) && r.GetBoolean());
        Assert.Equal(200, header.GetProperty("schema").GetProperty("maxLength").GetInt32());
        Assert.True(operation.GetProperty("responses").TryGetProperty("409", out _), $"POST {path} does not list 409");
    }

    [Fact]
    public async Task Every_api_operation_lists_its_answers_with_schemas_and_its_request_body()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var checkedOperations = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post"))
            {
                var where = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var responses = operation.Value.GetProperty("responses");
                var success = responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
                Assert.True(success.Count > 0, $"{where} lists no success answer");
                foreach (var answer in success)
                {
                    var content = answer.Value.GetProperty("content");
                    Assert.True(content.EnumerateObject().Any(), $"{where} {answer.Name} has no content");
                    if (content.TryGetProperty("application/json", out var json))
                        Assert.True(json.GetProperty("schema").EnumerateObject().Any(), $"{where} {answer.Name} has an empty schema");
                }

                // Every refusal is an RFC 9457 problem, and 500 is possible everywhere.
                Assert.True(responses.TryGetProperty("500", out var failure), $"{where} does not list 500");
                Assert.True(failure.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{where} 500 is not a problem");
                if (!path.Name.StartsWith("/api/public/", StringComparison.Ordinal) && path.Name != "/api/verify")
                {
                    Assert.True(responses.TryGetProperty("401", out _), $"{where} does not list 401");
                    Assert.True(responses.TryGetProperty("403", out _), $"{where} does not list 403");
                }

                // A POST with a body names its schema (prepare, seal and redeliver take none).
                if (operation.Name == "post" && !path.Name.EndsWith("/prepare", StringComparison.Ordinal) && !path.Name.EndsWith("/seal", StringComparison.Ordinal)
                    && !path.Name.EndsWith("/redeliver", StringComparison.Ordinal))
                {
                    var body = operation.Value.GetProperty("requestBody").GetProperty("content");
                    Assert.True(body.EnumerateObject().Any(c => c.Value.TryGetProperty("schema", out _)), $"{where} has no request body schema");
                }

                checkedOperations++;
            }
        }

        Assert.True(checkedOperations >= 20, $"only {checkedOperations} operations checked");
        foreach (var name in new[] { "DocumentView", "PreparedSignature", "CompleteRequest", "QueuePage", "Enrollment", "SupersedeRequest", "SupersedeResponse", "Decision", "ProblemDetails", "WebhookSubscriptionView", "WebhookDeliveryPage" })
            Assert.True(schemas.TryGetProperty(name, out _), $"no schema {name}");
        var prepared = schemas.GetProperty("PreparedSignature").GetProperty("properties");
        foreach (var property in new[] { "requestId", "hash", "nonce", "revision", "byteRange", "summary" })
            Assert.True(prepared.TryGetProperty(property, out _), $"PreparedSignature has no {property}");
    }

    /// <summary>
    /// docs/openapi/v1.json is what the typed client is generated from at build time; it must be the served document.
    /// SIGNING_WRITE_OPENAPI=1 rewrites it from the running service (then review the diff).
    /// </summary>
    [Fact]
    public async Task The_checked_in_document_is_the_served_one()
    {
        using var staff = f.Client(Roles.Auditor);
        using var response = await staff.GetAsync(f.Service.Staff(DocumentPath));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = Normalize(await response.Content.ReadAsStringAsync());
        var file = Path.Combine(RepoPaths.Root, "docs", "openapi", "v1.json");
        if (Environment.GetEnvironmentVariable("SIGNING_WRITE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, served);
        }

        Assert.True(File.Exists(file), $"{file} is missing; run this test with SIGNING_WRITE_OPENAPI=1");
        Assert.True(Normalize(await File.ReadAllTextAsync(file)) == served,
            $"{file} differs from the served document; run this test with SIGNING_WRITE_OPENAPI=1 and commit the change");
    }

    private static string Normalize(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";

    private async Task<JsonElement> DocumentAsync()
    {
        using var staff = f.Client(Roles.CounterStaff);
        using var response = await staff.GetAsync(f.Service.Staff(DocumentPath));
        return await IssuanceFixture.Json(response, HttpStatusCode.OK);
    }

    // Group prefix + "" leaves a trailing slash in the raw template; OpenAPI drops it, and the constraints.
    private static string OpenApiPath(string template) => Constraint().Replace(template.Length > 1 ? template.TrimEnd('/') : template, "{$1}");

    [GeneratedRegex(@"\{([A-Za-z]+)(:[^}]+)\}")]
    private static partial Regex Constraint();
}
