using System.Runtime.InteropServices;

namespace Signing.Bench;

/// <summary>
/// CPU time from the kernel (Linux): this thread's, or that of the child processes waited for.
/// On a machine shared with other work, CPU time shows what a call costs; wall time shows the queue.
/// </summary>
internal static class CpuClock
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
    private const int RusageChildren = -1;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    // struct rusage: two timevals, then 14 longs this clock does not read.
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct RUsage
    {
        public TimeVal User;
        public TimeVal System;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, out RUsage usage);

    public static TimeSpan Thread()
    {
        if (ClockGetTime(ClockThreadCpuTime, out var t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
    }

    public static TimeSpan Children()
    {
        if (GetRUsage(RusageChildren, out var u) != 0) throw new InvalidOperationException("getrusage(RUSAGE_CHILDREN) failed");
        return TimeSpan.FromTicks((u.User.Seconds + u.System.Seconds) * TimeSpan.TicksPerSecond + (u.User.Microseconds + u.System.Microseconds) * 10);
    }
}
