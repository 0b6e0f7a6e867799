using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Xunit;

namespace Signing.Testing.Agent;

/// <summary>
/// The real `signing-agent` executable with its own settings home, set up for a department head:
/// the head's TLS client certificate in a PKCS#12 file, a SoftHSM2 token as the head's "USB token".
/// The agent and the console tests both drive it through here.
/// </summary>
public sealed class DeskAgent : IDisposable
{
    private DeskAgent(string home, ToolResult setup)
    {
        Home = home;
        SetupResult = setup;
    }

    /// <summary>
    /// The program under test: the self-contained single-file agent when SIGNING_AGENT_EXE names it
    /// (tests/run.sh publishes it and sets this), else the build output through `dotnet`.
    /// </summary>
    public static (string File, string[] Prefix) Program =>
        Environment.GetEnvironmentVariable("SIGNING_AGENT_EXE") is { Length: > 0 } exe ? (exe, []) : ("dotnet", [Path.Combine(AppContext.BaseDirectory, "signing-agent.dll")]);

    public static IDictionary<string, string> Variables => new Dictionary<string, string> { ["SOFTHSM2_CONF"] = SoftHsm.ConfigFile };

    public string Home { get; }

    public ToolResult SetupResult { get; }

    /// <summary>Runs `signing-agent setup` against <paramref name="service"/> for the head presenting <paramref name="headClient"/>.</summary>
    public static DeskAgent SetUp(Uri service, X509Certificate2 headClient, IEnumerable<string> serverCaPems, string tokenLabel, string certificateLabel = "head")
    {
        ArgumentNullException.ThrowIfNull(headClient);
        var home = RepoPaths.NewTempDirectory("agent-home");
        var p12 = Path.Combine(home, "head.p12");
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        File.WriteAllBytes(p12, headClient.Export(X509ContentType.Pkcs12, password));
        File.WriteAllText(Path.Combine(home, "head.password"), password);
        var setup = RunIn(home, null, ["setup", "--service", service.GetLeftPart(UriPartial.Authority), "--client-cert", p12,
            "--client-cert-password-file", Path.Combine(home, "head.password"), "--server-ca", .. serverCaPems,
            "--module", SoftHsm.ModulePath, "--token", tokenLabel, "--certificate", certificateLabel]);
        if (setup.ExitCode != 0) throw new InvalidOperationException("agent setup failed: " + setup.All);
        return new DeskAgent(home, setup);
    }

    /// <summary>Runs the agent to the end; <paramref name="stdin"/> is what the head types (the PIN).</summary>
    public ToolResult Run(string? stdin, params string[] args) => RunIn(Home, stdin, args);

    public static ToolResult RunIn(string home, string? stdin, params string[] args) =>
        ExternalTool.Run(Program.File, [.. Program.Prefix, "--home", home, .. args], stdin, Variables, TimeSpan.FromMinutes(5));

    /// <summary>Starts the agent and leaves it running, its output collected line by line.</summary>
    public AgentProcess Start(params string[] args) => AgentProcess.Start(Home, args);

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose() => Directory.Delete(Home, recursive: true);
}

/// <summary>A running agent: what it printed so far (stdout and stderr, in order), and its terminal's input.</summary>
public sealed partial class AgentProcess : IDisposable
{
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _newLine = new(0);

    private AgentProcess(Process process) => Process = process;

    public Process Process { get; }

    public static AgentProcess Start(string home, IEnumerable<string> args)
    {
        var (file, prefix) = DeskAgent.Program;
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in prefix.Concat(["--home", home]).Concat(args)) start.ArgumentList.Add(a);
        foreach (var (k, v) in DeskAgent.Variables) start.Environment[k] = v;
        var agent = new AgentProcess(new Process { StartInfo = start });
        agent.Process.OutputDataReceived += (_, e) => agent.Add(e.Data);
        agent.Process.ErrorDataReceived += (_, e) => agent.Add(e.Data);
        agent.Process.Start();
        agent.Process.BeginOutputReadLine();
        agent.Process.BeginErrorReadLine();
        return agent;
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return _lines.ToList(); }
    }

    public string Output => string.Join('\n', Lines);

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
        _newLine.Release();
    }

    /// <summary>The first line (already printed or still to come) that <paramref name="match"/> accepts.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(match);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line) return line;
            if (Process.HasExited && !Lines.Any(match))
            {
                await Task.Delay(200); // the last lines may still be on their way
                if (Lines.FirstOrDefault(match) is { } late) return late;
                Assert.Fail($"the agent exited ({Process.ExitCode}) without the expected line:\n{Output}");
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) Assert.Fail("the agent did not print the expected line in time:\n" + Output);
            await _newLine.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Waits until the agent listens, and returns the pairing code it shows (null when it is already paired).</summary>
    public async Task<string?> WaitUntilListeningAsync()
    {
        await WaitForLineAsync(l => l.StartsWith("signing-agent is listening on", StringComparison.Ordinal));
        var line = await WaitForLineAsync(l => l.StartsWith("Pairing code:", StringComparison.Ordinal) || l.StartsWith("Paired with the console", StringComparison.Ordinal));
        return PairingCode().Match(line) is { Success: true } m ? m.Value : null;
    }

    [GeneratedRegex("[A-Z0-9]{4}-[A-Z0-9]{4}")]
    private static partial Regex PairingCode();

    /// <summary>Types a line in the agent's terminal (the PIN when it asks).</summary>
    public async Task TypeAsync(string line)
    {
        await Process.StandardInput.WriteLineAsync(line);
        await Process.StandardInput.FlushAsync();
    }

    public async Task KillAsync()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.WaitForExit();
        Process.Dispose();
        _newLine.Dispose();
    }
}
