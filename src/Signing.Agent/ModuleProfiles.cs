using System.Runtime.InteropServices;
using System.Text.Json;
using Signing.Core;

namespace Signing.Agent;

/// <summary>A PKCS#11 module profile from hsm-config/modules.json (embedded in the agent).</summary>
public sealed record ModuleProfile(string Name, string Devices, string? Path, bool Tested);

public static class ModuleProfiles
{
    /// <summary>The profiles with the module path for this platform (null when the vendor gives none).</summary>
    public static IReadOnlyList<ModuleProfile> All { get; } = Load();

    private static List<ModuleProfile> Load()
    {
        using var stream = typeof(ModuleProfiles).Assembly.GetManifestResourceStream("modules.json")
            ?? throw new InvalidOperationException("modules.json is not embedded in the agent");
        using var json = JsonDocument.Parse(stream);
        var platform = (OperatingSystem.IsWindows() ? "win-" : "linux-") + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        return json.RootElement.GetProperty("profiles").EnumerateArray().Select(p => new ModuleProfile(
            p.GetProperty("name").GetString()!,
            string.Join(", ", p.GetProperty("devices").EnumerateArray().Select(d => d.GetString())),
            p.GetProperty("paths").TryGetProperty(platform, out var path) ? path.GetString() : null,
            p.GetProperty("tested").GetBoolean())).ToList();
    }

    /// <summary>A profile name or a module path; a path must exist.</summary>
    public static string Resolve(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        var profile = All.FirstOrDefault(p => string.Equals(p.Name, nameOrPath, StringComparison.OrdinalIgnoreCase));
        var path = profile is null ? nameOrPath : profile.Path
            ?? throw new SigningException($"Profile '{profile.Name}' has no module path for this platform: give the vendor module's path with --module.");
        if (!File.Exists(path))
        {
            throw new SigningException(profile is null
                ? $"No PKCS#11 module at {path}, and no profile is called '{nameOrPath}' (profiles: {string.Join(", ", All.Select(p => p.Name))})."
                : $"Profile '{profile.Name}' expects its module at {path}, which is not installed here.");
        }

        return System.IO.Path.GetFullPath(path);
    }

    /// <summary>Profiles whose module is installed on this machine.</summary>
    public static IEnumerable<ModuleProfile> Installed() => All.Where(p => p.Path is not null && File.Exists(p.Path));
}
