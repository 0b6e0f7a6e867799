using System.Net;
using System.Text.RegularExpressions;
using Signing.Service.Authorization;

namespace Signing.Service.Tests.Api;

/// <summary>The API reference page (Scalar): on the staff port for the OpenAPI document's readers only, its script served locally under a nonce policy.</summary>
public sealed partial class ApiReferencePageTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    [Fact]
    public async Task The_page_loads_on_the_staff_port_with_local_scripts_under_a_nonce_policy()
    {
        using var staff = f.Client(Roles.Auditor);
        using var page = await staff.GetAsync(f.Service.Staff("/api-reference"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        var policy = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        var nonce = Nonce().Match(policy).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(nonce), policy);
        Assert.Contains("connect-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);

        var scripts = Script().Matches(html).Select(m => m.Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.Contains($"nonce=\"{nonce}\"", script, StringComparison.Ordinal);
            Assert.DoesNotContain("http", script, StringComparison.OrdinalIgnoreCase);
        }

        // Its script bundle comes from this service, and the page points Scalar at this service's OpenAPI document
        // (both relative to the page's address, as the browser resolves them).
        var pageUri = page.RequestMessage!.RequestUri!;
        foreach (var src in scripts.Select(s => Source().Match(s)).Where(m => m.Success).Select(m => m.Groups[1].Value))
        {
            using var asset = await staff.GetAsync(new Uri(pageUri, src));
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{src} from {pageUri}: {(int)asset.StatusCode}");
            Assert.True((await asset.Content.ReadAsByteArrayAsync()).Length > 1000, $"{src} is almost empty");
        }

        var documentUrl = DocumentUrl().Match(html).Groups[1].Value;
        using var document = await staff.GetAsync(new Uri(pageUri, documentUrl));
        Assert.True(document.StatusCode == HttpStatusCode.OK, $"{documentUrl} from {pageUri}: {(int)document.StatusCode}");
        Assert.StartsWith("3.", (await IssuanceFixture.Json(document)).GetProperty("openapi").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_public_port_has_no_reference_page_and_a_certificate_without_a_role_is_refused()
    {
        using var anonymous = f.Service.Client(clientCertificate: null);
        await IssuanceFixture.AssertProblem(await anonymous.GetAsync(f.Service.Public("/api-reference")), 404);
        using var nobody = f.Service.Client(f.Pki.FromUnknownCa);
        await IssuanceFixture.AssertProblem(await nobody.GetAsync(f.Service.Staff("/api-reference")), 401);
    }

    [GeneratedRegex("script-src 'self' 'nonce-([^']+)'")]
    private static partial Regex Nonce();

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex Script();

    [GeneratedRegex("src=\"([^\"]+)\"")]
    private static partial Regex Source();

    [GeneratedRegex("\"sources\":\\[\\{[^}]*\"url\":\"([^\"]+)\"")]
    private static partial Regex DocumentUrl();
}
