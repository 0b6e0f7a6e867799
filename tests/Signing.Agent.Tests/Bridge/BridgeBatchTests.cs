using Signing.Agent.Bridge;

namespace Signing.Agent.Tests.Bridge;

/// <summary>What the page is told about a batch, when the shared signer runs it on the real token and service.</summary>
[Collection(AgentCollection.Name)]
public sealed class BridgeBatchTests(AgentFixture f)
{
    [Fact]
    public async Task A_token_pulled_out_mid_batch_shows_the_page_which_documents_are_signed_and_which_still_pending()
    {
        var ids = await f.SubmitManyAsync(6);
        var unknown = Guid.NewGuid();
        using var service = SigningServiceClient.FromSettings(f.Settings);
        var queue = (await service.QueueAsync(CancellationToken.None)).Where(i => ids.Contains(i.Id)).ToList();
        var lines = new List<string>();
        var batch = new BridgeBatch([.. ids, unknown], l => { lock (lines) lines.Add(l); });
        batch.Resolved(queue);
        Assert.Equal("waiting_for_pin", batch.Snapshot().State);

        using (var real = Pkcs11HeadToken.Open(f.Settings, f.Backend.Token.PinSource))
        {
            var result = await new BatchSigner(service, new RefusalTests.PulledAfter(real, signatures: 2), f.Settings.CertificateSha256)
                .RunAsync(queue, batch, _ => { }, CancellationToken.None);
            batch.End(result.StopReason, result.Elapsed);
        }

        var p = batch.Snapshot();
        Assert.Equal("finished", p.State);
        Assert.Equal((7, 2, 1, 4), (p.Total, p.Signed, p.Refused, p.Pending));
        Assert.Contains("removed", p.StopReason, StringComparison.Ordinal);
        Assert.Null(p.Current);
        Assert.Equal("refused", p.Documents.Single(d => d.Id == unknown).Outcome);
        foreach (var d in p.Documents.Where(d => d.Id != unknown))
        {
            var status = (await f.DocumentAsync(d.Id)).GetProperty("status").GetString();
            Assert.Equal(d.Outcome == "signed" ? "signed" : "awaiting_signature", status);
        }
        Assert.Equal(2, lines.Count(l => l.EndsWith(" signed", StringComparison.Ordinal)));
    }
}
