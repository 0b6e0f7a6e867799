using System.Collections.Concurrent;
using System.Reflection;
using PdfSharp;
using PdfSharp.Fonts;

namespace Signing.Pdf.Rendering;

/// <summary>
/// One-time PDFsharp set-up: the AGPL licence hook and a font resolver that serves the bundled
/// Liberation Serif for "Times New Roman" (Decree 30's font; Liberation Serif has the same metrics).
/// </summary>
internal static class PdfSharpRuntime
{
    private static readonly Lazy<bool> Initialized = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void EnsureInitialized() => _ = Initialized.Value;

    private static bool Initialize()
    {
        PdfSharpLicense.SetAgplLicense();
        // PDFsharp allows setting the resolver only once per process; another component may have done it.
        if (GlobalFontSettings.FontResolver is null) GlobalFontSettings.FontResolver = LiberationSerifResolver.Instance;
        else if (GlobalFontSettings.FontResolver is not LiberationSerifResolver)
        {
            throw new InvalidOperationException("another PDFsharp font resolver is installed; the renderer needs LiberationSerifResolver");
        }

        return true;
    }
}

/// <summary>Serves the four Liberation Serif faces embedded in this assembly.</summary>
internal sealed class LiberationSerifResolver : IFontResolver
{
    public static readonly LiberationSerifResolver Instance = new();

    /// <summary>The family name the renderer asks for.</summary>
    public const string Family = "Times New Roman";

    private static readonly ConcurrentDictionary<string, byte[]> Faces = new(StringComparer.Ordinal);

    private LiberationSerifResolver() { }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        if (!familyName.Equals(Family, StringComparison.OrdinalIgnoreCase) && !familyName.Equals("Liberation Serif", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var face = (bold, italic) switch
        {
            (false, false) => "LiberationSerif-Regular",
            (true, false) => "LiberationSerif-Bold",
            (false, true) => "LiberationSerif-Italic",
            _ => "LiberationSerif-BoldItalic",
        };
        return new FontResolverInfo(face);
    }

    public byte[]? GetFont(string faceName) => Faces.GetOrAdd(faceName, static name => ReadResource($"Signing.Pdf.Fonts.{name}.ttf"));

    internal static byte[] ReadResource(string logicalName)
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream(logicalName)
            ?? throw new InvalidOperationException($"embedded resource {logicalName} is missing from Signing.Pdf");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
