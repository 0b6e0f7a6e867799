using System.Security.Cryptography;
using System.Text.Json;
using Signing.Service.Authorization;
using Signing.Service.Client;
using Signing.Service.Contracts;

namespace Signing.Service.Tests.Api;

/// <summary>
/// The whole flow through the client generated at build time from docs/openapi/v1.json alone (Signing.Service.Client):
/// if the document says less than the service does, this does not compile or does not get through.
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
        var complete = new CompleteRequest(prepared.RequestId, Convert.ToBase64String(signature), prepared.Nonce);
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
        Assert.Equal(ProblemTypes.NotFound, refused.Result.Type);
    }

    [Fact]
    public async Task Webhook_subscriptions_are_made_read_and_deleted_through_the_generated_client()
    {
        using var http = Http(Roles.CounterStaff);
        var counter = new SigningApiClient(http);
        var key = Guid.NewGuid().ToString();
        var request = new WebhookSubscriptionRequest("https://one-stop.example/hooks", ["document.issued"]);
        var created = await counter.CreateWebhookSubscriptionAsync(key, request);
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        Assert.Equal(created.Id, (await counter.CreateWebhookSubscriptionAsync(key, request)).Id);

        var listed = await counter.ListWebhookSubscriptionsAsync();
        var mine = Assert.Single(listed.Items, s => s.Id == created.Id);
        Assert.Null(mine.Secret);
        Assert.Equal(["document.issued"], (await counter.GetWebhookSubscriptionAsync(created.Id)).Events);
        var deliveries = await counter.ListWebhookDeliveriesAsync("pending", "500", "0");
        Assert.Equal((0, 500), (deliveries.Offset, deliveries.Limit));
        Assert.All(deliveries.Items, d => Assert.Equal("pending", d.Status));

        await counter.DeleteWebhookSubscriptionAsync(created.Id, $"delete-{created.Id:D}");
        var gone = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => counter.GetWebhookSubscriptionAsync(created.Id));
        Assert.Equal(ProblemTypes.NotFound, gone.Result.Type);
        var unknownEvent = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => counter.RedeliverWebhookEventAsync(Guid.NewGuid(), null));
        Assert.Equal(404, unknownEvent.StatusCode);
    }

    [Fact]
    public void The_client_uses_the_contract_records_instead_of_generating_copies_of_them()
    {
        // A schema named like a contract record must be left out of the generation (ContractSchemas in the client's
        // project file); otherwise callers would hold two types of one name that only look alike.
        var contracts = typeof(DocumentView).Assembly.GetExportedTypes().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var copies = typeof(SigningApiClient).Assembly.GetExportedTypes().Where(t => contracts.Contains(t.Name)).Select(t => t.FullName).ToList();
        Assert.Empty(copies);
        Assert.Equal(typeof(DocumentView), typeof(SigningApiClient).GetMethod(nameof(SigningApiClient.GetDocumentAsync), [typeof(Guid), typeof(CancellationToken)])!.ReturnType.GetGenericArguments()[0]);
    }

    private HttpClient Http(string role)
    {
        var http = f.Client(role);
        http.BaseAddress = f.Service.Staff("/");
        return http;
    }
}
