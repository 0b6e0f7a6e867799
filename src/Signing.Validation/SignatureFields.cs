using Signing.PdfSyntax;

namespace Signing.Validation;

/// <summary>The signed signature fields of a file's AcroForm.</summary>
public static class SignatureFields
{
    /// <summary>Signature fields (terminal fields with /FT /Sig and a /V), walking /Kids with inheritance.</summary>
    public static List<(string Name, PdfDictionary Field)> Read(PdfFile file) =>
        WithNumbers(file).Select(f => (f.Name, f.Field)).ToList();

    internal static List<(string Name, PdfDictionary Field, int? Number)> WithNumbers(PdfFile file)
    {
        var result = new List<(string, PdfDictionary, int?)>();
        var catalog = file.ResolveDictionary(file.Trailer["Root"]);
        if (file.ResolveDictionary(catalog?["AcroForm"]) is not { } acroForm || file.Resolve(acroForm["Fields"]) is not PdfArray fields) return result;
        var seen = new HashSet<int>();
        void Walk(PdfObject item, string prefix, string? inheritedType, int depth)
        {
            if (depth > 32 || (item is PdfReference r && !seen.Add(r.ObjectNumber))) return;
            if (file.ResolveDictionary(item) is not { } field) return;
            var partial = (field["T"] as PdfString)?.ToText();
            var name = partial is null ? prefix : prefix.Length == 0 ? partial : prefix + "." + partial;
            var type = field.GetName("FT") ?? inheritedType;
            if (file.Resolve(field["Kids"]) is PdfArray kids && kids.Items.Any(k => file.ResolveDictionary(k)?["T"] is not null))
            {
                foreach (var k in kids.Items) Walk(k, name, type, depth + 1);
                return;
            }

            if (type == "Sig" && field["V"] is not null) result.Add((name, field, (item as PdfReference)?.ObjectNumber));
        }

        foreach (var f in fields.Items) Walk(f, "", null, 0);
        return result;
    }
}
