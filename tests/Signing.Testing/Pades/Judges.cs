using Signing.Pades;
using System.Formats.Asn1;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Signing.Testing;

namespace Signing.Testing.Pades;

/// <summary>One signature as an outside tool sees it: the ByteRange and the raw CMS.</summary>
public sealed record ExtractedSignature(long[] ByteRange, byte[] Cms, byte[] SignedBytes);

/// <summary>Runs the outside judges (pdfsig, openssl, qpdf) on files written to a temp directory.</summary>
public static partial class Judges
{
    public static string WriteTemp(byte[] pdf, string name = "signed.pdf")
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory("pades-out"), name);
        File.WriteAllBytes(path, pdf);
        return path;
    }

    public static ToolResult PdfSig(TestPki pki, byte[] pdf) =>
        ExternalTool.Run("pdfsig", "-nssdir", "sql:" + pki.NssDirectory, WriteTemp(pdf));

    /// <summary>
    /// mutool's digest verdict per signature, in file order: true for "valid" or "unchanged since
    /// signing", false for a digest error. (Debian's mutool takes no trust anchors, so it calls every
    /// private root "self-signed"; its certificate line is not a verdict here, pdfsig's is.)
    /// </summary>
    public static List<bool> MutoolDigestsValid(byte[] pdf) =>
        [.. Signing.Testing.ForeignSigners.OutsideVerdicts.Mutool(pdf).Select(v => v.Integrity == Signing.Testing.ForeignSigners.IntegrityVerdict.Valid)];

    /// <summary>
    /// qpdf --check on the signed file must pass, allowing only the warnings qpdf already gives for
    /// the input (PDFsharp's Flate streams lack the Adler-32 trailer; that is in bytes we must not touch).
    /// </summary>
    public static void QpdfCheckAddsNoProblems(byte[] input, byte[] signed)
    {
        static IEnumerable<string> Warnings(ToolResult r) =>
            r.All.Split('\n').Where(l => l.StartsWith("WARNING", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("(offset", StringComparison.Ordinal) is var i and >= 0 ? i : 0)..]);
        var before = ExternalTool.Run("qpdf", "--check", WriteTemp(input));
        var after = ExternalTool.Run("qpdf", "--check", WriteTemp(signed));
        Xunit.Assert.True(after.ExitCode is 0 or 3, after.All);
        var added = Warnings(after).Except(Warnings(before)).ToList();
        Xunit.Assert.True(added.Count == 0, "qpdf --check found new problems:\n" + string.Join('\n', added) + "\n" + after.All);
    }

    /// <summary>Every /ByteRange in the file, in file order, with the CMS trimmed to its DER length.</summary>
    public static List<ExtractedSignature> Extract(byte[] pdf)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var result = new List<ExtractedSignature>();
        foreach (Match m in ByteRangeRegex().Matches(text))
        {
            var br = Enumerable.Range(1, 4).Select(i => long.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture)).ToArray();
            var hex = text.Substring((int)br[1] + 1, (int)(br[2] - br[1] - 2));
            var raw = Convert.FromHexString(hex);
            var reader = new AsnReader(raw, AsnEncodingRules.BER);
            var cms = reader.ReadEncodedValue().ToArray();
            var signed = new byte[br[1] + br[3]];
            Array.Copy(pdf, 0, signed, 0, br[1]);
            Array.Copy(pdf, br[2], signed, br[1], br[3]);
            result.Add(new ExtractedSignature(br, cms, signed));
        }

        return result;
    }

    /// <summary>The SignerInfo's signature value and its signatureTimeStampToken (null if absent).</summary>
    public static (byte[] SignatureValue, byte[]? Token) SignatureValueAndToken(byte[] cms)
    {
        var signed = new System.Security.Cryptography.Pkcs.SignedCms();
        signed.Decode(cms);
        var si = signed.SignerInfos[0];
        byte[]? token = null;
        foreach (var attr in si.UnsignedAttributes)
        {
            if (attr.Oid.Value == "1.2.840.113549.1.9.16.2.14") token = attr.Values[0].RawData;
        }

        return (si.GetSignature(), token);
    }

    [GeneratedRegex(@"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")]
    private static partial Regex ByteRangeRegex();
}
