using Signing.Core;
using Signing.DevPki;

namespace Signing.Cli;

/// <summary>The decisions a demo issues: the *.json files of --samples, else the embedded samples.</summary>
internal static class SampleDecisions
{
    public static IReadOnlyList<(string Name, byte[] Json)> Read(DirectoryInfo? directory)
    {
        if (directory is null) return DevSamples.Decisions();
        var files = directory.Exists ? directory.GetFiles("*.json").OrderBy(f => f.Name, StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0) throw new SigningException($"No sample decisions (*.json) in {directory.FullName}.");
        return files.Select(f => (Path.GetFileNameWithoutExtension(f.Name), File.ReadAllBytes(f.FullName))).ToList();
    }
}
