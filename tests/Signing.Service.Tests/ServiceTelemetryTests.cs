using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Signing.Service.Authorization;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// The counters are process-wide (one static meter), so these tests run alone: a delta between two
/// scrapes is then this test's own work, and can be asserted exactly.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}

/// <summary>The issuance fixture with the service's own Serilog files, to read the lines a request wrote.</summary>
public sealed class LoggedIssuanceFixture : IssuanceFixture
{
    public string LogDirectory { get; } = RepoPaths.NewTempDirectory("telemetry-logs");

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        settings["Signing:Logging:Directory"] = LogDirectory;
        settings["Signing:Logging:Console"] = "false";
    }

    // RunningService clears the logging providers; the service's Serilog setup is put back on purpose.
    protected override void ConfigureHost(WebApplicationBuilder builder) => ServiceLogging.AddSerilog(builder.Services);

    /// <summary>Each log line's top level (TraceId, SpanId, MessageTemplate, Properties).</summary>
    public IReadOnlyList<JsonElement> LogLines() => ServiceLogFiles.Lines(LogDirectory).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}

/// <summary>
/// /metrics over the real staff TLS port: the issuance counters and step durations move by what a
/// request did, HTTP server metrics are there, no document data is; the public port and other roles
/// are refused. Every log line carries a correlation id, and a request's lines its trace id.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed partial class ServiceTelemetryTests(LoggedIssuanceFixture f) : IClassFixture<LoggedIssuanceFixture>
{
    [Fact]
    public async Task Issuing_and_revoking_a_result_moves_the_counters_and_step_durations_by_exactly_that_work()
    {
        var before = await ScrapeAsync();

        var (id, code) = await f.IssueAsync("quyet-dinh");
        using var admin = f.Client(Roles.Admin);
        using var revoked = await admin.PostAsJsonAsync(f.Service.Staff($"/api/documents/{id}/revoke"), new { reason = "telemetry test" });
        Assert.Equal("revoked", (await IssuanceFixture.Json(revoked, HttpStatusCode.OK)).GetProperty("status").GetString());

        var after = await ScrapeAsync();
        double Delta(string name, params (string Label, string Value)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);

        Assert.Equal(1, Delta("signing_results_submitted_total"));
        Assert.Equal(1, Delta("signing_results_issued_total"));
        Assert.Equal(1, Delta("signing_results_revoked_total"));
        Assert.Equal(0, Delta("signing_results_failed_total"));

        // One of each step; the registry took create, send for signature, sign, seal, issue and revoke.
        const string Steps = "signing_issuance_step_duration_seconds";
        foreach (var step in new[] { "render", "head_signature", "seal", "long_term" })
        {
            Assert.True(Delta(Steps + "_count", ("signing_step", step)) == 1, $"{step}: {Delta(Steps + "_count", ("signing_step", step))}");
            Assert.True(Delta(Steps + "_sum", ("signing_step", step)) > 0, step);
        }
        Assert.Equal(6, Delta(Steps + "_count", ("signing_step", "registry_commit")));
        // The head's signature timestamp, the seal's, and the B-LTA document timestamp at least.
        var timestamps = Delta(Steps + "_count", ("signing_step", "timestamp"));
        Assert.True(timestamps >= 3, $"{timestamps} timestamps");
        // The buckets add up to the count: the +Inf bucket holds every observation.
        Assert.Equal(1, Delta(Steps + "_bucket", ("signing_step", "seal"), ("le", "+Inf")));

        // Each timestamp of the built-in TSA is one signature on its token key; the seal and the printed seal one each.
        const string Keys = "signing_token_operation_duration_seconds_count";
        Assert.Equal(1, Delta(Keys, ("signing_key", "seal"), ("signing_token_operation", "sign")));
        Assert.Equal(1, Delta(Keys, ("signing_key", "printed_seal")));
        Assert.Equal(timestamps, Delta(Keys, ("signing_key", "tsa")));

        // ASP.NET Core's server metrics, by route template.
        var seal = after.Samples.Where(s => s.Name == "http_server_request_duration_seconds_count"
            && s.Labels.GetValueOrDefault("http_route")?.EndsWith("/seal", StringComparison.Ordinal) == true
            && s.Labels.GetValueOrDefault("http_response_status_code") == "200").Sum(s => s.Value);
        Assert.True(seal >= 1, "no http.server.request.duration for the seal route");
        Assert.Contains(after.Samples, s => s.Name.StartsWith("kestrel_", StringComparison.Ordinal));
        Assert.Contains(after.Samples, s => s.Name.StartsWith("dotnet_", StringComparison.Ordinal));

        // No document data: not the code, the id or the dossier.
        Assert.DoesNotContain(code, after.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(id.ToString(), after.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(id.ToString("N"), after.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_refused_head_signature_counts_as_one_failed_step_with_its_exception_type()
    {
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("quyet-dinh"), Guid.NewGuid().ToString());
        var id = (await IssuanceFixture.Json(submitted, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        using var head = f.Client(Roles.DepartmentHead);
        var prepared = await IssuanceFixture.Json(await head.PostAsync(f.Service.Staff($"/api/documents/{id}/prepare"), null), HttpStatusCode.OK);
        var before = await ScrapeAsync();

        var wrong = Convert.ToBase64String(f.Backend.SignAsHead(System.Security.Cryptography.SHA256.HashData("not this draft"u8)));
        await IssuanceFixture.AssertProblem(await head.PostAsJsonAsync(f.Service.Staff($"/api/documents/{id}/complete"),
            new { requestId = prepared.GetProperty("requestId").GetString(), signatureValue = wrong }), 422, "signatureValue");

        var after = await ScrapeAsync();
        var failed = after.Samples.Where(s => s.Name == "signing_results_failed_total" && s.Labels.GetValueOrDefault("signing_step") == "head_signature").ToList();
        Assert.Equal(1, failed.Sum(s => s.Value) - before.Sum("signing_results_failed_total", ("signing_step", "head_signature")));
        Assert.All(failed, s => Assert.StartsWith("Signing.", s.Labels["error_type"], StringComparison.Ordinal));
        Assert.Equal(0, after.Sum("signing_results_issued_total") - before.Sum("signing_results_issued_total"));
    }

    [Fact]
    public async Task Only_the_auditor_may_scrape_and_only_on_the_staff_port()
    {
        foreach (var role in Roles.All.Where(r => r != Roles.Auditor))
        {
            using var client = f.Client(role);
            await IssuanceFixture.AssertProblem(await client.GetAsync(f.Service.Staff(ServiceTelemetry.MetricsPath)), 403);
        }
        using var nobody = f.Service.Client(f.Pki.FromUnknownCa);
        await IssuanceFixture.AssertProblem(await nobody.GetAsync(f.Service.Staff(ServiceTelemetry.MetricsPath)), 401);
        using var anonymous = f.Service.Client(clientCertificate: null);
        await IssuanceFixture.AssertProblem(await anonymous.GetAsync(f.Service.Public(ServiceTelemetry.MetricsPath)), 404);
        using var auditorOnPublic = f.Client(Roles.Auditor);
        await IssuanceFixture.AssertProblem(await auditorOnPublic.GetAsync(f.Service.Public(ServiceTelemetry.MetricsPath)), 404);
    }

    [Fact]
    public async Task Every_line_of_a_request_carries_its_correlation_and_trace_ids_and_no_line_lacks_a_correlation_id()
    {
        const string Correlation = "telemetry-log-1";
        var traceId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        using (var staff = f.Service.UntracedClient(f.Pki.RoleClients[Roles.CounterStaff]))
        using (var request = new HttpRequestMessage(HttpMethod.Post, f.Service.Staff("/api/documents?signer=" + f.HeadId)))
        {
            request.Content = new ByteArrayContent(IssuanceFixture.Sample("quyet-dinh"));
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            request.Headers.Add(ServiceLogging.CorrelationHeader, Correlation);
            // The caller's trace goes on in the service.
            request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-01");
            using var response = await staff.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var lines = f.LogLines();
        // The request's own lines: the service's "document … created" and the request log line.
        var ofRequest = lines.Where(l => Correlation == CorrelationOf(l)).ToList();
        Assert.Contains(ofRequest, l => l.GetProperty("MessageTemplate").GetString()!.StartsWith("document {DocumentId}", StringComparison.Ordinal));
        Assert.Contains(ofRequest, l => l.GetProperty("Properties").TryGetProperty("Route", out _));
        Assert.All(ofRequest, l =>
        {
            Assert.Equal(traceId, l.GetProperty("TraceId").GetString());
            Assert.Matches(Hex16(), l.GetProperty("SpanId").GetString()!);
        });
        Assert.All(lines.Where(l => l.TryGetProperty("TraceId", out var t) && t.GetString() == traceId), l => Assert.Equal(Correlation, CorrelationOf(l)));

        // Every line has one: a request's, a background run's, or the process's own.
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(CorrelationOf(l)), l.ToString()));
        var startup = lines.First(l => l.GetProperty("MessageTemplate").GetString()!.Contains("listening", StringComparison.OrdinalIgnoreCase)
            || l.GetProperty("Properties").TryGetProperty("SourceContext", out var c) && c.GetString() == "Microsoft.Hosting.Lifetime");
        Assert.StartsWith("host-", CorrelationOf(startup), StringComparison.Ordinal);

        // The orphan sweep's run at startup: its own id and trace, shared by the run's two lines, no request's.
        var sweep = lines.Where(l => l.GetProperty("MessageTemplate").GetString()!.Contains("sweep removed", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, sweep.Count);
        Assert.Single(sweep.Select(CorrelationOf).Distinct());
        Assert.Matches(Hex32(), CorrelationOf(sweep[0])!);
        Assert.Single(sweep.Select(l => l.GetProperty("TraceId").GetString()).Distinct());
        Assert.Matches(Hex32(), sweep[0].GetProperty("TraceId").GetString()!);
        Assert.NotEqual(traceId, sweep[0].GetProperty("TraceId").GetString());
    }

    private static string? CorrelationOf(JsonElement line) =>
        line.GetProperty("Properties").TryGetProperty("CorrelationId", out var c) ? c.GetString() : null;

    private Task<Scrape> ScrapeAsync() => Scrape.FromAsync(f);

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex Hex16();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex Hex32();
}

/// <summary>With the registry on PostgreSQL, Npgsql's own metrics are in the scrape too.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class NpgsqlTelemetryTests(PostgresIssuanceFixture f) : IClassFixture<PostgresIssuanceFixture>
{
    [Fact]
    public async Task A_submit_on_postgres_moves_npgsql_command_metrics()
    {
        var before = await Scrape.FromAsync(f);
        using var submitted = await f.SubmitAsync(IssuanceFixture.Sample("quyet-dinh"), Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var after = await Scrape.FromAsync(f);

        static bool IsCommandCount(MetricSample s) => s.Name.StartsWith("db_client_", StringComparison.Ordinal) && s.Name.EndsWith("_count", StringComparison.Ordinal);
        Assert.Contains(after.Samples, IsCommandCount);
        var counted = after.Samples.Where(IsCommandCount).Sum(s => s.Value) - before.Samples.Where(IsCommandCount).Sum(s => s.Value);
        Assert.True(counted > 0, $"{counted} Npgsql operations counted for a submit");
        Assert.Equal(1, after.Sum("signing_results_submitted_total") - before.Sum("signing_results_submitted_total"));
    }
}

internal sealed record MetricSample(string Name, Dictionary<string, string> Labels, double Value);

/// <summary>Prometheus text exposition: one sample a line, <c>name{label="value",…} value [timestamp]</c>.</summary>
internal sealed partial record Scrape(string Text, IReadOnlyList<MetricSample> Samples)
{
    /// <summary>GET /metrics on the staff port as the auditor.</summary>
    public static async Task<Scrape> FromAsync(IssuanceFixture f)
    {
        using var auditor = f.Client(Roles.Auditor);
        using var response = await auditor.GetAsync(f.Service.Staff(ServiceTelemetry.MetricsPath));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return Parse(text);
    }

    public static Scrape Parse(string text)
    {
        var samples = new List<MetricSample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var m = SampleLine().Match(line);
            Assert.True(m.Success, "not a sample line: " + line);
            var labels = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value, StringComparer.Ordinal);
            samples.Add(new MetricSample(m.Groups["name"].Value, labels, ParseValue(m.Groups["value"].Value)));
        }
        return new Scrape(text, samples);
    }

    /// <summary>The sum over the samples of <paramref name="name"/> that have all of <paramref name="labels"/>; 0 when none was recorded yet.</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).Sum(s => s.Value);

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(value, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
