using System.Security.Cryptography;
using System.Text.Json;
using Signing.Service.Authorization;
using Signing.Service.Tests.GeneratedClient;

namespace Signing.Service.Tests.Api;

/// <summary>
/// The whole flow through a client generated at build time from docs/openapi/v1.json alone (NSwag, see the project
/// file): if the document says less than the service does, this does not compile or does not get through.
/// </summary>
public sealed class GeneratedClientFlowTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    [Fact]
    public async Task Submit_prepare_complete_with_the_token_seal_and_verify_through_the_generated_client()
    {
        using var counterHttp = Http(Roles.CounterStaff);
        using var headHttp = Http(Roles.DepartmentHead);
        using var sealHttp = Http(Roles.SealOperator);
        using var publicHttp = f.Service.Client(clientCertificate: null);
        publicHttp.BaseAddress = f.Service.Public("/");
        var counter = new SigningApiClient(counterHttp);
        var head = new SigningApiClient(headHttp);
        var sealer = new SigningApiClient(sealHttp);
        var anyone = new SigningApiClient(publicHttp);

        var decision = JsonSerializer.Deserialize<Decision>(IssuanceFixture.Sample("quyet-dinh"))!;
        var key = Guid.NewGuid().ToString();
        var submitted = await counter.SubmitDocumentAsync(f.HeadId, key, decision);
        Assert.Equal("awaiting_signature", submitted.Status);
        Assert.Equal(submitted.Id, (await counter.SubmitDocumentAsync(f.HeadId, key, decision)).Id);

        var queue = await head.GetMyQueueAsync(null, null);
        var queued = Assert.Single(queue.Items, i => i.Document.Id == submitted.Id);
        Assert.Equal(submitted.VerificationCode, queued.Summary.VerificationCode);

        var prepared = await head.PrepareSignatureAsync(submitted.Id, null);
        Assert.Equal("SHA-256", prepared.HashAlgorithm);
        Assert.Equal(submitted.PdfSha256, prepared.DraftSha256);
        var signature = f.Backend.SignAsHead(Convert.FromBase64String(prepared.Hash));
        var completeKey = $"complete-{prepared.RequestId:D}";
        var complete = new CompleteRequest { RequestId = prepared.RequestId, Nonce = prepared.Nonce, SignatureValue = Convert.ToBase64String(signature) };
        var signedDocument = await head.CompleteSignatureAsync(submitted.Id, completeKey, complete);
        Assert.Equal("signed", signedDocument.Status);
        // A retry after a lost answer is answered again, not refused as a second signature.
        Assert.Equal(signedDocument.Version, (await head.CompleteSignatureAsync(submitted.Id, completeKey, complete)).Version);

        var issued = await sealer.SealAndIssueAsync(submitted.Id, $"seal-{submitted.Id:D}");
        Assert.Equal("issued", issued.Status);

        using var file = await counter.GetDocumentPdfAsync(submitted.Id);
        using var pdf = new MemoryStream();
        await file.Stream.CopyToAsync(pdf);
        Assert.Equal(issued.PdfSha256, Convert.ToHexStringLower(SHA256.HashData(pdf.ToArray())));

        var status = await anyone.GetPublicStatusAsync(issued.VerificationCode);
        Assert.Equal("issued", status.Status);
        Assert.Equal(issued.PdfSha256, status.Sha256);

        pdf.Position = 0;
        var report = await anyone.VerifyUploadAsync(issued.VerificationCode, pdf);
        Assert.Equal(Verdict.PASSED, report.Verdict);
        Assert.Equal(2, report.Signatures.Count(s => s.Kind == SignatureKind.SIGNATURE)); // the head's and the seal; the rest are timestamps
    }

    [Fact]
    public async Task A_refusal_reaches_the_generated_client_as_a_problem_with_its_stable_type()
    {
        using var http = Http(Roles.DepartmentHead);
        var head = new SigningApiClient(http);
        var refused = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => head.PrepareSignatureAsync(Guid.NewGuid(), null));
        Assert.Equal(404, refused.StatusCode);
        Assert.Equal(Signing.Service.Contracts.ProblemTypes.NotFound, refused.Result.Type);
    }

    private HttpClient Http(string role)
    {
        var http = f.Client(role);
        http.BaseAddress = f.Service.Staff("/");
        return http;
    }
}
