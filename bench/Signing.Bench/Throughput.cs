using System.Diagnostics;

namespace Signing.Bench;

/// <summary>Runs an operation on N threads for a fixed time and counts how often it completed.</summary>
internal static class Throughput
{
    public static (long Count, double Seconds, double PerSecond) Measure(int threads, int seconds, Action work)
    {
        var counts = new long[threads];
        var stopAt = Stopwatch.GetTimestamp() + (seconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            long c = 0;
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                work();
                c++;
            }

            counts[t] = c;
        })).ToList();
        var start = Stopwatch.GetTimestamp();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return (counts.Sum(), elapsed, counts.Sum() / elapsed);
    }
}
