using System.Net;
using System.Net.Http.Headers;
using Signing.Service.Authorization;

namespace Signing.Service.Tests.Web;

/// <summary>Each role opens its own console pages and is refused (403, a page a person can read) on every other; the public port serves none of them.</summary>
public sealed class ConsoleAccessTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    [Fact]
    public async Task Every_role_is_refused_on_every_console_page_that_is_not_its_own()
    {
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("giay-phep"), Guid.NewGuid().ToString());
        var id = (await IssuanceFixture.Json(submitted, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var pages = new (string Path, string[] Roles)[]
        {
            ("/console", Roles.All.ToArray()),
            ("/console/intake", [Roles.CounterStaff]),
            ("/console/documents", [Roles.CounterStaff]),
            ($"/console/documents/{id}", [Roles.CounterStaff]),
            ("/console/documents.csv", [Roles.CounterStaff]),
            ($"/console/documents/{id}/pages/1.png", [Roles.CounterStaff]),
            ("/console/queue", [Roles.DepartmentHead]),
            ($"/console/queue/{id}/pages/1.png", [Roles.DepartmentHead]),
            ("/console/seal", [Roles.SealOperator]),
            ("/console/audit", [Roles.Auditor]),
            ("/console/revoke", [Roles.Admin]),
            ($"/console/documents/{id}/print", [Roles.CounterStaff]),
            ("/console/late", [Roles.CounterStaff]),
            ("/console/dossiers/000.00.15.H29-240108-0007/forms", [Roles.CounterStaff]),
            ("/console/dossiers/000.00.15.H29-240108-0007/forms/01", [Roles.CounterStaff]),
            ("/console/dossiers/000.00.15.H29-240108-0007/forms/04", [Roles.CounterStaff]),
            ("/api/dossiers/late", [Roles.CounterStaff]),
        };
        foreach (var role in Roles.All)
        {
            using var client = f.Client(role);
            client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
            foreach (var (path, admitted) in pages)
            {
                using var response = await client.GetAsync(f.Service.Staff(path));
                var expected = admitted.Contains(role) ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
                Assert.True(response.StatusCode == expected, $"{role} GET {path}: expected {(int)expected}, got {(int)response.StatusCode}");
                if (path == "/console")
                    Assert.Contains("script-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
                if (expected == HttpStatusCode.Forbidden && !path.StartsWith("/api/", StringComparison.Ordinal) && !path.EndsWith(".png", StringComparison.Ordinal) && !path.EndsWith(".csv", StringComparison.Ordinal))
                    Assert.Contains("id=\"forbidden\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }

        // A role that may post nowhere else cannot post the intake form either (403 before antiforgery is even read).
        using (var auditor = f.Client(Roles.Auditor))
        using (var posted = await auditor.PostAsync(f.Service.Staff("/console/intake?handler=Form"), new FormUrlEncodedContent([])))
            Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);

        // The public port knows none of the console's paths.
        using var anyone = f.Service.Client(null);
        foreach (var (path, _) in pages)
        {
            using var response = await anyone.GetAsync(f.Service.Public(path));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"public GET {path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Only_the_public_front_page_may_compile_its_QR_reader_and_the_module_comes_from_this_site()
    {
        using var anyone = f.Service.Client(null);
        using var front = await anyone.GetAsync(f.Service.Public("/"));
        var policy = front.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self' 'wasm-unsafe-eval';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-eval'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-inline'", policy, StringComparison.Ordinal);

        using var staff = f.Client(Roles.CounterStaff);
        using var console = await staff.GetAsync(f.Service.Staff("/console"));
        Assert.DoesNotContain("wasm", console.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        using var module = await anyone.GetAsync(f.Service.Public("/assets/zxing_reader.wasm"));
        Assert.Equal(HttpStatusCode.OK, module.StatusCode);
        Assert.Equal("application/wasm", module.Content.Headers.ContentType?.MediaType);
        Assert.True((await module.Content.ReadAsByteArrayAsync()).AsSpan(0, 4).SequenceEqual("\0asm"u8));
        // The script must not fall back to the package's CDN: the page names the module's place itself.
        using var script = await anyone.GetAsync(f.Service.Public("/assets/scan.js"));
        Assert.Contains("\"/assets/\" + path", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_head_sees_the_page_images_of_the_own_queue_only()
    {
        // The second head (the no-role certificate is mapped as one) has an empty queue.
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("giay-phep"), Guid.NewGuid().ToString());
        var id = (await IssuanceFixture.Json(submitted, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var other = f.Service.Client(f.Pki.NoRole);
        using var refused = await other.GetAsync(f.Service.Staff($"/console/queue/{id}/pages/1.png"));
        await IssuanceFixture.AssertProblem(refused, 403);
        using var head = f.Client(Roles.DepartmentHead);
        using var image = await head.GetAsync(f.Service.Staff($"/console/queue/{id}/pages/1.png"));
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        var png = await image.Content.ReadAsByteArrayAsync();
        Assert.True(png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
    }
}
