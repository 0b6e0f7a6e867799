using System.CommandLine;
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
using Signing.Service.Client;
using Signing.Service.Contracts;
using Decision = Signing.Service.Client.Decision;
using Verdict = Signing.Validation.Verdict;
using SignatureKind = Signing.Validation.SignatureKind;

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
        using var counterHttp = ApiHttp(serverCas, counterCert, staff);
        using var headHttp = ApiHttp(serverCas, headCert, staff);
        using var sealerHttp = ApiHttp(serverCas, sealCert, staff);
        using var anonymousHttp = ApiHttp(serverCas, null, publicBase);
        var counter = new SigningApiClient(counterHttp);
        var head = new SigningApiClient(headHttp);
        var sealer = new SigningApiClient(sealerHttp);
        var anonymous = new SigningApiClient(anonymousHttp);

        // The head enrolls the certificate of the signing key on their token, then signs their queue.
        var headSigning = dev.Certificate("head");
        var enrollment = new EnrollRequest(Convert.ToBase64String(headSigning.RawData), dev.Chain().Select(c => c.ExportCertificatePem()).ToArray());
        await CallAsync("POST /api/heads/enroll", () => head.EnrollHeadAsync(null, enrollment, ct));
        var headKey = dev.Store.GetSignatureKey(Pkcs11Uri.For(obj: "head", type: "private"));
        var headId = Convert.ToHexString(headCert.GetCertHash(HashAlgorithmName.SHA256));
        Directory.CreateDirectory(outputDir);

        var failures = 0;
        foreach (var (name, body) in inputs)
        {
            // The key names the sample and its content: running the demo again replays, it does not duplicate.
            var key = $"demo-{name}-{Convert.ToHexStringLower(SHA256.HashData(body))[..16]}";
            var decision = ReadDecision(name, body);
            var document = await CallAsync("POST /api/documents", () => counter.SubmitDocumentAsync(headId, key, decision, ct));
            var id = document.Id;

            if (document.Status == "awaiting_signature")
            {
                var prepared = await CallAsync($"POST /api/documents/{id}/prepare", () => head.PrepareSignatureAsync(id, null, ct));
                var signature = headKey.SignHash(Convert.FromBase64String(prepared.Hash), HashAlgorithmName.SHA256);
                var complete = new CompleteRequest(prepared.RequestId, Convert.ToBase64String(signature), prepared.Nonce);
                document = await CallAsync($"POST /api/documents/{id}/complete", () => head.CompleteSignatureAsync(id, $"{key}-complete-{prepared.RequestId:D}", complete, ct));
            }
            if (document.Status is "signed" or "sealed")
                document = await CallAsync($"POST /api/documents/{id}/seal", () => sealer.SealAndIssueAsync(id, $"{key}-seal", ct));

            var code = document.VerificationCode;
            var sha = document.PdfSha256;
            var publicView = await CallAsync($"GET /api/public/verify/{code}", () => anonymous.GetPublicStatusAsync(code, ct));
            var pdf = await CallAsync($"GET /api/documents/{id}/pdf", async () =>
            {
                using var response = await counter.GetDocumentPdfAsync(id, ct);
                using var bytes = new MemoryStream();
                await response.Stream.CopyToAsync(bytes, ct);
                return bytes.ToArray();
            });
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

    /// <summary>An HTTPS client of the dev service for the generated client, whose paths are relative to the base address.</summary>
    private static HttpClient ApiHttp(X509Certificate2Collection serverCas, X509Certificate2? clientCertificate, Uri baseAddress)
    {
        var http = PrivateCaHttpClient.Create(serverCas, clientCertificate);
        http.BaseAddress = baseAddress;
        return http;
    }

    /// <summary>
    /// A decision file as the API's decision. A file that does not fit the document's schema (a number where text
    /// belongs, say) is refused here with its JSON path; whether what it says is a valid decision is the service's to judge.
    /// </summary>
    private static Decision ReadDecision(string name, byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize<Decision>(json, SigningApiClient.JsonOptions) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new SigningException($"The decision {name} is not a JSON decision object ({e.Message.TrimEnd('.')}).");
        }
    }

    /// <summary>One API call through the generated client; a refusal becomes a one-line error with the problem's detail.</summary>
    private static async Task<T> CallAsync<T>(string call, Func<Task<T>> send)
    {
        try
        {
            return await send();
        }
        catch (ApiException e) when (e.IsRefusal)
        {
            throw new SigningException($"{call} was refused ({e.StatusCode}): {e.ProblemText ?? "the answer is not a problem document"}");
        }
        catch (ApiException e)
        {
            throw new SigningException($"{call}: HTTP {e.StatusCode} with an answer that is not what the API describes ({e.Message.Split('\n')[0]})");
        }
    }
}
