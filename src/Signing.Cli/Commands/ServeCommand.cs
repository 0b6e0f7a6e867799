using System.CommandLine;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Signing.Core;
using Signing.Core.IO;
using Signing.DevPki;
using Signing.Validation;
using Signing.Pkcs11;
using Signing.Revocation;
using Signing.Service;
using Signing.Service.Authentication;
using Signing.Service.Contracts;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing serve`: the issuance service in this process. Without --config it runs on the dev
/// configuration (.dev/service.json, made or refreshed here from the dev PKI: TLS server and
/// per-role client certificates). With --demo it is the main job: it enrolls the head, submits
/// every sample decision, signs each as the head through the two-phase API with the dev token's
/// head key, seals and issues it, checks each result (public status by code, the downloaded file
/// through the verifier), and prints the public URLs; it then stops (exit 0 when every result is
/// issued and verified) unless --keep-running.
/// </summary>
internal static class ServeCommand
{
    private static readonly HttpMethod Post = HttpMethod.Post;

    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "Service configuration (appsettings JSON); default: the dev configuration, made if missing." };
        var demo = new Option<bool>("--demo") { Description = "Submit, sign, seal, issue and verify the sample decisions through the API (dev configuration only)." };
        var keepRunning = new Option<bool>("--keep-running") { Description = "With --demo: keep serving afterwards (Ctrl+C stops)." };
        var samples = new Option<DirectoryInfo?>("--samples") { Description = "Decision JSON files for --demo (default: the samples built into the CLI)." };
        var cmd = new Command("serve", "Run the issuance service (staff port with client certificates, public verification port).") { config, demo, keepRunning, samples };
        cmd.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(keepRunning) && !parse.GetValue(demo)) throw new SigningException("--keep-running goes with --demo (without --demo the service keeps running anyway).");
            if (parse.GetValue(config) is { } file)
            {
                if (parse.GetValue(demo)) throw new SigningException("--demo runs on the dev configuration; leave out --config.");
                if (!file.Exists) throw new SigningException($"The configuration {file.FullName} does not exist.");
                await using var app = await StartAsync(file.FullName, consoleLogs: true, ct);
                await app.WaitForShutdownAsync(ct);
                return 0;
            }

            using var dev = DevServices.Open();
            var setup = new DevServiceSetup(dev.Layout, new Pkcs11DevKeyStore(dev.Store), new DevServiceOptions { ModulePath = DevDefaults.Module(null) });
            setup.Ensure(m => Console.WriteLine("  " + m));

            if (!parse.GetValue(demo))
            {
                await using var service = await StartAsync(setup.ConfigFile, consoleLogs: true, ct, DevRevocation(dev));
                await service.WaitForShutdownAsync(ct);
                return 0;
            }

            var inputs = SampleDecisions.Read(parse.GetValue(samples));
            await using var running = await StartAsync(setup.ConfigFile, consoleLogs: false, ct, DevRevocation(dev));
            var failures = await RunDemoAsync(running, dev, setup, inputs, Path.Combine(dev.Layout.Home, "service-demo"), ct);
            if (parse.GetValue(keepRunning))
            {
                Console.WriteLine("serving; Ctrl+C stops");
                await running.WaitForShutdownAsync(ct);
            }
            else
            {
                await running.StopAsync(ct);
                Console.WriteLine($"the service stopped; `signing serve` serves these URLs again (registry in {setup.DataDirectory})");
            }
            return failures == 0 ? 0 : 3;
        });
        return cmd;
    }

    /// <summary>
    /// On the dev configuration: the certificates' own OCSP/CRL URLs first (`signing dev serve-revocation`
    /// when it runs), then the dev responders asked in process, so the issued results get their B-LT/B-LTA data without it.
    /// </summary>
    private static IRevocationSource DevRevocation(DevServices dev)
    {
        var store = new Pkcs11DevKeyStore(dev.Store);
        return new FirstAnswerSource(new OnlineRevocationSource(), new DevRevocationSource(new DevOcspResponder(store, dev.Layout), store));
    }

    private static async Task<WebApplication> StartAsync(string configFile, bool consoleLogs, CancellationToken ct, IRevocationSource? revocation = null)
    {
        // The content root is the configuration's folder, so nothing is read from wherever the CLI runs.
        var app = ServiceHost.Build([$"--contentRoot={Path.GetDirectoryName(configFile)}"], builder =>
        {
            builder.Configuration.AddJsonFile(configFile, optional: false, reloadOnChange: false);
            if (!consoleLogs) builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Signing:Logging:Console"] = "false" });
            builder.Configuration.AddEnvironmentVariables(); // the environment still overrides the file
            if (revocation is not null) builder.Services.AddSingleton<IRevocationSource>(revocation);
        });
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new SigningException($"The service cannot listen ({e.Message}); is another one running? Change Service:Listeners in {configFile}.");
        }
        var listeners = app.Services.GetRequiredService<MutualTlsListeners>();
        Console.WriteLine($"service: staff/API https://127.0.0.1:{listeners.StaffPort} (client certificate required), public https://127.0.0.1:{listeners.PublicPort}");
        return app;
    }

    private static async Task<int> RunDemoAsync(WebApplication app, DevServices dev, DevServiceSetup setup, IReadOnlyList<(string Name, byte[] Json)> inputs, string outputDir, CancellationToken ct)
    {
        var listeners = app.Services.GetRequiredService<MutualTlsListeners>();
        var staff = new Uri($"https://127.0.0.1:{listeners.StaffPort}");
        var publicBase = new Uri($"https://127.0.0.1:{listeners.PublicPort}");
        var anchors = new X509Certificate2Collection(dev.Certificate(DevPkiBuilder.RootLabel));
        var serverCas = new X509Certificate2Collection { anchors[0], dev.Certificate(DevPkiBuilder.IssuingLabel) };

        X509Certificate2 ClientCertificate(string role) =>
            DevServiceSetup.Load(setup.ClientPkcs12(DevServiceSetup.Roles.Single(r => r.Role == role)))
            ?? throw new SigningException($"The {role} client certificate in {setup.TlsDirectory} cannot be read; run `signing serve` again to re-issue it.");
        using var counterCert = ClientCertificate("CounterStaff");
        using var headCert = ClientCertificate("DepartmentHead");
        using var sealCert = ClientCertificate("SealOperator");
        using var counter = PrivateCaHttpClient.Create(serverCas, counterCert);
        using var head = PrivateCaHttpClient.Create(serverCas, headCert);
        using var sealer = PrivateCaHttpClient.Create(serverCas, sealCert);
        using var anonymous = PrivateCaHttpClient.Create(serverCas, null);

        // The head enrolls the certificate of the signing key on their token, then signs their queue.
        var headSigning = dev.Certificate("head");
        await CallAsync<Enrollment>(head, Post, new Uri(staff, "/api/heads/enroll"), JsonContent.Create(
            new EnrollRequest(Convert.ToBase64String(headSigning.RawData), dev.Chain().Select(c => c.ExportCertificatePem()).ToArray()), options: Web), ct);
        var headKey = dev.Store.GetSignatureKey(Pkcs11Uri.For(obj: "head", type: "private"));
        var headId = Convert.ToHexString(headCert.GetCertHash(HashAlgorithmName.SHA256));
        Directory.CreateDirectory(outputDir);

        var failures = 0;
        foreach (var (name, body) in inputs)
        {
            // The key names the sample and its content: running the demo again replays, it does not duplicate.
            var key = $"demo-{name}-{Convert.ToHexStringLower(SHA256.HashData(body))[..16]}";
            using var submit = new ByteArrayContent(body);
            submit.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var document = await CallAsync<DocumentView>(counter, Post, new Uri(staff, $"/api/documents?signer={headId}"), submit, ct, key);
            var id = document.Id;

            if (document.Status == "awaiting_signature")
            {
                var prepared = await CallAsync<PreparedSignature>(head, Post, new Uri(staff, $"/api/documents/{id}/prepare"), null, ct);
                var signature = headKey.SignHash(Convert.FromBase64String(prepared.Hash), HashAlgorithmName.SHA256);
                document = await CallAsync<DocumentView>(head, Post, new Uri(staff, $"/api/documents/{id}/complete"), JsonContent.Create(
                    new CompleteRequest(prepared.RequestId, Convert.ToBase64String(signature), prepared.Nonce), options: Web), ct, $"{key}-complete-{prepared.RequestId:D}");
            }
            if (document.Status is "signed" or "sealed")
                document = await CallAsync<DocumentView>(sealer, Post, new Uri(staff, $"/api/documents/{id}/seal"), null, ct, $"{key}-seal");

            var code = document.VerificationCode;
            var sha = document.PdfSha256;
            var publicView = await CallAsync<IssuedResult>(anonymous, HttpMethod.Get, new Uri(publicBase, $"/api/public/verify/{code}"), null, ct);
            using var pdfResponse = await counter.GetAsync(new Uri(staff, $"/api/documents/{id}/pdf"), ct);
            if (!pdfResponse.IsSuccessStatusCode) throw new SigningException($"GET /api/documents/{id}/pdf was refused ({(int)pdfResponse.StatusCode}).");
            var pdf = await pdfResponse.Content.ReadAsByteArrayAsync(ct);
            var file = Path.Combine(outputDir, name + ".pdf");
            AtomicFile.Write(file, pdf);
            var report = PdfSignatureVerifier.Verify(pdf, new VerificationPolicy { TrustAnchors = anchors });
            var ok = document.Status == "issued" && publicView.Status == "issued"
                && publicView.Sha256 == sha && Convert.ToHexStringLower(SHA256.HashData(pdf)) == sha
                && report.Verdict == Verdict.PASSED && report.Signatures.Count(s => s.Kind == SignatureKind.SIGNATURE) == 2;
            if (!ok) failures++;
            var levels = string.Join(", ", report.Signatures.Select(s => $"{s.FieldName} {s.PadesLevel} {s.Indication}"));
            Console.WriteLine($"{name}: code {code}, {document.Status}, {levels}{(ok ? "" : " — NOT VERIFIED")}");
            Console.WriteLine($"  open {new Uri(publicBase, $"/v/{code}")}");
        }

        Console.WriteLine(failures == 0
            ? $"done: {inputs.Count} results issued through the service and verified; files in {outputDir}"
            : $"{failures} of {inputs.Count} results were not issued and verified");
        return failures;
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>One API call, its answer read as the contract record; a refusal becomes a one-line error with the problem's detail.</summary>
    private static async Task<T> CallAsync<T>(HttpClient client, HttpMethod method, Uri url, HttpContent? content, CancellationToken ct, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new SigningException($"{method} {url.AbsolutePath}: HTTP {(int)response.StatusCode} without a JSON answer.");
        }
        if (!response.IsSuccessStatusCode)
        {
            var detail = json.TryGetProperty("detail", out var d) ? d.GetString() : text;
            throw new SigningException($"{method} {url.AbsolutePath} was refused ({(int)response.StatusCode}): {detail}");
        }
        return json.Deserialize<T>(Web) ?? throw new SigningException($"{method} {url.AbsolutePath}: the answer is empty.");
    }
}
