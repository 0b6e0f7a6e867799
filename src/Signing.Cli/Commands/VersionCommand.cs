using System.CommandLine;
using System.Reflection;

namespace Signing.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var cmd = new Command("version", "Print the version of this tool.");
        cmd.SetAction(_ =>
        {
            var v = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine($"signing {v}");
            return 0;
        });
        return cmd;
    }
}
