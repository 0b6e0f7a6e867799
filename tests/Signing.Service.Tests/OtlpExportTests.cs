using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Signing.Testing;
using Signing.Testing.Agent;

namespace Signing.Service.Tests;

/// <summary>Traces leave by OTLP only when an endpoint is configured, and a span keeps a public path's route template, never the code in it.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class OtlpExportTests(TestPki pki) : IClassFixture<TestPki>
{
    [Fact]
    public async Task With_an_otlp_endpoint_the_spans_reach_the_collector_with_route_templates_and_without_the_code_asked_for()
    {
        var port = DeskAgent.FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        var receiving = Task.Run(() => ReceiveAsync(collector, received));

        var settings = RunningService.DefaultSettings(pki);
        settings["Signing:Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{port}/v1/traces";
        settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        const string Code = "TELE-METR-Y00";
        await using (var service = await RunningService.StartAsync(pki, settings))
        {
            // A caller in another process: no client span of this test's own reaches the collector.
            using var anonymous = service.UntracedClient(clientCertificate: null);
            using var page = await anonymous.GetAsync(service.Public($"/v/{Code}"));
            Assert.True((int)page.StatusCode < 500, $"{(int)page.StatusCode}");
        }
        // Stopping the host flushed the batch.
        collector.Stop();
        await receiving;

        var traces = received.Where(r => r.Path == "/v1/traces").ToList();
        Assert.NotEmpty(traces);
        Assert.All(traces, r => Assert.Equal("application/x-protobuf", r.ContentType));
        // Protobuf keeps strings as UTF-8 bytes.
        var text = string.Join('\n', traces.Select(r => Encoding.UTF8.GetString(r.Body)));
        Assert.Contains("signing-service", text, StringComparison.Ordinal);
        Assert.Contains("GET /v/{code}", text, StringComparison.Ordinal);
        Assert.Contains("orphan-sweep run", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Code, text, StringComparison.Ordinal);
    }

    private static async Task ReceiveAsync(HttpListener collector, ConcurrentQueue<(string, string?, byte[])> received)
    {
        while (collector.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await collector.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
            // An empty ExportTraceServiceResponse: all accepted.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}
