using Signing.Core.IO;

namespace Signing.DevPki;

/// <summary>
/// The sample material the dev set-up and the demos use (samples/images and samples/decisions),
/// embedded in this assembly so a published CLI run from any folder has them too.
/// </summary>
public static class DevSamples
{
    private const string ImagePrefix = "Signing.DevPki.Images.";
    private const string DecisionPrefix = "Signing.DevPki.Decisions.";

    /// <summary>The agency's red seal (PNG, transparent background).</summary>
    public static byte[] SealImage => Read(ImagePrefix + "seal.png");

    /// <summary>The department head's handwritten signature (PNG, transparent background).</summary>
    public static byte[] SignatureImage => Read(ImagePrefix + "signature.png");

    /// <summary>The sample decisions as (name, JSON), in name order.</summary>
    public static IReadOnlyList<(string Name, byte[] Json)> Decisions() =>
        typeof(DevSamples).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(DecisionPrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (Path.GetFileNameWithoutExtension(n[DecisionPrefix.Length..]), Read(n)))
            .ToList();

    /// <summary>Writes seal.png and signature.png into <paramref name="directory"/> when they are missing or differ.</summary>
    public static void WriteImages(string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteIfChanged(Path.Combine(directory, "seal.png"), SealImage);
        AtomicFile.WriteIfChanged(Path.Combine(directory, "signature.png"), SignatureImage);
    }

    private static byte[] Read(string logicalName) => EmbeddedResource.Read(typeof(DevSamples).Assembly, logicalName);
}
