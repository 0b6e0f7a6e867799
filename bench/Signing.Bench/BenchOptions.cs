using System.Globalization;

namespace Signing.Bench;

internal sealed record BenchOptions(int Seconds, string? Ceiling)
{
    public static BenchOptions Parse(string[] args)
    {
        var seconds = 3;
        string? ceiling = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--ceiling": ceiling = args[++i]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new BenchOptions(seconds, ceiling);
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Signing.sln not found above " + AppContext.BaseDirectory);
    }
}
