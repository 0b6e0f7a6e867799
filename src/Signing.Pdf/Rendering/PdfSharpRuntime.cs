using PdfSharp.Fonts;
using Signing.Fonts;

namespace Signing.Pdf.Rendering;

/// <summary>
/// One-time PDFsharp set-up: a font resolver that serves the bundled Liberation Serif for
/// "Times New Roman" (Decree 30's font; Liberation Serif has the same metrics).
/// </summary>
internal static class PdfSharpRuntime
{
    private static readonly Lazy<bool> Initialized = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void EnsureInitialized() => _ = Initialized.Value;

    private static bool Initialize()
    {
        // PDFsharp allows setting the resolver only once per process; another component may have done it.
        if (GlobalFontSettings.FontResolver is null) GlobalFontSettings.FontResolver = LiberationSerifResolver.Instance;
        else if (GlobalFontSettings.FontResolver is not LiberationSerifResolver)
        {
            throw new InvalidOperationException("another PDFsharp font resolver is installed; the renderer needs LiberationSerifResolver");
        }

        return true;
    }
}

/// <summary>Serves the four faces of <see cref="SerifFonts"/> to PDFsharp.</summary>
internal sealed class LiberationSerifResolver : IFontResolver
{
    public static readonly LiberationSerifResolver Instance = new();

    /// <summary>The family name the renderer asks for.</summary>
    public const string Family = SerifFonts.Family;

    private LiberationSerifResolver() { }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        if (!familyName.Equals(Family, StringComparison.OrdinalIgnoreCase) && !familyName.Equals(SerifFonts.EmbeddedFamily, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var face = (bold, italic) switch
        {
            (false, false) => SerifFace.Regular,
            (true, false) => SerifFace.Bold,
            (false, true) => SerifFace.Italic,
            _ => SerifFace.BoldItalic,
        };
        return new FontResolverInfo(SerifFonts.FileName(face));
    }

    public byte[]? GetFont(string faceName) => SerifFonts.TryParseFileName(faceName, out var face) ? SerifFonts.Program(face) : null;
}
