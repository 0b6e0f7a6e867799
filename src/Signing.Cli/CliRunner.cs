using System.CommandLine;
using Signing.Core;

namespace Signing.Cli;

/// <summary>
/// Runs a command line (shared by `signing` and `signing-agent`) so that every failure is one line on stderr and a non-zero exit, never
/// a stack trace: user errors (<see cref="SigningException"/>) exit 1, anything unexpected exits 70.
/// </summary>
public static class CliRunner
{
    public const int UserError = 1;
    public const int InternalError = 70;

    public static int Run(RootCommand root, string[] args)
    {
        ArgumentNullException.ThrowIfNull(root);
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        try
        {
            return root.Parse(args).Invoke(config);
        }
        catch (SigningException ex)
        {
            Console.Error.WriteLine($"{root.Name}: {OneLine(ex.Message)}");
            return UserError;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"{root.Name}: cancelled");
            return 130;
        }
#pragma warning disable CA1031 // The CLI boundary turns every failure into a one-line message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"{root.Name}: internal error ({ex.GetType().Name}): {OneLine(ex.Message)}");
            return InternalError;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
