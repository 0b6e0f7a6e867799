using Microsoft.Extensions.DependencyInjection;
using Signing.Issuance;
using Signing.Pkcs11;

namespace Signing.Service.Tests;

/// <summary>
/// The HSM that holds the seal, TSA and printed-seal keys loses its login while results are being
/// sealed, and loses every session between rounds, as a pulled and re-inserted token or a
/// restarted HSM does to the application's handles. The running service logs in again and
/// reopens by itself: every result is issued with no error answer, and the audit chain verifies.
/// </summary>
/// <remarks>
/// Sessions are closed only while no request is in flight: SoftHSM2 frees a session that another
/// thread is signing with (a real removal is the module's to handle), and its process crashes.
/// </remarks>
public sealed class TokenSessionLossTests(IssuanceFixture f) : IClassFixture<IssuanceFixture>
{
    private const int Rounds = 3;
    private const int Workers = 4;

    [Fact]
    public async Task Logins_lost_mid_load_and_sessions_closed_between_rounds_are_recovered_and_every_result_is_issued()
    {
        var runtime = f.Service.Services.GetRequiredService<IssuanceRuntime>();
        var token = runtime.SealToken;
        await f.IssueAsync("quyet-dinh"); // the sessions are open and logged in
        var issued = new List<Guid>();
        var logouts = 0;

        for (var round = 0; round < Rounds; round++)
        {
            var generation = token.Generation;
            Pkcs11Token.FindSlot(token.Library, token.Uri).CloseAllSessions(); // what a removal does to every handle

            using var stop = new CancellationTokenSource();
            var logOutRepeatedly = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(250);
                    try
                    {
                        // A logout on any session logs the whole application out.
                        token.Run(s => s.Logout(), login: false);
                        logouts++;
                    }
                    catch (Pkcs11Exception)
                    {
                        // not logged in at that moment: nothing to lose
                    }
                }
            });
            // IssueAsync asserts every answer: a 5xx from a lost login or session fails the test.
            var ids = await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
                (await f.IssueAsync(w % 2 == 0 ? "quyet-dinh" : "giay-phep")).Id)));
            await stop.CancelAsync();
            await logOutRepeatedly;

            issued.AddRange(ids);
            Assert.True(token.Generation > generation, $"round {round}: the seal token was not reopened after its sessions were closed");
        }

        Assert.True(logouts >= Rounds, $"only {logouts} logouts happened during the load");
        Assert.Equal(Rounds * Workers, issued.Distinct().Count());
        var verification = await runtime.Storage.Audit.VerifyAsync();
        Assert.True(verification.IsValid, verification.Problem?.ToString());
    }
}
