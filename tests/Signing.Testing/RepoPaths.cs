namespace Signing.Testing;

/// <summary>Where the repository and its generated dev material (token, PKI, PINs) are.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    public static string Root => RootLazy.Value;

    /// <summary>Generated, git-ignored dev material; SIGNING_HOME overrides it.</summary>
    public static string Dev =>
        Environment.GetEnvironmentVariable("SIGNING_HOME") is { Length: > 0 } home ? home : Path.Combine(Root, ".dev");

    public static string Samples => Path.Combine(Root, "samples");

    /// <summary>A fresh, empty directory under the system temp folder for one test.</summary>
    public static string NewTempDirectory(string prefix = "signing-test")
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Signing.sln not found above " + AppContext.BaseDirectory);
    }
}
