using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Signing.Service.Tests;

/// <summary>
/// The service as a real operating-system process: <c>dotnet Signing.Service.dll</c> (the build
/// output copied next to the tests) configured only through environment variables
/// (<c>Signing__Seal__KeyUri</c>, …), its console lines collected so a test can wait for one, and
/// <see cref="Kill"/> sending SIGKILL — no shutdown code runs.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ServiceProcess(Process process, int staffPort, int publicPort)
    {
        _process = process;
        StaffPort = staffPort;
        PublicPort = publicPort;
    }

    public int StaffPort { get; }
    public int PublicPort { get; }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr), for failure messages.</summary>
    public string Output => string.Join('\n', _lines);

    public Uri Staff(string path) => new($"https://127.0.0.1:{StaffPort}{path}");

    public Uri Public(string path) => new($"https://127.0.0.1:{PublicPort}{path}");

    /// <summary>
    /// Starts the service with <paramref name="settings"/> on <paramref name="ports"/> (two free
    /// loopback ports when null; fixed ones let a restarted instance come back where a balancer
    /// expects it) and waits until /health/ready answers 200.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, TestPki pki, string workingDirectory,
        (int Staff, int Public)? ports = null)
    {
        var running = Launch(settings, workingDirectory, AppContext.BaseDirectory, ports: ports);
        var process = running._process;
        using var client = RunningService.CreateClient(pki, clientCertificate: null);
        client.Timeout = TimeSpan.FromSeconds(5);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"the service exited with {process.ExitCode} before it was ready:\n{running.Output}");
            try
            {
                using var ready = await client.GetAsync(running.Public("/health/ready"));
                if (ready.StatusCode == HttpStatusCode.OK) return running;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // a slow first request while the JIT warms up
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                running.Kill();
                throw new TimeoutException($"the service was not ready within 60 s:\n{running.Output}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Runs the service from <paramref name="serviceDirectory"/> (a copy of the build output, say)
    /// with <paramref name="environment"/> added, for a start that must fail: its exit code and
    /// what it wrote. A service still running after <paramref name="timeout"/> is killed and fails the test.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string?> settings, string workingDirectory,
        string serviceDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var running = Launch(settings, workingDirectory, serviceDirectory, environment);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await running._process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the service still ran after {timeout.TotalSeconds:0} s:\n{running.Output}");
        }
        return (running._process.ExitCode, running.Output);
    }

    private static ServiceProcess Launch(IReadOnlyDictionary<string, string?> settings, string workingDirectory, string serviceDirectory,
        IReadOnlyDictionary<string, string>? environment = null, (int Staff, int Public)? ports = null)
    {
        var (staffPort, publicPort) = ports ?? FreePorts();
        var dll = Path.Combine(serviceDirectory, "Signing.Service.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project must reference Signing.Service");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        // The child inherits this process's environment (SOFTHSM2_CONF of the test token store included).
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        start.Environment["Service__Listeners__Staff__Port"] = staffPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Service__Listeners__Public__Port"] = publicPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var running = new ServiceProcess(process, staffPort, publicPort);
        process.OutputDataReceived += (_, e) => running.Add(e.Data);
        process.ErrorDataReceived += (_, e) => running.Add(e.Data);
        Assert.True(process.Start(), "dotnet did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Waits for a console line containing every one of <paramref name="parts"/>.</summary>
    public async Task<string> WaitForLineAsync(TimeSpan timeout, params string[] parts)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var hit = _lines.FirstOrDefault(l => parts.All(p => l.Contains(p, StringComparison.Ordinal)));
            if (hit != null) return hit;
            if (_process.HasExited) break;
            await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(250));
        }
        throw new TimeoutException($"no line with '{string.Join("', '", parts)}' within {timeout.TotalSeconds:0} s:\n{Output}");
    }

    /// <summary>SIGKILL (Process.Kill on Unix), then waits for the process to be gone.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    private void Add(string? line)
    {
        if (line == null) return;
        _lines.Enqueue(line);
        _lineArrived.Release();
    }

    /// <summary>Two loopback ports free right now, for <see cref="StartAsync"/>.</summary>
    public static (int Staff, int Public) FreePorts() => (FreePort(), FreePort());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        _lineArrived.Dispose();
        return ValueTask.CompletedTask;
    }
}
