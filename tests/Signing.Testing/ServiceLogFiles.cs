namespace Signing.Testing;

/// <summary>The service's JSON log files (service-*.json), read while the service may still be writing them.</summary>
public static class ServiceLogFiles
{
    /// <summary>Every line of every log file in <paramref name="directory"/>, oldest file first.</summary>
    public static IReadOnlyList<string> Lines(string directory) =>
        Directory.GetFiles(directory, "service-*.json").Order(StringComparer.Ordinal).SelectMany(ReadShared).ToList();

    private static List<string> ReadShared(string path)
    {
        // The file sink keeps the file open for writing: share it, or the read fails.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) lines.Add(line);
        return lines;
    }
}
