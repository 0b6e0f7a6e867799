using System.CommandLine;
using System.Globalization;
using Signing.Core;
using Signing.Pkcs11;
using Spectre.Console;

namespace Signing.Agent.Commands;

/// <summary>
/// `signing-agent sign [CODE…] [--all]`: one PIN, one login, the whole selection signed in turn
/// with a progress bar; per document, signed or the exact reason it was not. Exit 0 when every
/// selected document was signed, 3 when some were refused or are still pending.
/// </summary>
internal static class SignCommand
{
    public const int Incomplete = 3;

    public static Command Create()
    {
        var codes = new Argument<string[]>("codes") { Description = "Verification codes (or ids) of the documents to sign.", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Sign every document in your queue." };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation (needed when no one is at the terminal)." };
        var finalTry = new Option<bool>("--allow-final-try") { Description = "Try the PIN even when the token says a wrong one would lock it." };
        var cmd = new Command("sign", "Sign documents from your queue with your token (one PIN for the batch).") { all, yes, finalTry };
        cmd.Arguments.Add(codes);
        cmd.SetAction(async (parse, ct) =>
        {
            var settings = AgentSettings.Load(AgentHome.Of(parse));
            // The token, its enrolled certificate and key are checked first: a missing token stops here, before the queue is shown.
            using var token = Pkcs11HeadToken.Open(settings, new AskOncePinSource(new PromptPinSource().GetPin));
            using var service = SigningServiceClient.FromSettings(settings);
            var queue = await service.QueueAsync(ct);
            var selection = Select(queue, parse.GetValue(codes) ?? [], parse.GetValue(all));
            if (selection.Count == 0)
            {
                Console.WriteLine("Your queue is empty: nothing to sign.");
                return 0;
            }

            QueueCommand.Show(selection);
            if (!parse.GetValue(yes))
            {
                if (!AgentHome.Interactive) throw new SigningException("No one is at the terminal to confirm: add --yes to sign without asking.");
                if (!AnsiConsole.Confirm($"Sign these {selection.Count} document(s)?", defaultValue: false)) return 0;
            }

            using var stop = AgentHome.StopOnCtrlC(() => Console.Error.WriteLine("Stopping after the document in hand (Ctrl-C again to quit at once)…"));
            var signer = new BatchSigner(service, token, settings.CertificateSha256, new BatchOptions { AllowFinalTry = parse.GetValue(finalTry) });
            void Warn(string message) => Console.Error.WriteLine("warning: " + message);

            BatchResult result;
            if (AgentHome.Interactive)
            {
                result = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask($"Signing {selection.Count} document(s)", maxValue: selection.Count);
                        return await signer.RunAsync(selection, new LiveProgress(task), Warn, stop.Token);
                    });
            }
            else
            {
                result = await signer.RunAsync(selection, new LineProgress(), Warn, stop.Token);
            }

            Report(result);
            return result.Signed == selection.Count ? 0 : Incomplete;
        });
        return cmd;
    }

    /// <summary>The queue items named by code or id, in the order given; --all takes the whole queue.</summary>
    public static List<QueueItem> Select(IReadOnlyList<QueueItem> queue, IReadOnlyList<string> codes, bool all)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(codes);
        if (all && codes.Count > 0) throw new SigningException("Give either document codes or --all, not both.");
        if (all) return queue.ToList();
        if (codes.Count == 0) throw new SigningException("Name the documents to sign (codes from `signing-agent queue`), or give --all.");
        var selection = new List<QueueItem>();
        foreach (var code in codes)
        {
            var wanted = code.Trim().ToUpperInvariant();
            var item = queue.FirstOrDefault(i => i.VerificationCode == wanted || i.Id.ToString("D").Equals(code.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new SigningException($"'{code}' is not in your queue (already signed, or not yours); `signing-agent queue` lists what is.");
            if (!selection.Contains(item)) selection.Add(item);
        }

        return selection;
    }

    private static void Report(BatchResult result)
    {
        foreach (var d in result.Documents.Where(d => d.Outcome == DocumentOutcome.Refused))
            Console.Error.WriteLine($"  {d.Item.VerificationCode}: not signed — {d.Error}");
        var perDocument = result.Signed > 0 ? (result.Elapsed - result.TokenTime).TotalMilliseconds / result.Signed : 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"signed {result.Signed}, refused {result.Refused}, still pending {result.Pending} — {result.Elapsed.TotalSeconds:0.0} s ({(result.Signed / Math.Max(result.Elapsed.TotalSeconds, 0.001)):0.0}/s); token {result.TokenTime.TotalSeconds:0.0} s, outside the token {perDocument:0.0} ms per signed document"));
        if (result.StopReason is { } reason) Console.Error.WriteLine(reason + (result.Pending > 0 ? " Run the same command again to sign the rest." : ""));
    }

    /// <summary>The live bar: done/total, the document just finished and the rate; the columns add elapsed and ETA.</summary>
    private sealed class LiveProgress(ProgressTask task) : IBatchProgress
    {
        private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

        public void Finished(DocumentResult result, int done, int total)
        {
            task.Value = done;
            var rate = done / Math.Max(System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalSeconds, 0.001);
            task.Description = string.Create(CultureInfo.InvariantCulture,
                $"{done}/{total} — {result.Item.VerificationCode} {(result.Outcome == DocumentOutcome.Signed ? "signed" : "NOT signed")} — {rate:0.0}/s");
        }
    }

    /// <summary>One line per document when no one watches a live bar (logs, tests).</summary>
    private sealed class LineProgress : IBatchProgress
    {
        public void Finished(DocumentResult result, int done, int total) => Console.WriteLine(result.Outcome == DocumentOutcome.Signed
            ? $"[{done}/{total}] {result.Item.VerificationCode} signed"
            : $"[{done}/{total}] {result.Item.VerificationCode} NOT signed: {result.Error}");
    }
}
