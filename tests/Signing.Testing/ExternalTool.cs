using System.Diagnostics;

namespace Signing.Testing;

/// <summary>The outcome of running an outside program (pdfsig, openssl, qpdf, ...).</summary>
public sealed record ToolResult(int ExitCode, string StdOut, string StdErr)
{
    public string All => StdOut + StdErr;
}

/// <summary>Runs the outside judges of our output with a time limit.</summary>
public static class ExternalTool
{
    public static ToolResult Run(string fileName, IEnumerable<string> arguments, string? stdin = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin != null,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        if (environment != null)
        {
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish in time");
        }

        return new ToolResult(p.ExitCode, outTask.Result, errTask.Result);
    }

    public static ToolResult Run(string fileName, params string[] arguments) => Run(fileName, (IEnumerable<string>)arguments);

    /// <summary>Runs a tool and fails the test with its output when it exits non-zero.</summary>
    public static ToolResult RunChecked(string fileName, params string[] arguments)
    {
        var r = Run(fileName, arguments);
        if (r.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"{fileName} {string.Join(' ', arguments)} exited {r.ExitCode}:\n{r.All}");
        }

        return r;
    }
}
