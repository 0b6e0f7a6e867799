using System.Diagnostics;
using System.Globalization;
using Signing.Core.Decisions;
using Signing.Pdf.Rendering;

namespace Signing.Bench;

/// <summary>Render throughput: one-page results per second on 1 and 2 threads, and the cost of a 50-page decision.</summary>
internal static class RenderBench
{
    public static void Run(BenchOptions bench)
    {
        var root = BenchOptions.RepoRoot();
        var onePage = DecisionJson.Load(Path.Combine(root, "samples", "decisions", "mau-04-xin-loi.json"));
        var fiftyPages = DecisionJson.Load(Path.Combine(root, "samples", "decisions", "quyet-dinh-dai.json"));
        var options = new RenderOptions { Clock = new FixedClock(new DateTimeOffset(2024, 3, 5, 9, 0, 0, TimeSpan.FromHours(7))) };
        var seconds = (double)bench.Seconds;

        var warm = ResultRenderer.Render(onePage, options);
        if (warm.PageCount != 1) throw new InvalidOperationException("the one-page sample is not one page");
        // Warm up long enough for tiered JIT to finish its optimised recompiles (they run on background
        // threads and would be billed to the first measurement), and build the shared font subsets.
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; i < 200 || warmUp.Elapsed < TimeSpan.FromSeconds(5); i++) ResultRenderer.Render(onePage, options);

        foreach (var threads in new[] { 1, 2 })
        {
            var count = 0L;
            using var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var deadline = TimeSpan.FromSeconds(seconds);
            var workers = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
            {
                while (sw.Elapsed < deadline)
                {
                    ResultRenderer.Render(onePage, options);
                    Interlocked.Increment(ref count);
                }
            })).ToArray();
            Task.WaitAll(workers);
            var elapsed = sw.Elapsed.TotalSeconds;
            self.Refresh();
            // CPU time per result does not depend on what else the machine runs; results/s does.
            var cpuMs = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds / count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"1-page results, {threads} thread(s): {count / elapsed:0} results/s, {elapsed * 1000 * threads / count:0.00} ms per result per thread, {cpuMs:0.00} ms CPU per result ({count} in {elapsed:0.0} s, {warm.Pdf.Length / 1024} KiB each)"));
        }

        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var sw50 = Stopwatch.StartNew();
        var big = ResultRenderer.Render(fiftyPages, options);
        sw50.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{big.PageCount}-page decision: {sw50.Elapsed.TotalMilliseconds:0} ms ({big.PageCount / sw50.Elapsed.TotalSeconds:0} pages/s), {big.Pdf.Length / 1024} KiB, allocated {allocated / (1024 * 1024)} MiB, process peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MiB"));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
