using System.Diagnostics;
using System.Globalization;
using Signing.Validation;

namespace Signing.Bench;

/// <summary>
/// Verification of head+seal B-T 1-page results with the full analysis (ByteRange, digest,
/// signature, ESS, chain, timestamp, every later change against the allow-list), in files/s on
/// this machine, and poppler's pdfsig on the same file in the same run: pdfsig checks the
/// signatures and the chain (NSS) but does no change analysis, and each file costs it a process.
/// Target (issue #10): ≥ 2,000 files/s on 2 cores.
/// </summary>
internal static class VerifyBench
{
    private const int DistinctFiles = 32;
    private const double TargetFilesPerSecond = 2000;

    /// <param name="files">Distinct head+seal results: each has its own signatures and timestamps, so only what real files share (certificates, chains) can be reused.</param>
    public static void Run(IReadOnlyList<byte[]> files, VerificationPolicy policy, string nssDatabase, int seconds)
    {
        foreach (var f in files)
        {
            var report = PdfSignatureVerifier.Verify(f, policy);
            if (report.Verdict != Verdict.PASSED || report.Signatures.Count != 2) throw new InvalidOperationException($"head+seal result does not verify: {report.ToText()}");
        }

        var kept = Path.Combine(Path.GetTempPath(), "signing-bench-head-seal.pdf");
        File.WriteAllBytes(kept, files[0]);
        Console.WriteLine($"one verified head+seal result kept at {kept} ({files[0].Length / 1024} KiB, {files.Count} distinct files in rotation)");
        var next = -1;
        byte[] NextFile() => files[(Interlocked.Increment(ref next) & int.MaxValue) % files.Count];
        for (var i = 0; i < 2000; i++) PdfSignatureVerifier.Verify(NextFile(), policy); // tiered JIT reaches its final code

        var ours = new Dictionary<int, double>();
        foreach (var threads in new[] { 1, 2 })
        {
            var cpuBefore = ProcessCpu();
            var (count, elapsed, _) = Throughput.Measure(threads, seconds, () => PdfSignatureVerifier.Verify(NextFile(), policy));
            var cpuMs = (ProcessCpu() - cpuBefore).TotalMilliseconds / count;
            ours[threads] = count / elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ours:   {threads} thread(s): {ours[threads],7:F0} files/s, {threads * 1000 / ours[threads]:F3} ms per file per thread, {cpuMs:F3} CPU ms per file (cpu-cap {Environment.ProcessorCount * 1000 / cpuMs:F0} files/s)"));
        }

        var pdfsig = new Dictionary<int, double>();
        var check = RunPdfsig(nssDatabase, kept);
        var valid = check.Split('\n').Count(l => l.Contains("Signature is Valid.", StringComparison.Ordinal));
        var trusted = check.Split('\n').Count(l => l.Contains("Certificate is Trusted.", StringComparison.Ordinal));
        if (valid != 2 || trusted != 2) throw new InvalidOperationException("pdfsig does not accept the bench file:\n" + check);
        foreach (var parallel in new[] { 1, 2 })
        {
            var (count, elapsed, _) = Throughput.Measure(parallel, seconds, () => RunPdfsig(nssDatabase, kept));
            pdfsig[parallel] = count / elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pdfsig: {parallel} process(es) at a time: {pdfsig[parallel],7:F1} files/s, {parallel * 1000 / pdfsig[parallel]:F1} ms per file (process start, NSS database open, 2 signatures, no change analysis)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio ours/pdfsig on {Environment.ProcessorCount} cores: {ours[2] / pdfsig[2]:F0}x (1 at a time: {ours[1] / pdfsig[1]:F0}x); target ≥ {TargetFilesPerSecond:F0} files/s: {(ours[2] >= TargetFilesPerSecond ? "met" : "NOT met")} ({ours[2]:F0})"));
    }

    private static string RunPdfsig(string nssDatabase, string file)
    {
        var start = new ProcessStartInfo("pdfsig") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-nssdir");
        start.ArgumentList.Add("sql:" + nssDatabase);
        start.ArgumentList.Add(file);
        using var p = Process.Start(start) ?? throw new InvalidOperationException("pdfsig did not start (apt-get install poppler-utils)");
        var stderr = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        stderr.GetAwaiter().GetResult();
        return output;
    }

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
