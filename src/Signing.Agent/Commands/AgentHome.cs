using System.CommandLine;
using Spectre.Console;

namespace Signing.Agent.Commands;

/// <summary>Where the agent keeps its settings, and what every command needs to reach the service.</summary>
internal static class AgentHome
{
    public static readonly Option<string> Option = new("--home")
    {
        Description = "The agent's settings directory (default: SIGNING_AGENT_HOME, else the user's config directory).",
        Recursive = true,
    };

    public static string Of(ParseResult parse) => parse.GetValue(Option) is { Length: > 0 } home ? home : AgentSettings.DefaultHome();

    /// <summary>True when a person is at the terminal (prompts and live progress make sense).</summary>
    public static bool Interactive => !Console.IsInputRedirected && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Ctrl-C once: stop after the current document; twice: the default (end the process).</summary>
    public static CancellationTokenSource StopOnCtrlC(Action onFirst)
    {
        var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            onFirst();
            cts.Cancel();
        };
        return cts;
    }
}
