using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Signing.DevPki;
using Signing.Service.Authorization;
using Signing.Service.Tests;
using Signing.Testing;
using Signing.Testing.Agent;

namespace Signing.Agent.Tests;

/// <summary>
/// The real service on loopback with mutual TLS (SQLite registry, seal and TSA keys on SoftHSM2),
/// and the real `signing-agent` executable set up for the department head: its TLS client
/// certificate in a PKCS#12 file, SoftHSM2 as the head's "USB token".
/// </summary>
public sealed class AgentFixture : IssuanceFixture, IAsyncLifetime
{
    private DeskAgent _agent = null!;

    public string Home => _agent.Home;

    public string NssDirectory { get; } = RepoPaths.NewTempDirectory("agent-nss");

    public ToolResult SetupResult => _agent.SetupResult;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        _agent = DeskAgent.SetUp(Service.Staff("/"), Pki.RoleClients[Roles.DepartmentHead], [Pki.RootPem, Pki.IssuingPem], Backend.Token.Label);
        ExternalTool.RunChecked("certutil", "-N", "-d", "sql:" + NssDirectory, "--empty-password");
        ExternalTool.RunChecked("certutil", "-A", "-d", "sql:" + NssDirectory, "-n", "root", "-t", "CT,C,C", "-i", Backend.Layout.CertificateFile(DevPkiBuilder.RootLabel));
    }

    public AgentSettings Settings => AgentSettings.Load(Home);

    /// <summary>Runs the agent to the end; <paramref name="stdin"/> is what the head types (the PIN).</summary>
    public ToolResult Run(string? stdin, params string[] args) => _agent.Run(stdin, args);

    public static ToolResult RunIn(string home, string? stdin, params string[] args) => DeskAgent.RunIn(home, stdin, args);

    /// <summary>Starts the agent and leaves it running (the interruption test kills it).</summary>
    public Process Start(params string[] args)
    {
        var (file, prefix) = DeskAgent.Program;
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in prefix.Concat(["--home", Home]).Concat(args)) start.ArgumentList.Add(a);
        foreach (var (k, v) in DeskAgent.Variables) start.Environment[k] = v;
        return Process.Start(start)!;
    }

    /// <summary>Starts the agent with its output collected line by line.</summary>
    public AgentProcess StartWatched(params string[] args) => _agent.Start(args);

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
        _agent.Dispose();
        Directory.Delete(NssDirectory, recursive: true);
    }
}
