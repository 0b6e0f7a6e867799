using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Signing.Testing;

namespace Signing.Pdf.Tests;

/// <summary>Asks the outside tools (poppler, qpdf) about a PDF written to a temp file.</summary>
internal sealed partial class PdfJudge : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("signing-pdf");

    public PdfJudge(byte[] pdf)
    {
        Path = System.IO.Path.Combine(_dir, "result.pdf");
        File.WriteAllBytes(Path, pdf);
    }

    public string Path { get; }

    /// <summary>pdftotext output with every run of whitespace collapsed to one space.</summary>
    /// <summary>
    /// pdftotext output, whitespace collapsed, without the page numbers at the top of pages 2+ so
    /// that a paragraph running across a page break reads as one.
    /// </summary>
    public string Text()
    {
        var pages = ExternalTool.RunChecked("pdftotext", "-enc", "UTF-8", Path, "-").StdOut.Split('\f');
        for (var i = 1; i < pages.Length; i++)
        {
            var number = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var trimmed = pages[i].TrimStart();
            if (trimmed.StartsWith(number + "\n", StringComparison.Ordinal)) pages[i] = trimmed[(number.Length + 1)..];
        }

        return Collapse(string.Join(' ', pages));
    }

    public static string Collapse(string s) => Whitespace().Replace(s, " ").Trim();

    public JsonElement QpdfObjects()
    {
        var json = ExternalTool.RunChecked("qpdf", "--json=2", "--json-key=qpdf", Path).StdOut;
        return JsonDocument.Parse(json).RootElement.GetProperty("qpdf")[1];
    }

    public static JsonElement Deref(JsonElement objects, JsonElement reference) =>
        objects.GetProperty("obj:" + reference.GetString()!).TryGetProperty("value", out var v) ? v : objects.GetProperty("obj:" + reference.GetString()!).GetProperty("stream").GetProperty("dict");

    public XDocument Xmp()
    {
        var meta = ExternalTool.RunChecked("pdfinfo", "-meta", Path).StdOut;
        var start = meta.IndexOf("<x:xmpmeta", StringComparison.Ordinal);
        var end = meta.IndexOf("</x:xmpmeta>", StringComparison.Ordinal) + "</x:xmpmeta>".Length;
        return XDocument.Parse(meta[start..end]);
    }

    public byte[] Attachment(int index = 1)
    {
        var file = System.IO.Path.Combine(_dir, "attachment.bin");
        ExternalTool.RunChecked("pdfdetach", "-save", index.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", file, Path);
        return File.ReadAllBytes(file);
    }

    /// <summary>Every word with its box per page (pdftotext -bbox), in points from the top-left.</summary>
    public List<(int Page, double XMin, double YMin, double XMax, double YMax, string Text)> Words()
    {
        var html = ExternalTool.RunChecked("pdftotext", "-bbox", Path, "-").StdOut;
        var doc = XDocument.Parse(html.Replace("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">", "", StringComparison.Ordinal));
        XNamespace ns = "http://www.w3.org/1999/xhtml";
        var result = new List<(int, double, double, double, double, string)>();
        var page = 0;
        foreach (var p in doc.Descendants(ns + "page"))
        {
            foreach (var w in p.Elements(ns + "word"))
            {
                static double A(XElement e, string n) => double.Parse(e.Attribute(n)!.Value, System.Globalization.CultureInfo.InvariantCulture);
                result.Add((page, A(w, "xMin"), A(w, "yMin"), A(w, "xMax"), A(w, "yMax"), w.Value));
            }

            page++;
        }

        return result;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
