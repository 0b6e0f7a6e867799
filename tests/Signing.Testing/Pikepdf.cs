using System.Text.Json;

namespace Signing.Testing;

/// <summary>
/// pikepdf (Debian's python3-pikepdf, run by Debian's own python3) as the outside judge of a PDF/A
/// claim: what its XMP reader says of pdfaid and dc:title, the Info title, and the OutputIntents.
/// </summary>
public static class Pikepdf
{
    private const string Script = """
        import json, sys, pikepdf
        pdf = pikepdf.open(sys.argv[1])
        meta = pdf.open_metadata()
        intents = [{"s": str(oi.get("/S")), "components": int(oi.DestOutputProfile.get("/N")),
                    "condition": str(oi.get("/OutputConditionIdentifier")), "profileBytes": len(oi.DestOutputProfile.read_bytes())}
                   for oi in pdf.Root.get("/OutputIntents", [])]
        print(json.dumps({"pdfaStatus": meta.pdfa_status, "xmpTitle": meta.get("dc:title"),
                          "infoTitle": str(pdf.docinfo.get("/Title", "")), "outputIntents": intents}))
        """;

    /// <summary>The judge's findings as JSON: pdfaStatus (e.g. "3B"), xmpTitle, infoTitle, outputIntents[].</summary>
    public static JsonElement Inspect(string pdfPath)
    {
        var r = ExternalTool.Run("/usr/bin/python3", "-c", Script, pdfPath);
        if (r.ExitCode != 0) throw new Xunit.Sdk.XunitException("pikepdf could not read " + pdfPath + ":\n" + r.All);
        return JsonDocument.Parse(r.StdOut).RootElement.Clone();
    }

    /// <summary>PDF/A-3b by pikepdf: XMP claims 3B with the Info title, and one sRGB OutputIntent (GTS_PDFA1, 3 components) carries its profile.</summary>
    public static void AssertPdfA3b(string pdfPath)
    {
        var j = Inspect(pdfPath);
        Xunit.Assert.Equal("3B", j.GetProperty("pdfaStatus").GetString());
        Xunit.Assert.Equal(j.GetProperty("infoTitle").GetString(), j.GetProperty("xmpTitle").GetString());
        var intent = Xunit.Assert.Single(j.GetProperty("outputIntents").EnumerateArray());
        Xunit.Assert.Equal("/GTS_PDFA1", intent.GetProperty("s").GetString());
        Xunit.Assert.Equal(3, intent.GetProperty("components").GetInt32());
        Xunit.Assert.Contains("sRGB", intent.GetProperty("condition").GetString(), StringComparison.Ordinal);
        Xunit.Assert.True(intent.GetProperty("profileBytes").GetInt32() > 0);
    }
}
