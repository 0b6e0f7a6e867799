using System.CommandLine;
using Spectre.Console;

namespace Signing.Agent.Commands;

/// <summary>`signing-agent queue [--watch]`: the documents waiting for your signature.</summary>
internal static class QueueCommand
{
    public static Command Create()
    {
        var watch = new Option<bool>("--watch") { Description = "Keep the list on screen and refresh it until Ctrl-C." };
        var interval = new Option<int>("--interval") { Description = "Seconds between refreshes with --watch.", DefaultValueFactory = _ => 15 };
        var cmd = new Command("queue", "Show the documents waiting for your signature.") { watch, interval };
        cmd.SetAction(async (parse, ct) =>
        {
            var settings = AgentSettings.Load(AgentHome.Of(parse));
            using var service = SigningServiceClient.FromSettings(settings);
            if (!parse.GetValue(watch))
            {
                Show(await service.QueueAsync(ct));
                return 0;
            }

            var seconds = Math.Clamp(parse.GetValue(interval), 2, 3600);
            using var stop = AgentHome.StopOnCtrlC(() => { });
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, ct);
            try
            {
                while (true)
                {
                    var items = await service.QueueAsync(linked.Token);
                    if (AgentHome.Interactive) AnsiConsole.Clear();
                    AnsiConsole.MarkupLine($"[grey]{DateTimeOffset.Now:HH:mm:ss} — refreshing every {seconds} s, Ctrl-C to stop[/]");
                    Show(items);
                    await Task.Delay(TimeSpan.FromSeconds(seconds), linked.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return 0;
            }
        });
        return cmd;
    }

    public static void Show(IReadOnlyList<QueueItem> items)
    {
        if (items.Count == 0)
        {
            AnsiConsole.WriteLine("Your queue is empty.");
            return;
        }

        var table = new Table().AddColumns("Code", "Type", "Number", "Applicant", "Dossier", "Pages");
        foreach (var i in items)
        {
            var s = i.Summary;
            table.AddRow(Markup.Escape(i.VerificationCode), Markup.Escape(s.Type), Markup.Escape(s.Number), Markup.Escape(s.Applicant), Markup.Escape(s.DossierCode), s.Pages.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"{items.Count} document(s) waiting for your signature.");
    }
}
