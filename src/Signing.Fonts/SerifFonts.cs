using System.Collections.Concurrent;
using Signing.Core.IO;

namespace Signing.Fonts;

/// <summary>The four faces of the serif the product draws with.</summary>
public enum SerifFace
{
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

/// <summary>
/// Liberation Serif (SIL OFL 1.1; metric-compatible with Decree 30's Times New Roman, covers
/// Vietnamese), embedded in this assembly: the one font source of both the renderer and the
/// signature appearance.
/// </summary>
public static class SerifFonts
{
    /// <summary>The family name documents ask for.</summary>
    public const string Family = "Times New Roman";

    /// <summary>The family the bytes really are.</summary>
    public const string EmbeddedFamily = "Liberation Serif";

    private static readonly ConcurrentDictionary<SerifFace, byte[]> Programs = new();

    /// <summary>The TrueType program of <paramref name="face"/>; read once, then shared (callers must not change it).</summary>
    public static byte[] Program(SerifFace face) => Programs.GetOrAdd(face, static f => Read(FileName(f)));

    private const string FilePrefix = "LiberationSerif-";

    /// <summary>The file name of a face, e.g. <c>LiberationSerif-BoldItalic</c>.</summary>
    public static string FileName(SerifFace face) => FilePrefix + face;

    /// <summary>The face a <see cref="FileName"/> names.</summary>
    public static bool TryParseFileName(string fileName, out SerifFace face)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        face = default;
        return fileName.StartsWith(FilePrefix, StringComparison.Ordinal)
            && Enum.TryParse(fileName.AsSpan(FilePrefix.Length), ignoreCase: false, out face)
            && Enum.IsDefined(face);
    }

    /// <summary>Reads every face once, so a build that lost a resource fails at start, not on the first document.</summary>
    public static void EnsureAvailable()
    {
        foreach (var face in Enum.GetValues<SerifFace>()) _ = Program(face);
    }

    private static byte[] Read(string name) => EmbeddedResource.Read(typeof(SerifFonts).Assembly, $"Signing.Fonts.{name}.ttf");
}
