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
}
