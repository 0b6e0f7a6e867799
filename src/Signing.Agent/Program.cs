using System.CommandLine;
using Signing.Agent.Commands;
using Signing.Cli;

// The desk agent: an interactive command line, not a daemon. A head signs in bursts; a command
// that shows the queue, asks the PIN once and signs the batch with a progress bar needs no
// listening port (nothing on the desk for a web page to attack) and nothing running in between.
var root = new RootCommand("signing-agent: sign your queue of results with your USB token");
root.Options.Add(AgentHome.Option);
root.Subcommands.Add(SetupCommand.Create());
root.Subcommands.Add(QueueCommand.Create());
root.Subcommands.Add(OpenCommand.Create());
root.Subcommands.Add(SignCommand.Create());
return CliRunner.Run(root, args);
