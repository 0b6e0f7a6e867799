using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Signing.Service.Authorization;
using Signing.Testing;
using Signing.Testing.Agent;

namespace Signing.Service.Tests.Web;

/// <summary>
/// The service with its own log files and the console pointed at a desk agent port, and the real
/// `signing-agent` set up for the department head on the SoftHSM2 token (started by each test).
/// </summary>
public sealed class DeskAgentFixture : IssuanceFixture, IAsyncLifetime
{
    public int AgentPort { get; } = DeskAgent.FreePort();

    public string LogDirectory { get; } = RepoPaths.NewTempDirectory("console-agent-logs");

    public DeskAgent Agent { get; private set; } = null!;

    public string Pin => Backend.Token.UserPin;

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        settings["Console:DeskAgent:Url"] = $"http://127.0.0.1:{AgentPort}";
        settings["Signing:Logging:Directory"] = LogDirectory;
        settings["Signing:Logging:Console"] = "false";
    }

    // RunningService clears the logging providers; the service's own Serilog files are put back to be searched for the PIN.
    protected override void ConfigureHost(WebApplicationBuilder builder) => ServiceLogging.AddSerilog(builder.Services);

    async Task IAsyncLifetime.InitializeAsync()
    {
        await base.InitializeAsync();
        Agent = DeskAgent.SetUp(Service.Staff("/"), Pki.RoleClients[Roles.DepartmentHead], [Pki.RootPem, Pki.IssuingPem], Backend.Token.Label);
    }

    /// <summary>`signing-agent serve` on the port the console names; <paramref name="pair"/> forgets the pairing and shows a new code.</summary>
    public AgentProcess StartAgent(bool pair) =>
        Agent.Start(pair ? ["serve", "--port", AgentPort.ToString(CultureInfo.InvariantCulture), "--pair"] : ["serve", "--port", AgentPort.ToString(CultureInfo.InvariantCulture)]);

    public async Task<string> StatusAsync(Guid id)
    {
        using var staff = Client(Roles.CounterStaff);
        return (await Json(await staff.GetAsync(Service.Staff($"/api/documents/{id}")), HttpStatusCode.OK)).GetProperty("status").GetString()!;
    }

    /// <summary>How many times the registry's history says the document was signed by its head.</summary>
    public async Task<int> SignaturesInHistoryAsync(Guid id)
    {
        using var staff = Client(Roles.CounterStaff);
        var history = await Json(await staff.GetAsync(Service.Staff($"/api/documents/{id}/history")), HttpStatusCode.OK);
        return history.EnumerateArray().Count(r => r.GetProperty("action").GetString() == "sign");
    }

    /// <summary>Everything the service has logged so far.</summary>
    public string ServiceLog() => string.Join('\n', ServiceLogFiles.Lines(LogDirectory));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Agent?.Dispose();
        Directory.Delete(LogDirectory, recursive: true);
    }
}
