using System.Globalization;
using System.Text;

namespace Signing.Testing;

/// <summary>Tiny PDFs written byte by byte, for hostile-input tests that need an exact file.</summary>
public static class HandWrittenPdf
{
    /// <summary>A PDF whose body is <paramref name="objects"/> (numbered from 1, object 1 the root), with a correct classic xref.</summary>
    public static byte[] Minimal(params string[] objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var sb = new StringBuilder("%PDF-1.7\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(sb.Length);
            sb.Append(i + 1).Append(" 0 obj\n").Append(objects[i]).Append("\nendobj\n");
        }

        var xref = sb.Length;
        sb.Append("xref\n0 ").Append(objects.Length + 1).Append("\n0000000000 65535 f\r\n");
        foreach (var o in offsets) sb.Append(o.ToString("D10", CultureInfo.InvariantCulture)).Append(" 00000 n\r\n");
        sb.Append("trailer\n<</Size ").Append(objects.Length + 1).Append("/Root 1 0 R>>\nstartxref\n").Append(xref).Append("\n%%EOF\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }
}
