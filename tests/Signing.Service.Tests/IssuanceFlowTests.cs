using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.DevPki;
using Signing.Service.Authorization;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>The issuance flow on the embedded default: SQLite in a temp dir.</summary>
public sealed class IssuanceFlowOnSqliteTests(IssuanceFixture f) : IssuanceFlowTests(f), IClassFixture<IssuanceFixture>;

/// <summary>The same suite with the registry on the real PostgreSQL server (tests/postgres.sh).</summary>
public sealed class IssuanceFlowOnPostgresTests(PostgresIssuanceFixture f) : IssuanceFlowTests(f), IClassFixture<PostgresIssuanceFixture>
{
    [Fact]
    public async Task The_registry_really_is_on_postgres()
    {
        using var anonymous = Fixture.Service.Client(clientCertificate: null);
        var health = await IssuanceFixture.Json(await anonymous.GetAsync(Fixture.Service.Public("/health")), HttpStatusCode.OK);
        Assert.Equal("postgres", health.GetProperty("engine").GetString());
    }
}

/// <summary>
/// The issuance flow end to end over real mutual TLS, keys on a SoftHSM2 token: submit, sign,
/// seal, issue, verify by code and upload, idempotency, revoke, supersede, refused completions.
/// Runs once per registry engine (the derived classes above).
/// </summary>
public abstract class IssuanceFlowTests(IssuanceFixture f)
{
    protected IssuanceFixture Fixture => f;

    [Fact]
    public async Task Submit_sign_seal_issue_then_verify_by_code_and_by_upload_then_revoke()
    {
        var (id, code) = await f.SubmitAndSignAsync("quyet-dinh");

        using var seal = f.Client(Roles.SealOperator);
        var issued = await IssuanceFixture.Json(await seal.PostAsync(f.Service.Staff($"/api/documents/{id}/seal"), null), HttpStatusCode.OK);
        Assert.Equal("issued", issued.GetProperty("status").GetString());
        var sha = issued.GetProperty("pdfSha256").GetString()!;

        // A retried seal returns the current state: same version, same file, no second seal.
        var again = await IssuanceFixture.Json(await seal.PostAsync(f.Service.Staff($"/api/documents/{id}/seal"), null), HttpStatusCode.OK);
        Assert.Equal(issued.GetProperty("version").GetInt64(), again.GetProperty("version").GetInt64());
        Assert.Equal(sha, again.GetProperty("pdfSha256").GetString());

        using var staff = f.Client(Roles.CounterStaff);
        using var pdfResponse = await staff.GetAsync(f.Service.Staff($"/api/documents/{id}/pdf"));
        Assert.Equal("application/pdf", pdfResponse.Content.Headers.ContentType?.MediaType);
        var pdf = await pdfResponse.Content.ReadAsByteArrayAsync();
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(pdf)));

        // Outside judges: qpdf finds the file sound, pdfsig sees two signatures.
        var file = Path.Combine(f.DataDirectory, "issued-test.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        ExternalTool.RunChecked("qpdf", "--check", file);
        var pdfsig = ExternalTool.Run("pdfsig", file);
        Assert.Contains("Signature #2", pdfsig.StdOut, StringComparison.Ordinal);

        // The issued paper proves itself: its QR carries the printed seal, signed before both signatures.
        ExternalTool.RunChecked("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", file, file);
        var qr = Signing.Seal.QrImageReader.ReadFile(await File.ReadAllBytesAsync(file + ".png"));
        var sealCert = X509CertificateLoader.LoadCertificateFromFile(f.Backend.Layout.CertificateFile(DevLayout.PrintedSealLabel));
        var printed = Signing.Seal.SealVerifier.Verify(qr!, new Signing.Seal.SealCertificates([sealCert]), printedCode: code);
        Assert.True(printed.Verdict == Signing.Seal.SealVerdict.Authentic, printed.Reason);

        var history = await IssuanceFixture.Json(await staff.GetAsync(f.Service.Staff($"/api/documents/{id}/history")), HttpStatusCode.OK);
        Assert.Equal("create,send_for_signature,sign,seal,issue", string.Join(",", history.EnumerateArray().Select(r => r.GetProperty("action").GetString())));

        using var anonymous = f.Service.Client(clientCertificate: null);
        var page = await anonymous.GetStringAsync(f.Service.Public($"/v/{code}"));
        Assert.Contains("data-status=\"issued\"", page, StringComparison.Ordinal);
        Assert.Contains(sha, page, StringComparison.Ordinal);
        Assert.Contains($"/v/{code}/pages/1.png", page, StringComparison.Ordinal);
        using var png = await anonymous.GetAsync(f.Service.Public($"/v/{code}/pages/1.png"));
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.True((await png.Content.ReadAsByteArrayAsync()).AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        var json = await IssuanceFixture.Json(await anonymous.GetAsync(f.Service.Public($"/api/public/verify/{code}")), HttpStatusCode.OK);
        Assert.Equal("issued", json.GetProperty("status").GetString());
        Assert.Equal(sha, json.GetProperty("sha256").GetString());

        var verdict = await Upload(anonymous, pdf);
        Assert.Equal("PASSED", verdict.GetProperty("verdict").GetString());
        Assert.Equal("identical", verdict.GetProperty("registry").GetProperty("match").GetString());
        Assert.Equal(code, verdict.GetProperty("registry").GetProperty("issued").GetProperty("verificationCode").GetString());
        // Head and seal, then the B-LTA document timestamp.
        Assert.Equal(["SIGNATURE", "SIGNATURE", "DOCUMENT_TIMESTAMP"], verdict.GetProperty("signatures").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));

        // Revocation shows publicly, and a retried revoke returns the same state.
        using var admin = f.Client(Roles.Admin);
        var revoked = await IssuanceFixture.Json(await admin.PostAsync(f.Service.Staff($"/api/documents/{id}/revoke"), IssuanceFixture.JsonBody("{\"reason\":\"Cấp nhầm đối tượng\"}")), HttpStatusCode.OK);
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());
        var revokedAgain = await IssuanceFixture.Json(await admin.PostAsync(f.Service.Staff($"/api/documents/{id}/revoke"), IssuanceFixture.JsonBody("{\"reason\":\"Cấp nhầm đối tượng\"}")), HttpStatusCode.OK);
        Assert.Equal(revoked.GetProperty("version").GetInt64(), revokedAgain.GetProperty("version").GetInt64());
        page = await anonymous.GetStringAsync(f.Service.Public($"/v/{code}"));
        Assert.Contains("data-status=\"revoked\"", page, StringComparison.Ordinal);
        Assert.Contains("Cấp nhầm đối tượng", page, StringComparison.Ordinal);
        var afterRevoke = await Upload(anonymous, pdf);
        Assert.Equal("revoked", afterRevoke.GetProperty("registry").GetProperty("issued").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Supersede_links_both_results_and_shows_on_the_old_code()
    {
        var (oldId, oldCode) = await f.IssueAsync("giay-phep");
        var (newId, newCode) = await f.IssueAsync("giay-phep");
        using var admin = f.Client(Roles.Admin);
        var body = IssuanceFixture.JsonBody($"{{\"replacementId\":\"{newId}\",\"reason\":\"Đính chính diện tích\"}}");
        var result = await IssuanceFixture.Json(await admin.PostAsync(f.Service.Staff($"/api/documents/{oldId}/supersede"), body), HttpStatusCode.OK);
        Assert.Equal("superseded", result.GetProperty("superseded").GetProperty("status").GetString());
        Assert.Equal(newId, result.GetProperty("superseded").GetProperty("replacedBy").GetGuid());
        Assert.Equal(oldId, result.GetProperty("replacement").GetProperty("replaces").GetGuid());

        using var anonymous = f.Service.Client(clientCertificate: null);
        var page = await anonymous.GetStringAsync(f.Service.Public($"/v/{oldCode}"));
        Assert.Contains("data-status=\"superseded\"", page, StringComparison.Ordinal);
        Assert.Contains($"/v/{newCode}", page, StringComparison.Ordinal);
        Assert.Contains("Đính chính diện tích", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_is_idempotent_by_key_and_a_reused_key_with_another_body_is_a_conflict()
    {
        var key = Guid.NewGuid().ToString();
        var body = IssuanceFixture.Sample("mau-01-tiep-nhan");
        using var first = await f.SubmitAsync(body, key);
        var created = await IssuanceFixture.Json(first, HttpStatusCode.Created);
        Assert.Equal("awaiting_signature", created.GetProperty("status").GetString());
        Assert.Equal(f.HeadId, created.GetProperty("signer").GetString());

        using var replay = await f.SubmitAsync(body, key);
        var replayed = await IssuanceFixture.Json(replay, HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("id").GetGuid(), replayed.GetProperty("id").GetGuid());
        Assert.Equal(created.GetProperty("verificationCode").GetString(), replayed.GetProperty("verificationCode").GetString());

        using var conflict = await f.SubmitAsync(IssuanceFixture.Sample("giay-phep"), key);
        await IssuanceFixture.AssertProblem(conflict, 409);

        using var head = f.Client(Roles.DepartmentHead);
        var queue = await IssuanceFixture.Json(await head.GetAsync(f.Service.Staff("/api/heads/me/queue?limit=500")), HttpStatusCode.OK);
        var item = Assert.Single(queue.GetProperty("items").EnumerateArray(), d => d.GetProperty("document").GetProperty("id").GetGuid() == created.GetProperty("id").GetGuid());
        Assert.Equal(created.GetProperty("verificationCode").GetString(), item.GetProperty("summary").GetProperty("verificationCode").GetString());
        Assert.False(string.IsNullOrEmpty(item.GetProperty("summary").GetProperty("applicant").GetString()));
    }

    [Fact]
    public async Task Replayed_expired_and_foreign_completions_are_refused()
    {
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("mau-04-xin-loi"), Guid.NewGuid().ToString());
        var id = (await IssuanceFixture.Json(submitted, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var head = f.Client(Roles.DepartmentHead);
        using var otherHead = f.Service.Client(f.Pki.NoRole);

        // Another head can neither prepare nor complete this head's document.
        await IssuanceFixture.AssertProblem(await otherHead.PostAsync(f.Service.Staff($"/api/documents/{id}/prepare"), null), 403);

        var prepared = await IssuanceFixture.Json(await head.PostAsync(f.Service.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);
        var summary = prepared.GetProperty("summary");
        Assert.False(string.IsNullOrEmpty(summary.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(summary.GetProperty("applicant").GetString()));
        Assert.Equal(32, Convert.FromBase64String(prepared.GetProperty("hash").GetString()!).Length);

        // What the response carries is enough for the signer to check the hash against the draft it downloads.
        var draft = await head.GetByteArrayAsync(f.Service.Staff($"/api/heads/me/documents/{id}/pdf"));
        await IssuanceFixture.AssertProblem(await otherHead.GetAsync(f.Service.Staff($"/api/heads/me/documents/{id}/pdf")), 403);
        Assert.Equal(prepared.GetProperty("draftSha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(draft)));
        Signing.Pades.PreparedSignatureCheck.Check(draft, Convert.FromBase64String(prepared.GetProperty("revision").GetString()!),
            prepared.GetProperty("byteRange").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
            Convert.FromBase64String(prepared.GetProperty("hash").GetString()!), f.Backend.HeadCertificate);
        var requestId = prepared.GetProperty("requestId").GetString();
        var value = Convert.ToBase64String(f.Backend.SignAsHead(Convert.FromBase64String(prepared.GetProperty("hash").GetString()!)));
        object Body(string v) => new { requestId, signatureValue = v };

        await IssuanceFixture.AssertProblem(await otherHead.PostAsJsonAsync(f.Service.Staff($"/api/documents/{id}/complete"), Body(value)), 403);

        // A value that is not over this hash is refused and names the field.
        var wrong = Convert.ToBase64String(f.Backend.SignAsHead(SHA256.HashData("something else"u8)));
        await IssuanceFixture.AssertProblem(await head.PostAsJsonAsync(f.Service.Staff($"/api/documents/{id}/complete"), Body(wrong)), 422, "signatureValue");

        // Expired: the clock moves past the request's lifetime.
        f.Clock.Offset = TimeSpan.FromMinutes(10);
        try
        {
            await IssuanceFixture.AssertProblem(await head.PostAsJsonAsync(f.Service.Staff($"/api/documents/{id}/complete"), Body(value)), 410);
        }
        finally
        {
            f.Clock.Offset = TimeSpan.Zero;
        }

        // A fresh request completes once; replaying it is a conflict.
        var fresh = await IssuanceFixture.Json(await head.PostAsync(f.Service.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);
        var freshBody = new
        {
            requestId = fresh.GetProperty("requestId").GetString(),
            signatureValue = Convert.ToBase64String(f.Backend.SignAsHead(Convert.FromBase64String(fresh.GetProperty("hash").GetString()!))),
        };
        Assert.Equal("signed", (await IssuanceFixture.Json(await head.PostAsJsonAsync(f.Service.Staff($"/api/documents/{id}/complete"), freshBody), HttpStatusCode.OK)).GetProperty("status").GetString());
        await IssuanceFixture.AssertProblem(await head.PostAsJsonAsync(f.Service.Staff($"/api/documents/{id}/complete"), freshBody), 409);
        // The first (expired) request cannot be used after the document moved on either.
        await IssuanceFixture.AssertProblem(await head.PostAsJsonAsync(f.Service.Staff($"/api/documents/{id}/complete"), Body(value)), 409);
    }

    internal static async Task<System.Text.Json.JsonElement> Upload(HttpClient client, byte[] pdf, RunningService service, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var content = new ByteArrayContent(pdf);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var response = await client.PostAsync(service.Public("/api/verify"), content);
        return await IssuanceFixture.Json(response, expected);
    }

    private Task<System.Text.Json.JsonElement> Upload(HttpClient client, byte[] pdf) => Upload(client, pdf, f.Service);
}
