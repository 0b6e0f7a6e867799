using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Signing.Agent.Bridge;
using Signing.Core;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Cms;
using Signing.Core.Keys;
using Signing.Pkcs11;

namespace Signing.Agent.Commands;

/// <summary>
/// `signing-agent serve`: the bridge the console's queue page talks to on 127.0.0.1. The page
/// chooses the documents; this terminal shows what it asked for and takes the PIN, and the shared
/// <see cref="BatchSigner"/> signs them with the same checks as `sign`.
/// </summary>
internal static class ServeCommand
{
    public const int DefaultPort = 8491;

    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = $"The port on 127.0.0.1 the console page calls (default {DefaultPort}).", DefaultValueFactory = _ => DefaultPort };
        var origin = new Option<string?>("--console-origin") { Description = "The console's origin, e.g. https://signing.example:8443 (default: the service's staff address from setup)." };
        var pair = new Option<bool>("--pair") { Description = "Forget the pairing with the console and show a new pairing code." };
        var finalTry = new Option<bool>("--allow-final-try") { Description = "Try the PIN even when the token says a wrong one would lock it." };
        var cmd = new Command("serve", "Serve the console's queue page on 127.0.0.1: sign in the browser, the PIN typed here.") { port, origin, pair, finalTry };
        cmd.SetAction(async (parse, ct) =>
        {
            var home = AgentHome.Of(parse);
            var settings = AgentSettings.Load(home);
            var consoleOrigin = Origin(parse.GetValue(origin) ?? settings.Service.GetLeftPart(UriPartial.Authority));
            var p = parse.GetValue(port);
            if (p is < 1 or > 65535) throw new SigningException($"--port {p} is not a TCP port.");
            var allowFinalTry = parse.GetValue(finalTry);

            using var stop = AgentHome.StopOnCtrlC(() => Console.Error.WriteLine("Stopping: the document in hand is finished first (Ctrl-C again to quit at once)…"));
            using var bridge = new LocalBridge(new BridgeOptions(p, consoleOrigin, home, parse.GetValue(pair)), b => RunBatchAsync(b, settings, allowFinalTry), Say);
            bridge.Start();
            Console.WriteLine($"signing-agent is listening on {bridge.Address} for the console at {consoleOrigin} (Ctrl-C to stop).");
            if (bridge.PairingCodeToShow is { } code)
                Console.WriteLine($"Pairing code: {code} — type it once in the console's page \"Văn bản chờ ký\" (valid {PairingCode.Lifetime.TotalMinutes:0} minutes, {PairingCode.MaxTries} tries).");
            else
                Console.WriteLine("Paired with the console (run with --pair to pair again).");
            await bridge.ServeAsync(stop.Token);
            return 0;
        });
        return cmd;
    }

    /// <summary>The scheme, host and port of <paramref name="value"/>, as a browser writes it in Origin.</summary>
    internal static string Origin(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            throw new SigningException($"--console-origin '{value}' is not an origin such as https://signing.example:8443.");
        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
    }

    private static void Say(string line)
    {
        lock (Console.Out) Console.WriteLine(line);
    }

    /// <summary>
    /// One batch the page asked for: read the queue, show the selection here, open the token and
    /// ask its PIN here (once), sign. The token's session ends with the batch.
    /// </summary>
    private static async Task RunBatchAsync(BridgeBatch batch, AgentSettings settings, bool allowFinalTry)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var service = SigningServiceClient.FromSettings(settings);
            var queue = await service.QueueAsync(CancellationToken.None);
            var selection = batch.Requested.Select(id => queue.FirstOrDefault(q => q.Id == id)).OfType<QueueItem>().ToList();
            batch.Resolved(selection);
            if (selection.Count == 0)
            {
                batch.End("nothing of this selection is in your queue", watch.Elapsed);
                return;
            }

            Say($"The console asks you to sign {selection.Count} document(s):");
            QueueCommand.Show(selection);
            Say("Type your token's PIN in this window to sign them (an empty line signs nothing). The console page never sees the PIN.");
            using var token = Pkcs11HeadToken.Open(settings, new AskOncePinSource(AskPin));
            var signer = new BatchSigner(service, new LoginObserved(token, batch.LoggedIn), settings.CertificateSha256, new BatchOptions { AllowFinalTry = allowFinalTry });
            var result = await signer.RunAsync(selection, batch, w => Say("warning: " + w), batch.Stop.Token);
            batch.End(result.StopReason, watch.Elapsed);
        }
        catch (SigningException e)
        {
            batch.End("stopped: " + e.Message, watch.Elapsed);
        }
#pragma warning disable CA1031 // The batch reports every failure to the page; the agent keeps serving.
        catch (Exception e)
#pragma warning restore CA1031
        {
            batch.End($"stopped: internal error ({e.GetType().Name}): {e.Message}", watch.Elapsed);
        }

        Say("Batch: " + batch.Summary());
    }

    private static byte[] AskPin(ITokenInfo token)
    {
        var pin = new PromptPinSource().GetPin(token);
        if (pin.Length == 0) throw new SigningException("no PIN was typed in the agent's window; nothing was signed");
        return pin;
    }

    /// <summary>The head's token, telling the batch when the PIN was accepted (from then on the page shows signing).</summary>
    private sealed class LoginObserved(IHeadToken inner, Action loggedIn) : IHeadToken
    {
        public string Description => inner.Description;

        public X509Certificate2 Certificate => inner.Certificate;

        public PinState ReadPinState() => inner.ReadPinState();

        public void Login()
        {
            inner.Login();
            loggedIn();
        }

        public byte[] Sign(byte[] hash, SignatureScheme scheme) => inner.Sign(hash, scheme);

        public void Dispose()
        {
            // The inner token is disposed by its owner.
        }
    }
}
