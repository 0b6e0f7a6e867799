using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Signing.DevPki;
using Signing.Service.Authorization;
using Signing.Service.Tests;
using Signing.Testing;

namespace Signing.Agent.Tests;

/// <summary>
/// The real service on loopback with mutual TLS (SQLite registry, seal and TSA keys on SoftHSM2),
/// and the real `signing-agent` executable set up for the department head: its TLS client
/// certificate in a PKCS#12 file, SoftHSM2 as the head's "USB token".
/// </summary>
public sealed class AgentFixture : IssuanceFixture, IAsyncLifetime
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "signing-agent.dll");

    /// <summary>
    /// The program under test: the self-contained single-file agent when SIGNING_AGENT_EXE names it
    /// (tests/run.sh publishes it and sets this), else the build output through `dotnet`.
    /// </summary>
    private static (string File, string[] Prefix) Program =>
        System.Environment.GetEnvironmentVariable("SIGNING_AGENT_EXE") is { Length: > 0 } exe ? (exe, []) : ("dotnet", [Dll]);

    public string Home { get; } = RepoPaths.NewTempDirectory("agent-home");

    public string NssDirectory { get; } = RepoPaths.NewTempDirectory("agent-nss");

    public ToolResult SetupResult { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var p12 = Path.Combine(Home, "head.p12");
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        File.WriteAllBytes(p12, Pki.RoleClients[Roles.DepartmentHead].Export(X509ContentType.Pkcs12, password));
        File.WriteAllText(Path.Combine(Home, "head.password"), password);
        SetupResult = Run(null, "setup", "--service", $"https://127.0.0.1:{Service.StaffPort}", "--client-cert", p12,
            "--client-cert-password-file", Path.Combine(Home, "head.password"), "--server-ca", Pki.RootPem, Pki.IssuingPem,
            "--module", SoftHsm.ModulePath, "--token", Backend.Token.Label, "--certificate", "head");
        if (SetupResult.ExitCode != 0) throw new InvalidOperationException("agent setup failed: " + SetupResult.All);

        ExternalTool.RunChecked("certutil", "-N", "-d", "sql:" + NssDirectory, "--empty-password");
        ExternalTool.RunChecked("certutil", "-A", "-d", "sql:" + NssDirectory, "-n", "root", "-t", "CT,C,C", "-i", Backend.Layout.CertificateFile(DevPkiBuilder.RootLabel));
    }

    public AgentSettings Settings => AgentSettings.Load(Home);

    public static IDictionary<string, string> Environment => new Dictionary<string, string> { ["SOFTHSM2_CONF"] = SoftHsm.ConfigFile };

    /// <summary>Runs the agent to the end; <paramref name="stdin"/> is what the head types (the PIN).</summary>
    public ToolResult Run(string? stdin, params string[] args) => RunIn(Home, stdin, args);

    public static ToolResult RunIn(string home, string? stdin, params string[] args) =>
        ExternalTool.Run(Program.File, [.. Program.Prefix, "--home", home, .. args], stdin, Environment, TimeSpan.FromMinutes(5));

    /// <summary>Starts the agent and leaves it running (the interruption test kills it).</summary>
    public Process Start(params string[] args)
    {
        var start = new ProcessStartInfo(Program.File) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Program.Prefix.Concat(["--home", Home]).Concat(args)) start.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) start.Environment[k] = v;
        return Process.Start(start)!;
    }

    public async Task<List<Guid>> SubmitManyAsync(int count)
    {
        var samples = new[] { "quyet-dinh", "giay-phep", "mau-01-tiep-nhan", "mau-04-xin-loi" };
        var ids = new Guid[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            using var response = await SubmitAsync(Sample(samples[i % samples.Length]), Guid.NewGuid().ToString());
            ids[i] = (await Json(response, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        });
        return ids.ToList();
    }

    public async Task<JsonElement> DocumentAsync(Guid id)
    {
        using var staff = Client(Roles.CounterStaff);
        return await Json(await staff.GetAsync(Service.Staff($"/api/documents/{id}")), HttpStatusCode.OK);
    }

    /// <summary>How many times the registry's history says the document was signed by its head.</summary>
    public async Task<int> SignaturesInHistoryAsync(Guid id)
    {
        using var staff = Client(Roles.CounterStaff);
        var history = await Json(await staff.GetAsync(Service.Staff($"/api/documents/{id}/history")), HttpStatusCode.OK);
        return history.EnumerateArray().Count(r => r.GetProperty("action").GetString() == "sign");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Home, recursive: true);
        Directory.Delete(NssDirectory, recursive: true);
    }
}
