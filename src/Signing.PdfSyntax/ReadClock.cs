using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Signing.PdfSyntax;

/// <summary>
/// The time one file's reading has cost, for <see cref="PdfReadLimits.MaxParseTime"/>. The limit is
/// there to stop hostile files that make the reader work, so on Linux it counts the reading
/// thread's CPU time: on a busy machine wall-clock time also counts other processes' work, and a
/// genuine file was refused. The CPU clock is a system call, so it is read only once wall-clock
/// time (never less than the CPU time) has passed the limit. Elsewhere, wall-clock time.
/// </summary>
internal sealed partial class ReadClock
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private TimeSpan _cpuSpent;
    private int _cpuThread = Environment.CurrentManagedThreadId;
    private TimeSpan? _cpuMark = ThreadCpuTime();

    public bool Exceeded(TimeSpan limit)
    {
        if (_wall.Elapsed <= limit) return false;
        if (ThreadCpuTime() is not { } now || _cpuMark is not { } mark) return true;
        if (Environment.CurrentManagedThreadId == _cpuThread)
        {
            _cpuSpent += now - mark;
        }
        else
        {
            // Reading went on in another thread: count its CPU time from here on (what the first
            // thread spent up to its last mark is already counted).
            _cpuThread = Environment.CurrentManagedThreadId;
        }

        _cpuMark = now;
        return _cpuSpent > limit;
    }

    private static TimeSpan? ThreadCpuTime()
    {
        if (!OperatingSystem.IsLinux()) return null;
        return ClockGetTime(ClockThreadCpuTime, out var ts) == 0 ? TimeSpan.FromTicks((ts.Seconds * TimeSpan.TicksPerSecond) + (ts.Nanoseconds / 100)) : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
