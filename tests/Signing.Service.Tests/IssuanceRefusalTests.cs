using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Signing.Core;
using Signing.Service.Authorization;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>Bad input, wrong roles and misconfiguration: a problem with the right status, and nothing stored.</summary>
public sealed class IssuanceRefusalTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    private async Task<long> StoredDocuments()
    {
        using var staff = f.Client(Roles.CounterStaff);
        return (await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff("/api/documents?limit=1")), HttpStatusCode.OK)).GetProperty("total").GetInt64();
    }

    private int BlobCount() => Directory.Exists(Path.Combine(f.DataDirectory, "blobs"))
        ? Directory.GetFiles(Path.Combine(f.DataDirectory, "blobs"), "*", SearchOption.AllDirectories).Length : 0;

    [Fact]
    public async Task Bad_submissions_are_problems_and_store_nothing()
    {
        var before = (await StoredDocuments(), BlobCount());
        var sample = IssuanceFixture.Sample("quyet-dinh");

        await IssuanceFixture.AssertProblem(await f.SubmitAsync(Encoding.UTF8.GetBytes("{\"template\": "), Guid.NewGuid().ToString()), 400);
        var invalid = await IssuanceFixture.AssertProblem(await f.SubmitAsync(Encoding.UTF8.GetBytes("{\"template\":\"quyet-dinh\"}"), Guid.NewGuid().ToString()), 422);
        Assert.True(invalid.GetProperty("errors").EnumerateObject().Any(), "a validation problem lists the fields at fault");
        await IssuanceFixture.AssertProblem(await f.SubmitAsync(sample, Guid.NewGuid().ToString(), mediaType: "text/plain"), 415);
        await IssuanceFixture.AssertProblem(await f.SubmitAsync(new byte[Signing.Core.Decisions.DecisionJson.MaxBytes + 1], Guid.NewGuid().ToString()), 413);
        await IssuanceFixture.AssertProblem(await f.SubmitAsync(sample, key: null), 400, "Idempotency-Key");
        await IssuanceFixture.AssertProblem(await f.SubmitAsync(sample, Guid.NewGuid().ToString(), signer: new string('A', 64)), 422, "signer");

        Assert.Equal(before, (await StoredDocuments(), BlobCount()));
    }

    [Fact]
    public async Task Unknown_ids_and_codes_are_404_problems()
    {
        using var staff = f.Client(Roles.CounterStaff);
        var unknown = Guid.NewGuid();
        await IssuanceFixture.AssertProblem(await staff.GetAsync(f.Service.Staff($"/api/documents/{unknown}")), 404);
        await IssuanceFixture.AssertProblem(await staff.GetAsync(f.Service.Staff($"/api/documents/{unknown}/pdf")), 404);
        await IssuanceFixture.AssertProblem(await staff.GetAsync(f.Service.Staff($"/api/documents/{unknown}/history")), 404);
        await IssuanceFixture.AssertProblem(await staff.GetAsync(f.Service.Staff("/api/documents?status=nonsense")), 400, "status");
        using var seal = f.Client(Roles.SealOperator);
        await IssuanceFixture.AssertProblem(await seal.PostAsync(f.Service.Staff($"/api/documents/{unknown}/seal"), null), 404);
        using var anonymous = f.Service.Client(clientCertificate: null);
        await IssuanceFixture.AssertProblem(await anonymous.GetAsync(f.Service.Public("/v/0000-0000-000")), 404);
        await IssuanceFixture.AssertProblem(await anonymous.GetAsync(f.Service.Public("/api/public/verify/not-a-code")), 404);
    }

    [Fact]
    public async Task A_document_not_yet_issued_is_not_public_and_cannot_be_sealed_before_the_head_signs()
    {
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("quyet-dinh"), Guid.NewGuid().ToString());
        var doc = await IssuanceFixture.Json(submitted, HttpStatusCode.Created);
        using var seal = f.Client(Roles.SealOperator);
        await IssuanceFixture.AssertProblem(await seal.PostAsync(f.Service.Staff($"/api/documents/{doc.GetProperty("id").GetGuid()}/seal"), null), 409);
        using var anonymous = f.Service.Client(clientCertificate: null);
        await IssuanceFixture.AssertProblem(await anonymous.GetAsync(f.Service.Public($"/v/{doc.GetProperty("verificationCode").GetString()}")), 404);
    }

    [Fact]
    public async Task Uploads_that_are_not_pdfs_or_too_big_are_refused()
    {
        using var anonymous = f.Service.Client(clientCertificate: null);
        async Task<HttpResponseMessage> Post(byte[] body, string mediaType)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return await anonymous.PostAsync(f.Service.Public("/api/verify"), content);
        }

        await IssuanceFixture.AssertProblem(await Post(Encoding.ASCII.GetBytes("hello, not a pdf"), "application/pdf"), 422, "file");
        await IssuanceFixture.AssertProblem(await Post(Encoding.ASCII.GetBytes("%PDF-1.7\n garbage without xref"), "application/pdf"), 422, "file");
        await IssuanceFixture.AssertProblem(await Post(Encoding.ASCII.GetBytes("%PDF-1.7"), "text/plain"), 415);
        await IssuanceFixture.AssertProblem(await Post(new byte[20 * 1024 * 1024 + 1], "application/pdf"), 413);
    }

    [Fact]
    public async Task Hostile_uploads_to_public_verify_get_a_report_or_a_422_never_a_500_and_the_service_keeps_answering()
    {
        using var anonymous = f.Service.Client(clientCertificate: null);
        async Task<HttpResponseMessage> Post(byte[] body)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            return await anonymous.PostAsync(f.Service.Public("/api/verify"), content);
        }

        var lengthLoop = HandWrittenPdf.Minimal("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>", "<</Type/Page/Parent 2 0 R/Contents[4 0 R 5 0 R]>>",
            "<</Length 5 0 R>>\nstream\nq Q\nendstream", "<</Length 4 0 R>>\nstream\nq Q\nendstream");
        var pagesLoop = HandWrittenPdf.Minimal("<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[3 0 R]>>>>", "<</Type/Pages/Kids[2 0 R 3 0 R]/Count 1>>", "3 0 R");
        var deep = HandWrittenPdf.Minimal("<</Type/Catalog/Pages 2 0 R/X " + new string('[', 100_000) + new string(']', 100_000) + ">>", "<</Type/Pages/Kids[]/Count 0>>");
        var badXref = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(lengthLoop).Replace("/Size 6", "/Size 6/Prev 5", StringComparison.Ordinal));

        foreach (var (what, body) in new[] { ("length loop", lengthLoop), ("pages loop", pagesLoop), ("deep nesting", deep), ("bad /Prev", badXref) })
        {
            using var response = await Post(body);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.UnprocessableEntity, $"{what}: {(int)response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var json = await IssuanceFixture.Json(response, HttpStatusCode.OK);
                Assert.NotEqual("PASSED", json.GetProperty("verdict").GetString());
            }
            else
            {
                await IssuanceFixture.AssertProblem(response, 422, "file");
            }
        }

        await IssuanceFixture.AssertProblem(await Post(Encoding.ASCII.GetBytes("hello, not a pdf")), 422, "file");
    }

    public static TheoryData<string, string, string> NewEndpoints() => new()
    {
        { "POST", "/api/documents?signer=X", Roles.CounterStaff },
        { "GET", "/api/documents", Roles.CounterStaff },
        { "GET", "/api/documents/{id}", Roles.CounterStaff },
        { "GET", "/api/documents/{id}/history", Roles.CounterStaff },
        { "GET", "/api/documents/{id}/pdf", Roles.CounterStaff },
        { "POST", "/api/heads/enroll", Roles.DepartmentHead },
        { "GET", "/api/heads/me/queue", Roles.DepartmentHead },
        { "GET", "/api/heads/me/documents/{id}/pdf", Roles.DepartmentHead },
        { "POST", "/api/documents/{id}/prepare", Roles.DepartmentHead },
        { "POST", "/api/documents/{id}/complete", Roles.DepartmentHead },
        { "POST", "/api/documents/{id}/seal", Roles.SealOperator },
        { "POST", "/api/documents/{id}/revoke", Roles.Admin },
        { "POST", "/api/documents/{id}/supersede", Roles.Admin },
    };

    [Theory]
    [MemberData(nameof(NewEndpoints))]
    public async Task Each_role_is_refused_where_it_does_not_belong(string method, string path, string allowed)
    {
        var url = path.Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        foreach (var role in Roles.All.Where(r => r != allowed))
        {
            using var client = f.Client(role);
            using var request = new HttpRequestMessage(new HttpMethod(method), f.Service.Staff(url));
            if (method == "POST") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            await IssuanceFixture.AssertProblem(await client.SendAsync(request), 403);
        }
        // Staff endpoints do not exist on the public port at all.
        using var anonymous = f.Service.Client(clientCertificate: null);
        using var onPublic = new HttpRequestMessage(new HttpMethod(method), f.Service.Public(url));
        await IssuanceFixture.AssertProblem(await anonymous.SendAsync(onPublic), 404);
    }

    [Fact]
    public async Task Enrolment_refuses_a_certificate_outside_the_trust_anchors()
    {
        using var head = f.Client(Roles.DepartmentHead);
        // The TLS client certificates come from another PKI than the signing anchors.
        var body = IssuanceFixture.JsonBody($"{{\"certificate\":\"{Convert.ToBase64String(f.Pki.RoleClients[Roles.DepartmentHead].RawData)}\"}}");
        await IssuanceFixture.AssertProblem(await head.PostAsync(f.Service.Staff("/api/heads/enroll"), body), 422, "certificate");
        await IssuanceFixture.AssertProblem(await head.PostAsync(f.Service.Staff("/api/heads/enroll"), IssuanceFixture.JsonBody("{\"certificate\":\"!!\"}")), 400, "certificate");
    }

    [Fact]
    public async Task Health_reports_database_token_and_tsa_and_readiness()
    {
        using var anonymous = f.Service.Client(clientCertificate: null);
        var health = await IssuanceFixture.Json(await anonymous.GetAsync(f.Service.Public("/health")), HttpStatusCode.OK);
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        foreach (var check in new[] { "database", "token", "tsa" })
            Assert.Equal("ok", health.GetProperty("checks").GetProperty(check).GetString());
        var ready = await IssuanceFixture.Json(await anonymous.GetAsync(f.Service.Public("/health/ready")), HttpStatusCode.OK);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Uploads_are_rate_limited_with_a_429_problem()
    {
        var settings = RunningService.DefaultSettings(f.Pki);
        settings["Signing:Verify:PermitsPerMinute"] = "2";
        await using var service = await RunningService.StartAsync(f.Pki, settings);
        using var anonymous = service.Client(clientCertificate: null);
        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var content = new ByteArrayContent(Encoding.ASCII.GetBytes("not a pdf"));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            using var response = await anonymous.PostAsync(service.Public("/api/verify"), content);
            statuses.Add((int)response.StatusCode);
            if (i == 2) await IssuanceFixture.AssertProblem(response, 429);
        }
        Assert.Equal([422, 422, 429], statuses);
    }

    [Theory]
    [InlineData("Signing:Seal:KeyUri", null, "Signing:Seal:KeyUri is not set")]
    [InlineData("Signing:Seal:KeyUri", "pkcs11:token=no-such-token;object=seal;type=private", "Signing:Seal:KeyUri")]
    [InlineData("Signing:Seal:KeyUri", "pkcs11:object=no-such-key;type=private", "Signing:Seal:KeyUri")]
    [InlineData("Signing:Seal:PinSource", "1234", "must be env:NAME or file:/path")]
    [InlineData("Signing:Seal:PinSource", "env:SIGNING_TEST_UNSET_PIN_VARIABLE", "Signing:Seal:PinSource")]
    [InlineData("Signing:Tsa:KeyUri", null, "Signing:Tsa:Url is not set")]
    [InlineData("Signing:Tsa:Url", "http://127.0.0.1:1/tsa", "Signing:Tsa")]
    [InlineData("Signing:Pkcs11:Module", "/nonexistent/libpkcs11.so", "Signing:Pkcs11:Module")]
    [InlineData("Signing:Previews:Pdftoppm", "/nonexistent/pdftoppm", "Signing:Previews:Pdftoppm: /nonexistent/pdftoppm does not exist or is not executable (install poppler-utils).")]
    [InlineData("Signing:Previews:Pdftoppm", "no-such-rasteriser", "Signing:Previews:Pdftoppm: no-such-rasteriser is not on the PATH (install poppler-utils).")]
    [InlineData("Signing:Storage:PostgresConnectionString", "Host=127.0.0.1;Port=1;Username=x;Password=y;Database=z;Timeout=2", "Signing:Storage")]
    [InlineData("Signing:Storage:Blobs", "s3", "Signing:Storage:Blobs 's3' is not postgres or files.")]
    [InlineData("Signing:Storage:Blobs", "postgres", "Signing:Storage:Blobs 'postgres' needs Signing:Storage:PostgresConnectionString; the embedded SQLite registry keeps its blobs in files.")]
    public async Task Service_refuses_to_start_when_token_key_tsa_or_storage_is_misconfigured(string key, string? value, string message)
    {
        var settings = RunningService.DefaultSettings(f.Pki);
        if (key == "Signing:Seal:KeyUri" && value?.Contains("object=no-such-key", StringComparison.Ordinal) == true)
            value = value.Replace("pkcs11:", $"pkcs11:token={f.Backend.Token.Label};", StringComparison.Ordinal);
        settings[key] = value;
        var error = await Assert.ThrowsAsync<SigningException>(() => RunningService.StartAsync(f.Pki, settings));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain(f.Backend.Token.UserPin, error.Message, StringComparison.Ordinal);
    }
}
