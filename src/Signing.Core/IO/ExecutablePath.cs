namespace Signing.Core.IO;

/// <summary>Finds an outside program the way a shell would, so a missing one is found at start, not on the first request.</summary>
public static class ExecutablePath
{
    /// <summary>
    /// The full path of <paramref name="program"/>: itself when it names a path, else the first
    /// executable file of that name on PATH. <paramref name="package"/> (e.g. "poppler-utils")
    /// goes into the error so an operator knows what to install.
    /// </summary>
    public static string Find(string program, string package)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(program);
        if (program.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return IsExecutable(program) ? Path.GetFullPath(program) : throw new SigningException($"{program} does not exist or is not executable (install {package}).");
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? program + ".exe" : program);
            if (IsExecutable(candidate)) return candidate;
        }

        throw new SigningException($"{program} is not on the PATH (install {package}).");
    }

    private static bool IsExecutable(string file) =>
        File.Exists(file) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
