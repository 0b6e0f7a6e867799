namespace Signing.Pdf;

/// <summary>The colour profile and templates embedded in this assembly.</summary>
internal static class EmbeddedResources
{
    public static byte[] Read(string logicalName)
    {
        using var s = typeof(EmbeddedResources).Assembly.GetManifestResourceStream(logicalName)
            ?? throw new InvalidOperationException($"embedded resource {logicalName} is missing from Signing.Pdf");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
