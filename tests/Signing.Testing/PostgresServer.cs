using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Signing.Testing;

/// <summary>
/// A PostgreSQL server of a test's own (Debian's binaries, a fresh cluster in a temp folder, loopback
/// only, trust authentication for its one superuser), for tests that restart or crash the server:
/// the shared server of tests/postgres.sh serves other tests at the same time. As root the cluster
/// belongs to the <c>postgres</c> OS user, as PostgreSQL requires.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _bin;
    private readonly string _data;
    private readonly string _log;

    private PostgresServer(string bin, string home, int port)
    {
        _bin = bin;
        _data = Path.Combine(home, "data");
        _log = Path.Combine(home, "server.log");
        Home = home;
        Port = port;
    }

    public string Home { get; }
    public int Port { get; }

    /// <summary>The superuser's connection string to <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres";

    public static PostgresServer Start()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb"))).Order(StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (hsm-config/apt-packages.txt installs postgresql)");
        var home = Path.Combine(Path.GetTempPath(), "pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(home);
        var server = new PostgresServer(bin, home, FreePort());
        if (Environment.UserName == "root") ExternalTool.RunChecked("chown", "postgres:", home);
        server.Run("initdb", "-D", server._data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--auth=trust");
        File.AppendAllText(server._data + "/postgresql.conf", string.Create(CultureInfo.InvariantCulture,
            $"\nlisten_addresses = '127.0.0.1'\nport = {server.Port}\nunix_socket_directories = '{home}'\n"));
        server.Run("pg_ctl", "-D", server._data, "-l", server._log, "-w", "-t", "60", "start");
        return server;
    }

    /// <summary>
    /// Stops the server the way a crash or power cut would (immediate: no checkpoint, every
    /// connection cut), keeps it down for <paramref name="down"/>, and starts it again; the server
    /// recovers from its WAL.
    /// </summary>
    public async Task CrashAndRestartAsync(TimeSpan down)
    {
        Run("pg_ctl", "-D", _data, "-m", "immediate", "-w", "stop");
        await Task.Delay(down);
        Run("pg_ctl", "-D", _data, "-l", _log, "-w", "-t", "60", "start");
    }

    private void Run(string tool, params string[] arguments)
    {
        var path = Path.Combine(_bin, tool);
        var result = Environment.UserName == "root"
            ? ExternalTool.Run("runuser", ["-u", "postgres", "--", path, .. arguments])
            : ExternalTool.Run(path, arguments);
        if (result.ExitCode != 0)
        {
            var log = File.Exists(_log) ? File.ReadAllText(_log) : "";
            throw new InvalidOperationException($"{tool} failed ({result.ExitCode}): {result.StdErr}{result.StdOut}\n{log}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            Run("pg_ctl", "-D", _data, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // not running
        }
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
    }
}
