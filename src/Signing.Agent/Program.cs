using System.CommandLine;
using Signing.Agent.Commands;
using Signing.Cli;

// The desk agent: an interactive command line (setup, queue, open, sign), and `serve`, the bridge
// on 127.0.0.1 that the console's queue page calls to sign in the browser (the PIN is still typed
// here, in the agent's own terminal). Both sign through the one BatchSigner.
var root = new RootCommand("signing-agent: sign your queue of results with your USB token");
root.Options.Add(AgentHome.Option);
root.Subcommands.Add(SetupCommand.Create());
root.Subcommands.Add(QueueCommand.Create());
root.Subcommands.Add(OpenCommand.Create());
root.Subcommands.Add(SignCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
return CliRunner.Run(root, args);
