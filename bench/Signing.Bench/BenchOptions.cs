using System.Globalization;

namespace Signing.Bench;

/// <summary>Command-line options shared by the suites; --clients, --backend and --warmup are read by the service suite only.</summary>
internal sealed record BenchOptions(int Seconds, string? Ceiling, IReadOnlyList<int> Clients, string Backend, int Warmup)
{
    public static BenchOptions Parse(string[] args)
    {
        var seconds = 3;
        string? ceiling = null;
        IReadOnlyList<int> clients = [1, 8, 32];
        var backend = "both";
        var warmup = 10;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(Next(args, ref i), CultureInfo.InvariantCulture); break;
                case "--ceiling": ceiling = Next(args, ref i); break;
                case "--warmup":
                    warmup = int.TryParse(Next(args, ref i), NumberStyles.None, CultureInfo.InvariantCulture, out var w)
                        ? w : throw new ArgumentException("--warmup takes whole seconds");
                    break;
                case "--clients":
                    clients = Next(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                            ? n : throw new ArgumentException($"--clients: '{c}' is not a positive whole number"))
                        .ToList();
                    break;
                case "--backend":
                    backend = Next(args, ref i);
                    if (backend is not ("sqlite" or "postgres" or "both")) throw new ArgumentException($"--backend '{backend}' is not sqlite, postgres or both");
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new BenchOptions(seconds, ceiling, clients, backend, warmup);
    }

    private static string Next(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Signing.sln not found above " + AppContext.BaseDirectory);
    }
}
