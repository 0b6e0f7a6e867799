using System.Security.Cryptography;
using NSubstitute;
using Signing.Core;
using Signing.Cms;
using Signing.Service.Tests;
using Signing.Testing;

namespace Signing.Agent.Tests;

/// <summary>Wrong PIN, missing or wrong token, a dishonest service, a token pulled mid-batch: clear messages, nothing half-done.</summary>
[Collection(AgentCollection.Name)]
public sealed class RefusalTests(AgentFixture f)
{
    private static void AssertOneLineError(ToolResult r, int exit, string contains)
    {
        Assert.True(r.ExitCode == exit, $"exit {r.ExitCode}, expected {exit}:\n{r.All}");
        var errors = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("PIN for token", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(errors);
        Assert.StartsWith("signing-agent: ", line, StringComparison.Ordinal);
        Assert.Contains(contains, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.All, StringComparison.Ordinal);
    }

    private async Task AssertStillAwaiting(IEnumerable<Guid> ids)
    {
        foreach (var id in ids) Assert.Equal("awaiting_signature", (await f.DocumentAsync(id)).GetProperty("status").GetString());
    }

    /// <summary>A copy of the agent's home with some settings changed.</summary>
    private string HomeWith(Func<AgentSettings, AgentSettings> change)
    {
        var home = RepoPaths.NewTempDirectory("agent-home-variant");
        change(f.Settings).Save(home);
        return home;
    }

    [Fact]
    public async Task A_wrong_PIN_signs_nothing_and_says_so()
    {
        var ids = await f.SubmitManyAsync(2);
        var r = f.Run("not-the-pin\n", ["sign", .. ids.Select(i => i.ToString()), "--yes"]);
        AssertOneLineError(r, 1, "The PIN is incorrect");
        Assert.DoesNotContain("not-the-pin", r.All, StringComparison.Ordinal);
        await AssertStillAwaiting(ids);
    }

    [Fact]
    public async Task A_missing_token_signs_nothing_and_says_so()
    {
        var ids = await f.SubmitManyAsync(1);
        var home = HomeWith(s => s with { TokenSerial = "0000000000000000" });
        var r = AgentFixture.RunIn(home, f.Backend.Token.UserPin + "\n", "sign", ids[0].ToString(), "--yes");
        AssertOneLineError(r, 1, "is not present: insert it");
        await AssertStillAwaiting(ids);
    }

    [Fact]
    public void A_missing_token_is_named_at_start_before_the_service_is_asked()
    {
        // The service is unreachable too: the token is what the agent checks first.
        var home = HomeWith(s => s with { TokenSerial = "0000000000000000", Service = new Uri("https://127.0.0.1:1/") });
        var r = AgentFixture.RunIn(home, f.Backend.Token.UserPin + "\n", "sign", "--all", "--yes");
        AssertOneLineError(r, 1, "is not present: insert it");
    }

    [Fact]
    public async Task A_token_without_the_enrolled_certificate_signs_nothing_and_says_so()
    {
        var ids = await f.SubmitManyAsync(1);
        // The same token, pointed at another certificate/key pair than the one enrolled.
        var other = new Signing.Pkcs11.Pkcs11KeyStore(f.Backend.Session).ListObjects(login: false)
            .First(o => o.Class == Net.Pkcs11Interop.Common.CKO.CKO_CERTIFICATE && o.Label == "signer2");
        var home = HomeWith(s => s with { KeyId = other.IdHex });
        var r = AgentFixture.RunIn(home, f.Backend.Token.UserPin + "\n", "sign", ids[0].ToString(), "--yes");
        AssertOneLineError(r, 1, "not the one you enrolled");
        await AssertStillAwaiting(ids);
    }

    [Fact]
    public async Task A_service_that_sends_a_hash_not_matching_the_summary_is_refused_and_nothing_is_signed()
    {
        var ids = await f.SubmitManyAsync(2);
        using var real = SigningServiceClient.FromSettings(f.Settings);
        var queue = (await real.QueueAsync(CancellationToken.None)).Where(i => ids.Contains(i.Id)).ToList();

        // The test double answers prepare for the first document with the hash prepared for the second.
        var dishonest = Substitute.For<ISigningService>();
        dishonest.DraftAsync(Arg.Any<Guid>(), Arg.Any<CancellationToken>()).Returns(c => real.DraftAsync(c.Arg<Guid>(), CancellationToken.None));
        var other = await real.PrepareAsync(queue[1].Id, CancellationToken.None);
        var honest = await real.PrepareAsync(queue[0].Id, CancellationToken.None);
        dishonest.PrepareAsync(queue[0].Id, Arg.Any<CancellationToken>()).Returns(honest with { Hash = other.Hash });
        var token = Substitute.For<IHeadToken>();
        token.Certificate.Returns(f.Backend.HeadCertificate);

        var result = await new BatchSigner(dishonest, token, f.Settings.CertificateSha256).RunAsync(queue, Substitute.For<IBatchProgress>(), _ => { }, CancellationToken.None);

        token.DidNotReceiveWithAnyArgs().Sign(default!, default);
        await dishonest.DidNotReceiveWithAnyArgs().CompleteAsync(default, default, default!, default!, default);
        Assert.Equal(0, result.Signed);
        Assert.Equal(DocumentOutcome.Refused, result.Documents[0].Outcome);
        Assert.Contains("not the hash of a signature by this certificate over this draft", result.Documents[0].Error, StringComparison.Ordinal);
        Assert.Contains("does not match what you were shown", result.StopReason, StringComparison.Ordinal);
        await AssertStillAwaiting(ids);
    }

    [Fact]
    public async Task A_summary_that_the_draft_does_not_state_is_refused()
    {
        var ids = await f.SubmitManyAsync(1);
        using var real = SigningServiceClient.FromSettings(f.Settings);
        var item = (await real.QueueAsync(CancellationToken.None)).Single(i => i.Id == ids[0]);
        var forged = item with { Summary = item.Summary with { Applicant = "Người Khác" } };
        var dishonest = Substitute.For<ISigningService>();
        dishonest.DraftAsync(item.Id, Arg.Any<CancellationToken>()).Returns(_ => real.DraftAsync(item.Id, CancellationToken.None));
        dishonest.PrepareAsync(item.Id, Arg.Any<CancellationToken>()).Returns(async _ => (await real.PrepareAsync(item.Id, CancellationToken.None)) with { Summary = forged.Summary });
        var token = Substitute.For<IHeadToken>();
        token.Certificate.Returns(f.Backend.HeadCertificate);

        var result = await new BatchSigner(dishonest, token, f.Settings.CertificateSha256).RunAsync([forged], Substitute.For<IBatchProgress>(), _ => { }, CancellationToken.None);

        token.DidNotReceiveWithAnyArgs().Sign(default!, default);
        Assert.Contains("applicant 'Người Khác'", result.Documents[0].Error, StringComparison.Ordinal);
        await AssertStillAwaiting(ids);
    }

    [Fact]
    public async Task A_token_pulled_out_mid_batch_leaves_each_document_signed_or_pending_and_a_rerun_finishes()
    {
        var ids = await f.SubmitManyAsync(8);
        using var service = SigningServiceClient.FromSettings(f.Settings);
        var queue = (await service.QueueAsync(CancellationToken.None)).Where(i => ids.Contains(i.Id)).ToList();

        using (var real = Pkcs11HeadToken.Open(f.Settings, f.Backend.Token.PinSource))
        {
            var pulled = new PulledAfter(real, signatures: 3);
            var result = await new BatchSigner(service, pulled, f.Settings.CertificateSha256).RunAsync(queue, Substitute.For<IBatchProgress>(), _ => { }, CancellationToken.None);
            Assert.Equal(3, result.Signed);
            Assert.Equal(5, result.Pending);
            Assert.Contains("removed", result.StopReason, StringComparison.Ordinal);
        }

        var statuses = new List<string>();
        foreach (var id in ids) statuses.Add((await f.DocumentAsync(id)).GetProperty("status").GetString()!);
        Assert.Equal(3, statuses.Count(s => s == "signed"));
        Assert.Equal(5, statuses.Count(s => s == "awaiting_signature"));

        var rerun = f.Run(f.Backend.Token.UserPin + "\n", "sign", "--all", "--yes");
        Assert.True(rerun.ExitCode == 0, rerun.All);
        foreach (var id in ids) Assert.Equal(1, await f.SignaturesInHistoryAsync(id));
    }

    [Theory]
    [InlineData(PinState.Locked, false, "locked")]
    [InlineData(PinState.FinalTry, false, "Only one PIN try is left")]
    public async Task The_batch_stops_before_the_PIN_when_the_token_is_locked_or_on_its_final_try(PinState state, bool allowFinalTry, string message)
    {
        var token = Substitute.For<IHeadToken>();
        token.Certificate.Returns(f.Backend.HeadCertificate);
        token.ReadPinState().Returns(state);
        var signer = new BatchSigner(Substitute.For<ISigningService>(), token, f.Settings.CertificateSha256, new BatchOptions { AllowFinalTry = allowFinalTry });
        var e = await Assert.ThrowsAsync<SigningException>(() => signer.RunAsync([], Substitute.For<IBatchProgress>(), _ => { }, CancellationToken.None));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        token.DidNotReceive().Login();
    }

    [Fact]
    public async Task Few_tries_left_or_an_allowed_final_try_warn_then_log_in()
    {
        foreach (var (state, allow) in new[] { (PinState.CountLow, false), (PinState.FinalTry, true) })
        {
            var warnings = new List<string>();
            var token = Substitute.For<IHeadToken>();
            token.Certificate.Returns(f.Backend.HeadCertificate);
            token.ReadPinState().Returns(state);
            var signer = new BatchSigner(Substitute.For<ISigningService>(), token, f.Settings.CertificateSha256, new BatchOptions { AllowFinalTry = allow });
            await signer.RunAsync([], Substitute.For<IBatchProgress>(), warnings.Add, CancellationToken.None);
            Assert.Single(warnings);
            token.Received(1).Login();
        }
    }

    /// <summary>The real token until it is "pulled out" after N signatures.</summary>
    internal sealed class PulledAfter(IHeadToken inner, int signatures) : IHeadToken
    {
        private int _count;

        public string Description => inner.Description;

        public System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate => inner.Certificate;

        public PinState ReadPinState() => inner.ReadPinState();

        public void Login() => inner.Login();

        public byte[] Sign(byte[] hash, SignatureScheme scheme) =>
            ++_count > signatures ? throw new TokenUnavailableException("The token was removed or stopped answering (CKR_DEVICE_REMOVED).") : inner.Sign(hash, scheme);

        public void Dispose()
        {
        }
    }
}
