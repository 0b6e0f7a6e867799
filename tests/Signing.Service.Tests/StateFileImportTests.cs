using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Signing.Service.Authorization;
using Signing.Issuance;
using Signing.Storage;

namespace Signing.Service.Tests;

/// <summary>
/// A data directory in the old layout (facts, heads and prepared requests as files beside a
/// registry that lacks them) is taken into the registry when the service starts: everything
/// works as before, each file is kept as *.imported, one audit record says what was added, and a
/// later start adds nothing.
/// </summary>
public sealed class StateFileImportTests : IAsyncLifetime
{
    private readonly IssuanceFixture _first = new();

    public Task InitializeAsync() => _first.InitializeAsync();

    [Fact]
    public async Task Old_state_files_are_imported_once_kept_aside_and_the_service_carries_on_where_it_was()
    {
        // An issued result (its request completed) and a document whose head signature is prepared, not completed.
        var (issuedId, issuedCode) = await _first.IssueAsync("quyet-dinh");
        using var submitted = await _first.SubmitAsync(IssuanceFixture.Sample("quyet-dinh"), Guid.NewGuid().ToString());
        var pendingId = (await IssuanceFixture.Json(submitted, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var head = _first.Client(Roles.DepartmentHead);
        var pending = await IssuanceFixture.Json(await head.PostAsync(_first.Service.Staff($"/api/documents/{pendingId}/prepare"), null), HttpStatusCode.OK);
        var completedRequest = await CompletedRequestOf(issuedId);

        // Write the state out in the old files and take it out of the registry, as an old deployment had it.
        var service = _first.Service.Services.GetRequiredService<IssuanceService>();
        var registry = _first.Service.Services.GetRequiredService<IssuanceRuntime>().Registry;
        var data = _first.DataDirectory;
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
        Directory.CreateDirectory(Path.Combine(data, "documents"));
        Directory.CreateDirectory(Path.Combine(data, "prepared"));
        foreach (var id in new[] { issuedId, pendingId })
        {
            var facts = await service.Facts.GetAsync((await registry.GetAsync(id))!, default);
            await File.WriteAllTextAsync(Path.Combine(data, "documents", facts.VerificationCode + ".json"), JsonSerializer.Serialize(facts, options));
        }
        var heads = (await service.Heads.ListAsync()).ToDictionary(h => h.HeadId);
        await File.WriteAllTextAsync(Path.Combine(data, "heads.json"), JsonSerializer.Serialize(heads, options));
        foreach (var requestId in new[] { completedRequest, Guid.Parse(pending.GetProperty("requestId").GetString()!) })
        {
            var request = await service.PreparedRequests.GetAsync(requestId, default);
            await File.WriteAllTextAsync(Path.Combine(data, "prepared", requestId.ToString("N") + ".json"), JsonSerializer.Serialize(request, options));
        }
        await _first.Service.DisposeAsync();
        await ExecuteAsync(data, "DELETE FROM document_facts; DELETE FROM prepared_requests; DELETE FROM head_enrollments;");
        await using (var before = await DocumentStorage.OpenSqliteAsync(data))
        {
            Assert.Null(await before.Registry.GetFactsAsync(issuedId));
            Assert.Empty(await before.Heads.ListAsync());
        }

        var settings = RunningService.DefaultSettings(_first.Pki);
        settings["Signing:DataDirectory"] = data;
        await using (var second = await RunningService.StartAsync(_first.Pki, settings))
        {
            // Every file was moved aside, none lost.
            Assert.Empty(Directory.GetFiles(data, "*.json", SearchOption.AllDirectories));
            Assert.Equal(5, Directory.GetFiles(data, "*.json" + StateFileImport.ImportedSuffix, SearchOption.AllDirectories).Length);

            // The public page has the issued result's facts; the head is still enrolled and completes the pending request.
            using var anonymous = second.Client(null);
            var view = await IssuanceFixture.Json(await anonymous.GetAsync(second.Public($"/api/public/verify/{issuedCode}")), HttpStatusCode.OK);
            Assert.Equal("issued", view.GetProperty("status").GetString());
            using var headOnSecond = second.Client(_first.Pki.RoleClients[Roles.DepartmentHead]);
            using var completed = await headOnSecond.PostAsJsonAsync(second.Staff($"/api/documents/{pendingId}/complete"), new
            {
                requestId = pending.GetProperty("requestId").GetString(),
                signatureValue = Convert.ToBase64String(_first.Backend.SignAsHead(Convert.FromBase64String(pending.GetProperty("hash").GetString()!))),
            });
            Assert.Equal("signed", (await IssuanceFixture.Json(completed, HttpStatusCode.OK)).GetProperty("status").GetString());
            // The completed request came over completed: its replay is still a 409.
            using var replay = await headOnSecond.PostAsJsonAsync(second.Staff($"/api/documents/{issuedId}/complete"), new
            {
                requestId = completedRequest,
                signatureValue = Convert.ToBase64String(new byte[256]),
            });
            await IssuanceFixture.AssertProblem(replay, 409);
        }

        // A third start finds nothing to import; one import record, and the chain verifies.
        await using (var third = await RunningService.StartAsync(_first.Pki, settings))
        {
        }
        await using var audit = await DocumentStorage.OpenAuditLogAsync(data, null);
        var records = await audit.Log.ReadAsync(1, 1000);
        var import = Assert.Single(records, r => r.Action == "import_state_files");
        Assert.Equal("""{"facts":2,"heads":1,"prepared_requests":2,"skipped":0}""", import.DetailsJson);
        Assert.True((await audit.Log.VerifyAsync()).IsValid);
    }

    private async Task<Guid> CompletedRequestOf(Guid id)
    {
        var registry = _first.Service.Services.GetRequiredService<IssuanceRuntime>().Registry;
        var sign = (await registry.GetHistoryAsync(id)).Single(r => r.Action == "sign");
        return Guid.Parse(JsonDocument.Parse(sign.DetailsJson).RootElement.GetProperty("details").GetProperty("requestId").GetString()!);
    }

    private static async Task ExecuteAsync(string data, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(data, DocumentStorage.SqliteFileName)};Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        _first.Pki.Dispose();
        await Task.CompletedTask;
    }
}

/// <summary>A damaged old file stops the import (and so the start) with its path; nothing is moved or written.</summary>
public sealed class StateFileImportRefusalTests
{
    [Fact]
    public async Task A_damaged_old_file_is_named_and_nothing_is_imported_or_moved()
    {
        var data = Signing.Testing.RepoPaths.NewTempDirectory("state-import-damaged");
        var heads = Path.Combine(data, "heads.json");
        await File.WriteAllTextAsync(heads, "{ not json");
        await using var storage = await DocumentStorage.OpenSqliteAsync(data);
        var e = await Assert.ThrowsAsync<Signing.Core.SigningException>(() => StateFileImport.RunAsync(data, storage.StateImporter, default));
        Assert.StartsWith(heads + " is damaged", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(heads));
        Assert.Equal(0, (await storage.Audit.GetHeadAsync()).Seq);
    }
}
