using System.CommandLine;
using Signing.Cli;
using Signing.Cli.Commands;

// Each command lives in Commands/ and is registered here, one line each.
var root = new RootCommand("signing: render, sign, timestamp and verify results of administrative procedures");
root.Subcommands.Add(VersionCommand.Create());
root.Subcommands.Add(TokensCommand.Create());
root.Subcommands.Add(DevCommand.Create());
root.Subcommands.Add(TsaCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(SignCommand.Create());
root.Subcommands.Add(TimestampCommand.Create());
root.Subcommands.Add(VerifyCommand.Create());
root.Subcommands.Add(SealCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(AuditCommand.Create());
root.Subcommands.Add(ServeCommand.Create());

return CliRunner.Run(root, args);
