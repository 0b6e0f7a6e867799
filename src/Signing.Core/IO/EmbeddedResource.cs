using System.Reflection;

namespace Signing.Core.IO;

/// <summary>Reads the resources that travel inside our assemblies (fonts, profiles, templates, samples).</summary>
public static class EmbeddedResource
{
    /// <summary>The bytes of <paramref name="logicalName"/> in <paramref name="assembly"/>; a missing one means an incomplete build.</summary>
    public static byte[] Read(Assembly assembly, string logicalName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using var stream = assembly.GetManifestResourceStream(logicalName)
            ?? throw new SigningException($"{logicalName} is missing from {assembly.GetName().Name}; the build is incomplete.");
        using var copy = new MemoryStream(checked((int)stream.Length));
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
