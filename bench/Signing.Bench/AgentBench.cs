using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Signing.Agent;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Service.Authentication;
using CKO = Net.Pkcs11Interop.Common.CKO;

namespace Signing.Bench;

/// <summary>
/// The desk agent's batch end to end: the real service on loopback (SQLite, mutual TLS), the
/// agent's BatchSigner with the dev token as the head's token, 200 documents per round. Reports
/// documents/s and the time spent outside the token per document (target: under 5 ms).
/// </summary>
internal static class AgentBench
{
    private const int Documents = 200;

    public static void Run(BenchOptions options)
    {
        var root = BenchOptions.RepoRoot();
        var layout = DevBenchToken.Layout();
        using var token = DevBenchToken.Open(layout);
        var store = new Pkcs11KeyStore(token);
        var setup = new DevServiceSetup(layout, new Pkcs11DevKeyStore(store), new DevServiceOptions { ModulePath = DevLayout.ModulePath });
        setup.Ensure();
        var rounds = Math.Max(1, options.Seconds / 10);
        Console.WriteLine($"Agent batch on loopback ({Environment.ProcessorCount} cores), {Documents} documents per round, {rounds} round(s); load average {File.ReadAllText("/proc/loadavg").Trim()}");
        RunAsync(root, layout, setup, store, token, rounds).GetAwaiter().GetResult();
    }

    private static async Task RunAsync(string root, DevLayout layout, DevServiceSetup setup, Pkcs11KeyStore store, Pkcs11Token token, int rounds)
    {
        var data = Directory.CreateTempSubdirectory("signing-bench-agent-").FullName;
        var app = ServiceBench.BuildHost(layout, setup, new Dictionary<string, string?>
        {
            ["Signing:DataDirectory"] = data,
            ["Signing:Logging:Console"] = "false",
            ["Service:Listeners:Staff:Port"] = "0",
            ["Service:Listeners:Public:Port"] = "0",
        });
        try
        {
            await app.StartAsync();
            var staff = new Uri($"https://127.0.0.1:{app.Services.GetRequiredService<MutualTlsListeners>().StaffPort}");
            var headP12 = setup.ClientPkcs12(DevServiceSetup.Roles.Single(r => r.Role == "DepartmentHead"));
            var head = store.ListObjects(login: false).Single(o => o.Class == CKO.CKO_CERTIFICATE && o.Label == "head");
            var headCertificate = X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile("head"));
            var settings = new AgentSettings
            {
                Service = staff,
                ServerCaFiles = [layout.CertificateFile(DevPkiBuilder.RootLabel), layout.CertificateFile(DevPkiBuilder.IssuingLabel)],
                ClientCertificate = headP12,
                ClientCertificatePasswordFile = DevServiceSetup.PasswordFileOf(headP12),
                Module = DevLayout.ModulePath,
                TokenSerial = token.Info.SerialNumber,
                TokenLabel = token.Info.Label,
                KeyId = head.IdHex,
                CertificateSha256 = Convert.ToHexString(SHA256.HashData(headCertificate.RawData)),
            };
            using var service = SigningServiceClient.FromSettings(settings);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(Path.Combine(layout.PkiDirectory, DevPkiBuilder.ChainFileName));
            await service.EnrollAsync(headCertificate, chain.ToList(), CancellationToken.None);

            var counterCertificate = DevServiceSetup.Load(setup.ClientPkcs12(DevServiceSetup.Roles.Single(r => r.Role == "CounterStaff")))!;
            using var counter = ServiceBench.LoadClients.Client(X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile(DevPkiBuilder.RootLabel)),
                X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile(DevPkiBuilder.IssuingLabel)), counterCertificate);
            var body = File.ReadAllBytes(Path.Combine(root, "samples", "decisions", "quyet-dinh.json"));
            var headId = Convert.ToHexString(SHA256.HashData(DevServiceSetup.Load(headP12)!.RawData));

            using var headToken = Pkcs11HeadToken.Open(settings, new FilePinSource(layout.UserPinFile));
            headToken.Login();
            // The token's own time for one signature, alone: the floor a batch cannot go under.
            var hash = SHA256.HashData("floor"u8);
            var floor = Stopwatch.StartNew();
            for (var i = 0; i < 200; i++) headToken.Sign(hash, Signing.Cms.SignatureScheme.RsaPkcs1);
            var tokenAlone = floor.Elapsed.TotalMilliseconds / 200;

            Console.WriteLine($"{"round",5} {"docs/s",7} {"total s",8} {"token ms/doc",12} {"outside ms/doc",14} {"token alone ms",14}");
            async Task SubmitAsync(int count) =>
                await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, ct) =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(staff, $"/api/documents?signer={headId}")) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                    using var response = await counter.SendAsync(request, ct);
                    response.EnsureSuccessStatusCode();
                });

            for (var round = 1; round <= rounds; round++)
            {
                await SubmitAsync(Documents);
                var queue = await service.QueueAsync(CancellationToken.None);
                var timed = new TimedService(service);
                var result = await new BatchSigner(timed, headToken, settings.CertificateSha256)
                    .RunAsync(queue, new NoProgress(), Console.Error.WriteLine, CancellationToken.None);
                if (result.Signed != queue.Count) throw new InvalidOperationException($"round {round}: {result.Signed} of {queue.Count} signed ({result.StopReason})");
                var total = result.Elapsed.TotalMilliseconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{round,5} {result.Signed / result.Elapsed.TotalSeconds,7:0.0} {total / 1000,8:0.00} {result.TokenTime.TotalMilliseconds / result.Signed,12:0.00} {(total - result.TokenTime.TotalMilliseconds) / result.Signed,14:0.00} {tokenAlone,14:0.00}   calls ms/doc: {timed.Describe(result.Signed)}"));
            }

            // A real USB token takes 0.3–10 s per signature: with the slowest-to-hide case (0.3 s),
            // the pipeline should leave the head waiting only for the token.
            const int slowDocuments = 20;
            var slow = TimeSpan.FromMilliseconds(300);
            await SubmitAsync(slowDocuments);
            var slowQueue = await service.QueueAsync(CancellationToken.None);
            var slowResult = await new BatchSigner(service, new SlowToken(headToken, slow), settings.CertificateSha256)
                .RunAsync(slowQueue, new NoProgress(), Console.Error.WriteLine, CancellationToken.None);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"token taking {slow.TotalMilliseconds:0} ms per signature: {slowResult.Signed} documents in {slowResult.Elapsed.TotalSeconds:0.00} s; beyond the token's own time {(slowResult.Elapsed - slowResult.TokenTime).TotalMilliseconds / slowResult.Signed:0.00} ms per document"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Wall time per call kind (calls overlap in the pipeline, so these add up to more than the total).</summary>
    private sealed class TimedService(ISigningService inner) : ISigningService
    {
        private long _draft, _prepare, _complete;

        public string Describe(int n) => string.Create(CultureInfo.InvariantCulture,
            $"draft {Stopwatch.GetElapsedTime(0, _draft).TotalMilliseconds / n:0.00}, prepare {Stopwatch.GetElapsedTime(0, _prepare).TotalMilliseconds / n:0.00}, complete {Stopwatch.GetElapsedTime(0, _complete).TotalMilliseconds / n:0.00}");

        private static async Task<T> Time<T>(Func<Task<T>> call, Action<long> add)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await call();
            }
            finally
            {
                add(Stopwatch.GetTimestamp() - start);
            }
        }

        public Task<IReadOnlyList<QueueItem>> QueueAsync(CancellationToken ct) => inner.QueueAsync(ct);

        public Task<byte[]> DraftAsync(Guid id, CancellationToken ct) => Time(() => inner.DraftAsync(id, ct), t => Interlocked.Add(ref _draft, t));

        public Task<PreparedHash> PrepareAsync(Guid id, CancellationToken ct) => Time(() => inner.PrepareAsync(id, ct), t => Interlocked.Add(ref _prepare, t));

        public Task<string> CompleteAsync(Guid id, Guid requestId, string nonce, byte[] signatureValue, CancellationToken ct) =>
            Time(() => inner.CompleteAsync(id, requestId, nonce, signatureValue, ct), t => Interlocked.Add(ref _complete, t));

        public Task<string> EnrollAsync(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, CancellationToken ct) => inner.EnrollAsync(certificate, chain, ct);
    }

    /// <summary>The dev token made as slow as a real USB token.</summary>
    private sealed class SlowToken(IHeadToken inner, TimeSpan perSignature) : IHeadToken
    {
        public string Description => inner.Description;

        public X509Certificate2 Certificate => inner.Certificate;

        public PinState ReadPinState() => inner.ReadPinState();

        public void Login() => inner.Login();

        public byte[] Sign(byte[] hash, Signing.Cms.SignatureScheme scheme)
        {
            var started = Stopwatch.StartNew();
            var value = inner.Sign(hash, scheme);
            if (started.Elapsed < perSignature) Thread.Sleep(perSignature - started.Elapsed);
            return value;
        }

        public void Dispose()
        {
        }
    }

    private sealed class NoProgress : IBatchProgress
    {
        public void Finished(DocumentResult result, int done, int total)
        {
        }
    }
}
