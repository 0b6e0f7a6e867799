using Signing.Testing;

namespace Signing.Cli.Tests;

/// <summary>
/// Runs the real `signing` executable (as users do) against the dev token made by setup: the
/// self-contained single file when SIGNING_CLI_EXE names it (tests/run.sh publishes it outside the
/// checkout, so nothing is found by walking up to the repository), else the build output's signing.dll.
/// </summary>
internal static class Cli
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "signing.dll");
    private static readonly string? Published = Environment.GetEnvironmentVariable("SIGNING_CLI_EXE") is { Length: > 0 } exe ? exe : null;

    public static string DevHome => RepoPaths.Dev;

    public static ToolResult Run(params string[] args) => Run(null, args);

    public static ToolResult Run(IDictionary<string, string>? env, params string[] args)
    {
        if (!File.Exists(Path.Combine(DevHome, "softhsm2.conf")))
        {
            throw new InvalidOperationException($"No dev token in {DevHome}: run `bash hsm-config/setup.sh` (tests/run.sh does) first.");
        }

        // The dev home is named, never guessed from where the program lies.
        // SoftHSM2's configuration too: a test of this process that made its own token has pointed SOFTHSM2_CONF elsewhere.
        var environment = new Dictionary<string, string>(env ?? new Dictionary<string, string>()) { ["SIGNING_HOME"] = DevHome, ["SOFTHSM2_CONF"] = Path.Combine(DevHome, "softhsm2.conf") };
        return Published is { } exe
            ? ExternalTool.Run(exe, args, environment: environment, timeout: TimeSpan.FromMinutes(5))
            : ExternalTool.Run("dotnet", [Dll, .. args], environment: environment, timeout: TimeSpan.FromMinutes(5));
    }

    /// <summary>Runs <paramref name="work"/> while `signing dev serve-revocation` serves the dev home's CRLs and OCSP on 127.0.0.1:8480.</summary>
    public static T WithRevocationServer<T>(Func<T> work)
    {
        // Port 8480 is the machine's, not the checkout's: suites of two checkouts running at once take turns.
        using var portLock = HoldMachineLock("signing-dev-revocation-8480.lock", TimeSpan.FromMinutes(10));
        var start = Published is { } exe ? new System.Diagnostics.ProcessStartInfo(exe, ["dev", "serve-revocation"]) : new System.Diagnostics.ProcessStartInfo("dotnet", [Dll, "dev", "serve-revocation"]);
        start.Environment["SIGNING_HOME"] = DevHome;
        start.Environment["SOFTHSM2_CONF"] = Path.Combine(DevHome, "softhsm2.conf");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var server = System.Diagnostics.Process.Start(start)!;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            for (var i = 0; i < 60; i++)
            {
                try
                {
                    if (http.GetAsync(new Uri("http://127.0.0.1:8480/crl/root-ca.crl")).GetAwaiter().GetResult().IsSuccessStatusCode) break;
                }
                catch (HttpRequestException)
                {
                }

                Thread.Sleep(500);
            }

            return work();
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }

    private static FileStream HoldMachineLock(string name, TimeSpan timeout)
    {
        var path = Path.Combine(Path.GetTempPath(), name);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }

    /// <summary>A failure is exactly one line on stderr, no stack trace.</summary>
    public static void AssertOneLineError(ToolResult r, int exitCode, string contains)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}, expected {exitCode}:\n{r.All}");
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "stderr should be one line:\n" + r.StdErr);
        Assert.StartsWith("signing: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(contains, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.All, StringComparison.Ordinal);
    }
}

/// <summary>One rendered sample result per test class, in its own folder.</summary>
public sealed class Workspace : IDisposable
{
    public Workspace()
    {
        Dir = RepoPaths.NewTempDirectory("cli");
        Unsigned = Path.Combine(Dir, "result.pdf");
        var r = Cli.Run("render", Path.Combine(RepoPaths.Samples, "decisions", "quyet-dinh.json"), "-o", Unsigned);
        if (r.ExitCode != 0) throw new InvalidOperationException("render failed: " + r.All);
    }

    public string Dir { get; }

    public string Unsigned { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
