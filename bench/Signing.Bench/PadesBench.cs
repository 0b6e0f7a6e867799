using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;
using Signing.Core.Decisions;
using Signing.Core.Keys;
using Signing.Core.Timestamps;
using Signing.DevPki;
using Signing.Pades;
using Signing.Pades.Appearance;
using Signing.Validation;
using Signing.Validation.Policy;
using Signing.Pdf.Rendering;
using Signing.Pkcs11;
using Signing.Timestamping;
using Signing.Timestamping.Http;

namespace Signing.Bench;

/// <summary>
/// PAdES B-T signing on the dev token (SoftHSM2) with the built-in TSA, in process and over
/// loopback HTTP, for a 1-page result, a 100-page file and a 50 MB file; and verification of a
/// head+seal signed result. Each signature is split into phases (prepare, document-key token
/// call, TSA, of which the TSA's own token call, complete) so the token's share is visible next
/// to ours. Targets (issue 4): ≥ 500 B-T signatures/s on 2 cores for 1-page results, hashing
/// ≥ 1 GB/s, verify ≥ 1,000 files/s.
/// </summary>
internal static class PadesBench
{
    private const int LargeFileBytes = 50 * 1024 * 1024;

    /// <param name="verifyOnly">The `verify` suite: only the head+seal results and <see cref="VerifyBench"/>.</param>
    public static void Run(BenchOptions options, bool verifyOnly = false)
    {
        var layout = DevBenchToken.Layout();
        using var token = DevBenchToken.Open(layout);
        var store = new Pkcs11KeyStore(token);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(Path.Combine(layout.PkiDirectory, DevPkiBuilder.ChainFileName));
        var root = chain.Cast<X509Certificate2>().Single(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData));
        // Revocation is checked, hard-fail, against the dev responders behind a warm cache: what a verifier with a warm cache does.
        var revocation = new RevocationPolicy { Mode = RevocationMode.HardFail, Online = DevBenchToken.WarmRevocation(new Pkcs11DevKeyStore(store), layout) };
        var policy = new VerificationPolicy { TrustAnchors = [root], Revocation = revocation };
        void Verify(IReadOnlyList<byte[]> files)
        {
            var served = DevBenchToken.ServeRevocationAsync(new Pkcs11DevKeyStore(store), layout).GetAwaiter().GetResult();
            try
            {
                VerifyBench.Run(files, policy, layout.NssDatabase, options.Seconds);
            }
            finally
            {
                served.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        var tsaKey = new TimedSignatureKey(store.GetSignatureKey(Pkcs11Uri.For(obj: DevPkiBuilder.TsaLabel, type: "private")));
        var tsaCertificate = X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile(DevPkiBuilder.TsaLabel));
        // Large reservation blocks: the bench asks for thousands of tokens and each block costs an fsync.
        var tsa = new TimestampAuthority(tsaKey, tsaCertificate, chain.Cast<X509Certificate2>(), new FileSerialNumberSource(layout.TsaDirectory, blockSize: 100_000));
        var tsaReserve = PlaceholderSizing.TimestampReserveFor([tsaCertificate, .. chain.Cast<X509Certificate2>()]);

        // signer2 (P-256) shows what the pipeline does when the document key is not the bottleneck.
        var signers = new[] { "seal", "head", "signer2" }.Select(label => new Signer(
            label,
            store.GetSignatureKey(Pkcs11Uri.For(obj: label, type: "private")),
            RequestFor(label, X509CertificateLoader.LoadCertificateFromFile(layout.CertificateFile(label)), chain, tsaReserve))).ToList();

        // The slim host logs every request at Information; the bench wants only warnings (the host reads this variable).
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        var app = TimestampHttpServer.Build(tsa, "http://127.0.0.1:0");
        app.StartAsync().GetAwaiter().GetResult();
        try
        {
            using var http = new HttpClient();
            var tsaUrl = new Uri(app.Urls.First() + "/tsa");
            var clients = new (string Name, ITimestampClient Client)[]
            {
                ("in-proc", new InProcessTimestampClient(tsa)),
                ("http", new Rfc3161Client(http, tsaUrl)),
            };

            if (verifyOnly)
            {
                Verify(HeadSealResults(OnePageResult(), signers, clients[0].Client, 32));
                return;
            }

            var files = MakeInputs();
            Console.WriteLine($"PAdES B-T signing on SoftHSM2 ({Environment.ProcessorCount} cores, {options.Seconds} s per cell); phases are ms per signature, summed over threads");
            Console.WriteLine($"{"file",-9} {"key",-9} {"tsa",-7} {"thr",3} {"sig/s",7} {"ms/sig",7} {"cpu ms",7} {"cpu-cap",8} | {"prepare",7} {"docKey",7} {"tsa",7} {"tsaKey",7} {"complete",8} {"ours",7}");
            var msPerSig = new Dictionary<(string File, string Key), double>();
            foreach (var (fileName, pdf) in files)
            {
                foreach (var signer in signers)
                {
                    foreach (var (clientName, client) in clients)
                    {
                        // Warm up (JIT, sessions, HTTP connection) and check that the result is a valid B-T signature.
                        var check = SignOnce(pdf, signer, client, new Phases());
                        for (var i = 0; i < 40; i++) SignOnce(pdf, signer, client, new Phases()); // tiered JIT reaches its final code
                        var sig = PdfSignatureVerifier.Verify(check, policy).Signatures[^1];
                        if (sig.Indication != Indication.TOTAL_PASSED || sig.PadesLevel != "B-T") throw new InvalidOperationException($"bench produced an invalid signature: {sig.Indication} {sig.SubIndication}");
                        foreach (var threads in new[] { 1, 2 })
                        {
                            var phases = new Phases();
                            tsaKey.Reset();
                            var cpuBefore = ProcessCpu();
                            var (count, seconds, _) = Throughput.Measure(threads, options.Seconds, () => SignOnce(pdf, signer, client, phases));
                            var cpuMs = (ProcessCpu() - cpuBefore).TotalMilliseconds / count;
                            var rate = count / seconds;
                            var perSig = 1.0 / count;
                            var tsaKeyMs = tsaKey.TotalMs * perSig;
                            var total = phases.Total * perSig;
                            if (threads == 1 && clientName == "in-proc") msPerSig[(fileName, signer.Label)] = total;
                            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"{fileName,-9} {signer.Label + "/" + signer.Bits,-9} {clientName,-7} {threads,3} {rate,7:F0} {threads * 1000 / rate,7:F2} {cpuMs,7:F2} {Environment.ProcessorCount * 1000 / cpuMs,8:F0} | {phases.Prepare * perSig,7:F2} {phases.DocumentKey * perSig,7:F2} {phases.Tsa * perSig,7:F2} {tsaKeyMs,7:F2} {phases.Complete * perSig,8:F2} {total - (phases.DocumentKey * perSig) - tsaKeyMs,7:F2}"));
                        }
                    }
                }
            }

            Console.WriteLine("ms/sig = wall time per signature per thread; cpu ms = process CPU time per signature (token, TSA and HTTP included: all run in this process);");
            Console.WriteLine("cpu-cap = signatures/s all cores could give at that CPU cost when nothing else runs; ours = wall time but the two token signatures (document key + TSA key).");
            ReportHashing(files, msPerSig);
            Verify(HeadSealResults(files[0].Pdf, signers, clients[0].Client, 32));
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void ReportHashing(List<(string Name, byte[] Pdf)> files, Dictionary<(string File, string Key), double> msPerSig)
    {
        var large = files.Single(f => f.Name == "50MB").Pdf;
        var range = new long[] { 0, large.Length / 2, (large.Length / 2) + 2, large.Length - (large.Length / 2) - 2 };
        PadesSigner.HashByteRange(large, range);
        var best = double.MaxValue;
        for (var i = 0; i < 10; i++)
        {
            var sw = Stopwatch.StartNew();
            PadesSigner.HashByteRange(large, range);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HashByteRange over {large.Length / (1024 * 1024)} MiB: {large.Length / best / 1e9:F2} GB/s (best of 10, 1 thread)"));
        foreach (var key in msPerSig.Keys.Select(k => k.Key).Distinct())
        {
            var extraMs = msPerSig[("50MB", key)] - msPerSig[("1-page", key)];
            var extraBytes = large.Length - files.Single(f => f.Name == "1-page").Pdf.Length;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"signing cost growth with size ({key}, in-proc, 1 thread): +{extraMs:F1} ms for +{extraBytes / (1024 * 1024)} MiB = {extraBytes / (extraMs / 1000) / 1e9:F2} GB/s"));
        }
    }

    /// <summary>Distinct head+seal B-T results of the 1-page input, each with its own signatures and timestamps.</summary>
    private static List<byte[]> HeadSealResults(byte[] onePage, List<Signer> signers, ITimestampClient client, int count)
    {
        var head = signers.Single(s => s.Label == "head");
        var seal = signers.Single(s => s.Label == "seal");
        return Enumerable.Range(0, count).Select(_ => SignOnce(SignOnce(onePage, head, client, new Phases()), seal, client, new Phases())).ToList();
    }

    private static byte[] SignOnce(byte[] pdf, Signer signer, ITimestampClient client, Phases phases)
    {
        var t0 = Stopwatch.GetTimestamp();
        var prepared = PadesSigner.Prepare(pdf, signer.Request);
        var t1 = Stopwatch.GetTimestamp();
        var value = signer.Key.SignHash(prepared.ToBeSignedHash, HashAlgorithmName.SHA256);
        var t2 = Stopwatch.GetTimestamp();
        var timed = new TimedTimestampClient(client);
        var signed = PadesSigner.CompleteAsync(prepared, value, timed).GetAwaiter().GetResult();
        var t3 = Stopwatch.GetTimestamp();
        phases.Add(t1 - t0, t2 - t1, timed.Ticks, t3 - t2 - timed.Ticks);
        return signed;
    }

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>The 1-page result (rendered), a 100-page file (pages of the long decision imported by PDFsharp), and the 1-page result with a 50 MB incompressible attachment.</summary>
    private static readonly RenderOptions InputRendering = new() { Clock = new FixedClock(new DateTimeOffset(2024, 3, 5, 9, 0, 0, TimeSpan.FromHours(7))) };

    /// <summary>The rendered 1-page result (Mẫu 04) every suite here starts from.</summary>
    internal static byte[] OnePageResult() =>
        ResultRenderer.Render(DecisionJson.Load(Path.Combine(BenchOptions.RepoRoot(), "samples", "decisions", "mau-04-xin-loi.json")), InputRendering).Pdf;

    private static List<(string Name, byte[] Pdf)> MakeInputs()
    {
        var root = BenchOptions.RepoRoot();
        var options = InputRendering;
        var onePage = OnePageResult();
        var longDecision = ResultRenderer.Render(DecisionJson.Load(Path.Combine(root, "samples", "decisions", "quyet-dinh-dai.json")), options).Pdf;

        // Rendering has set PDFsharp's licence hook (PdfSharpRuntime); PDFsharp only builds inputs here.
        byte[] hundredPages;
        using (var source = PdfReader.Open(new MemoryStream(longDecision), PdfDocumentOpenMode.Import))
        using (var doc = new PdfDocument())
        {
            for (var i = 0; doc.PageCount < 100; i++) doc.AddPage(source.Pages[i % source.PageCount]);
            using var ms = new MemoryStream();
            doc.Save(ms, false);
            hundredPages = ms.ToArray();
        }

        byte[] large;
        using (var doc = PdfReader.Open(new MemoryStream(onePage), PdfDocumentOpenMode.Modify))
        {
            var payload = RandomNumberGenerator.GetBytes(LargeFileBytes);
            doc.AddEmbeddedFile("payload.bin", new MemoryStream(payload));
            using var ms = new MemoryStream();
            doc.Save(ms, false);
            large = ms.ToArray();
        }

        if (large.Length < LargeFileBytes) throw new InvalidOperationException("the 50 MB input came out too small");
        return [("1-page", onePage), ("100-page", hundredPages), ("50MB", large)];
    }

    private static SignatureRequest RequestFor(string label, X509Certificate2 certificate, X509Certificate2Collection chain, int tsaReserve)
    {
        var request = new SignatureRequest
        {
            SignerCertificate = certificate,
            Chain = [.. chain.Cast<X509Certificate2>()],
            TimestampReserveBytes = tsaReserve,
            Location = "Đà Lạt",
        };
        return label == "head"
            ? request with
            {
                FieldName = "HeadSignature",
                Reason = "Phê duyệt kết quả",
                Placement = new SignaturePlacement(340, 120, 180, 80),
                Appearance = new SignatureAppearance { SignatureImagePng = DevSamples.SignatureImage, ShowSigningTime = false },
            }
            : request with
            {
                FieldName = "AgencySeal",
                Reason = "Đóng dấu cơ quan",
                Placement = new SignaturePlacement(300, 100, 230, 110),
                Appearance = new SignatureAppearance { SignatureImagePng = DevSamples.SignatureImage, SealImagePng = DevSamples.SealImage, AgencyName = "Ủy ban nhân dân tỉnh Lâm Đồng" },
            };
    }

    private sealed record Signer(string Label, Pkcs11SignatureKey Key, SignatureRequest Request)
    {
        public int Bits => Key.KeySizeBits;
    }

    /// <summary>Stopwatch ticks per phase, summed over all signatures and threads.</summary>
    private sealed class Phases
    {
        private long _prepare, _documentKey, _tsa, _complete;

        public double Prepare => ToMs(_prepare);

        public double DocumentKey => ToMs(_documentKey);

        public double Tsa => ToMs(_tsa);

        public double Complete => ToMs(_complete);

        public double Total => Prepare + DocumentKey + Tsa + Complete;

        public void Add(long prepare, long documentKey, long tsa, long complete)
        {
            Interlocked.Add(ref _prepare, prepare);
            Interlocked.Add(ref _documentKey, documentKey);
            Interlocked.Add(ref _tsa, tsa);
            Interlocked.Add(ref _complete, complete);
        }

        private static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>Measures the time spent in the TSA exchange of one signature.</summary>
    private sealed class TimedTimestampClient(ITimestampClient inner) : ITimestampClient
    {
        public long Ticks { get; private set; }

        public async Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await inner.GetTokenAsync(hash, hashAlgorithm, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Ticks += Stopwatch.GetTimestamp() - start;
            }
        }
    }

    /// <summary>The TSA's token key with the time spent in it summed (thread-safe).</summary>
    private sealed class TimedSignatureKey(ISignatureKey inner) : ISignatureKey
    {
        private long _ticks;

        public string Locator => inner.Locator;

        public KeyAlgorithm Algorithm => inner.Algorithm;

        public int KeySizeBits => inner.KeySizeBits;

        public double TotalMs => Interlocked.Read(ref _ticks) * 1000.0 / Stopwatch.Frequency;

        public void Reset() => Interlocked.Exchange(ref _ticks, 0);

        public byte[] ExportSubjectPublicKeyInfo() => inner.ExportSubjectPublicKeyInfo();

        public byte[] SignHash(ReadOnlySpan<byte> hash, HashAlgorithmName hashAlgorithm, RsaPaddingMode padding = RsaPaddingMode.Pkcs1)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return inner.SignHash(hash, hashAlgorithm, padding);
            }
            finally
            {
                Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - start);
            }
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
