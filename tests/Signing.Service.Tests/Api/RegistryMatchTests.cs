using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Signing.PdfSyntax;
using Signing.Service.Authorization;
using Signing.Testing.Pades;

namespace Signing.Service.Tests.Api;

/// <summary>
/// POST /api/verify on the running service: the body is the verification report (schema 3) with
/// its registry part, and the issued original is downloadable by its code. identical, extends
/// (only allowed changes after the issued bytes), or no match, with the original offered.
/// </summary>
public sealed class RegistryMatchTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    [Fact]
    public async Task The_issued_file_is_identical_and_its_original_downloads_anonymously_by_code()
    {
        var (id, code) = await f.IssueAsync("quyet-dinh");
        var issued = await IssuedPdf(id);
        using var anonymous = f.Service.Client(clientCertificate: null);

        var report = await Upload(anonymous, issued);
        Assert.Equal(3, report.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("PASSED", report.GetProperty("verdict").GetString());
        var registry = report.GetProperty("registry");
        Assert.Equal("identical", registry.GetProperty("match").GetString());
        var original = registry.GetProperty("issued").GetProperty("originalUrl").GetString()!;
        Assert.Equal($"https://verify.test.example/v/{code}/original.pdf", original);

        using var download = await anonymous.GetAsync(f.Service.Public(new Uri(original).AbsolutePath));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(issued, await download.Content.ReadAsByteArrayAsync());
        // The status JSON names the same download.
        var status = await IssuanceFixture.Json(await anonymous.GetAsync(f.Service.Public($"/api/public/verify/{code}")), HttpStatusCode.OK);
        Assert.Equal(original, status.GetProperty("originalUrl").GetString());
        // An unknown code has no original, and the staff port does not serve the public download.
        await IssuanceFixture.AssertProblem(await anonymous.GetAsync(f.Service.Public("/v/0000-0000-000/original.pdf")), 404);
    }

    [Fact]
    public async Task A_later_valid_signature_extends_the_issued_result()
    {
        var (id, code) = await f.IssueAsync("mau-04-xin-loi");
        var issued = await IssuedPdf(id);
        var extended = f.Backend.SignAgainAsHead(issued);
        using var anonymous = f.Service.Client(clientCertificate: null);

        var report = await Upload(anonymous, extended);
        Assert.Equal("extends", report.GetProperty("registry").GetProperty("match").GetString());
        Assert.Equal(code, report.GetProperty("registry").GetProperty("issued").GetProperty("verificationCode").GetString());
        Assert.Equal("PASSED", report.GetProperty("verdict").GetString());
        // Head, seal, the issued result's document timestamp, then the later signature.
        Assert.Equal(4, report.GetProperty("signatures").GetArrayLength());
    }

    [Fact]
    public async Task The_issued_bytes_followed_by_a_page_change_do_not_match_and_offer_the_original()
    {
        var (id, code) = await f.IssueAsync("giay-phep");
        var issued = await IssuedPdf(id);
        var changed = SignedResults.Append(issued, (file, w) =>
        {
            var page = SignedResults.FirstPage(file);
            var dict = file.ResolveDictionary(page)!.CloneShallow();
            dict["Rotate"] = new PdfNumber(180);
            w.SetObject(page, dict);
        });
        Assert.True(changed.AsSpan(0, issued.Length).SequenceEqual(issued));
        using var anonymous = f.Service.Client(clientCertificate: null);

        // Without ?code= the service finds the code in the file itself.
        var report = await Upload(anonymous, changed);
        Assert.Equal("FAILED", report.GetProperty("verdict").GetString());
        var registry = report.GetProperty("registry");
        Assert.Equal("none", registry.GetProperty("match").GetString());
        Assert.Equal(code, registry.GetProperty("issued").GetProperty("verificationCode").GetString());
        Assert.EndsWith($"/v/{code}/original.pdf", registry.GetProperty("issued").GetProperty("originalUrl").GetString(), StringComparison.Ordinal);
        var last = report.GetProperty("revisions").GetInt32();
        var m = report.GetProperty("modifications").EnumerateArray().Single(x => x.GetProperty("revision").GetInt32() == last);
        Assert.Equal("PAGE_CHANGED", m.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Number, m.GetProperty("objectNumber").ValueKind);
    }

    [Fact]
    public async Task A_file_that_is_not_a_pdf_is_a_problem_naming_the_file()
    {
        using var anonymous = f.Service.Client(clientCertificate: null);
        using var content = new ByteArrayContent("%PDF-1.7\nnot really"u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        await IssuanceFixture.AssertProblem(await anonymous.PostAsync(f.Service.Public("/api/verify"), content), 422, "file");
    }

    private Task<JsonElement> Upload(HttpClient client, byte[] pdf) => IssuanceFlowTests.Upload(client, pdf, f.Service);

    private async Task<byte[]> IssuedPdf(Guid id)
    {
        using var staff = f.Client(Roles.CounterStaff);
        return await staff.GetByteArrayAsync(f.Service.Staff($"/api/documents/{id}/pdf"));
    }
}
