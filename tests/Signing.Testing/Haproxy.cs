using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Signing.Testing;

/// <summary>
/// Debian's HAProxy on loopback in front of several service instances, as an operator would run
/// it: one TCP frontend per listener (TLS passes through, so the service still sees the client
/// certificate), round robin, a health check that takes a dead instance out within a second, and
/// a failed connect redispatched to another instance. Stopped (and its config removed) on dispose.
/// </summary>
public sealed class Haproxy : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private Haproxy(Process process, string directory, IReadOnlyDictionary<string, int> frontends)
    {
        _process = process;
        _directory = directory;
        Frontends = frontends;
    }

    /// <summary>The loopback port of each frontend, by the name it was started with.</summary>
    public IReadOnlyDictionary<string, int> Frontends { get; }

    /// <summary>What HAProxy wrote (its alerts and warnings), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>
    /// Starts HAProxy with one frontend per entry of <paramref name="backends"/>: each name maps to
    /// the loopback ports of the instances behind it. Returns once every frontend accepts connections.
    /// </summary>
    public static async Task<Haproxy> StartAsync(IReadOnlyDictionary<string, IReadOnlyList<int>> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        var directory = RepoPaths.NewTempDirectory("haproxy");
        var frontends = backends.Keys.ToDictionary(name => name, _ => FreePort(), StringComparer.Ordinal);
        var config = new StringBuilder();
        config.AppendLine("global");
        config.AppendLine("  maxconn 2000");
        config.AppendLine("defaults");
        config.AppendLine("  mode tcp");
        config.AppendLine("  timeout connect 2s");
        config.AppendLine("  timeout client 120s");
        config.AppendLine("  timeout server 120s");
        // A connect to a dead instance is retried on another one instead of failing the client.
        config.AppendLine("  retries 3");
        config.AppendLine("  option redispatch");
        foreach (var (name, ports) in backends)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"frontend {name}");
            config.AppendLine(CultureInfo.InvariantCulture, $"  bind 127.0.0.1:{frontends[name]}");
            config.AppendLine(CultureInfo.InvariantCulture, $"  default_backend {name}_instances");
            config.AppendLine(CultureInfo.InvariantCulture, $"backend {name}_instances");
            config.AppendLine("  balance roundrobin");
            for (var i = 0; i < ports.Count; i++)
                config.AppendLine(CultureInfo.InvariantCulture, $"  server instance{i} 127.0.0.1:{ports[i]} check inter 300ms fall 1 rise 2");
        }
        var file = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(file, config.ToString());

        var check = ExternalTool.Run("haproxy", "-c", "-f", file);
        if (check.ExitCode != 0) throw new InvalidOperationException($"haproxy refused its configuration:\n{check.StdOut}{check.StdErr}");

        var start = new ProcessStartInfo("haproxy") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // -db: stay in the foreground, so SIGKILL of this process is the whole balancer.
        foreach (var argument in new[] { "-db", "-f", file }) start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        var haproxy = new Haproxy(process, directory, frontends);
        process.OutputDataReceived += (_, e) => haproxy.Add(e.Data);
        process.ErrorDataReceived += (_, e) => haproxy.Add(e.Data);
        if (!process.Start()) throw new InvalidOperationException("haproxy did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        foreach (var port in frontends.Values)
        {
            while (!await AcceptsAsync(port))
            {
                if (process.HasExited) throw new InvalidOperationException($"haproxy exited with {process.ExitCode}:\n{haproxy.Output}");
                if (deadline.Elapsed > TimeSpan.FromSeconds(15))
                {
                    haproxy.Dispose();
                    throw new TimeoutException($"haproxy did not listen on 127.0.0.1:{port} within 15 s:\n{haproxy.Output}");
                }
                await Task.Delay(100);
            }
        }
        return haproxy;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Add(string? line)
    {
        if (line == null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
    }
}
