using System.Text.RegularExpressions;

namespace Signing.Testing.ForeignSigners;

/// <summary>What an outside tool says about one signature's bytes (digest and signature value), not about trust.</summary>
public enum IntegrityVerdict
{
    /// <summary>The tool checked digest and signature value, and both hold.</summary>
    Valid,

    /// <summary>The tool says the digest or the signature value is wrong (or the CMS is unreadable).</summary>
    Invalid,

    /// <summary>The tool did not check (an algorithm or signature type it does not implement).</summary>
    NotChecked,
}

/// <summary>One signature as pdfsig or mutool reported it: the integrity verdict and the tool's own words.</summary>
public sealed record OutsideVerdict(IntegrityVerdict Integrity, string Words);

/// <summary>
/// pdfsig (trusting only the foreign test CA through an NSS database) and `mutool sign -v`, read
/// per signature in file order.
/// </summary>
public static class OutsideVerdicts
{
    public static IReadOnlyList<OutsideVerdict> PdfSig(byte[] pdf)
    {
        var r = ExternalTool.Run("pdfsig", "-nssdir", "sql:" + ForeignPki.Shared.NssDirectory, WriteTemp(pdf));
        var verdicts = new List<OutsideVerdict>();
        foreach (var block in r.StdOut.Split("Signature #").Skip(1))
        {
            var validation = PdfSigLine(block, "Signature Validation") ?? "(no validation line)";
            var certificate = PdfSigLine(block, "Certificate Validation");
            var integrity = validation switch
            {
                "Signature is Valid." => IntegrityVerdict.Valid,

                // pdfsig 22 does not verify ETSI.RFC3161 document timestamps.
                "Signature has not yet been verified." => IntegrityVerdict.NotChecked,
                _ => IntegrityVerdict.Invalid,
            };
            verdicts.Add(new OutsideVerdict(integrity, certificate is null ? validation : $"{validation} {certificate}"));
        }

        return verdicts;
    }

    /// <summary>
    /// mupdf's words: "invalidated by change to document" is a digest failure; "Digest error:
    /// Unknown error." is its catch-all when its PKCS#7 code cannot run the check (RSA-PSS), and
    /// "Signature is not signed." what it says of a document timestamp: neither is a verdict.
    /// </summary>
    public static IReadOnlyList<OutsideVerdict> Mutool(byte[] pdf)
    {
        var r = ExternalTool.Run("mutool", "sign", "-v", WriteTemp(pdf));
        var verdicts = new List<OutsideVerdict>();
        foreach (var block in r.StdOut.Split("Verifying signature ").Skip(1))
        {
            var lines = block.Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("Distinguished name", StringComparison.Ordinal)).ToList();
            var words = string.Join(" ", lines);
            var integrity =
                words.Contains("invalidated by change to document", StringComparison.Ordinal) ? IntegrityVerdict.Invalid
                : words.Contains("unchanged since signing", StringComparison.Ordinal) || words.Contains("The signature is valid", StringComparison.Ordinal) ? IntegrityVerdict.Valid
                : words.Contains("Digest error: Unknown error.", StringComparison.Ordinal) || words.Contains("Signature is not signed.", StringComparison.Ordinal) ? IntegrityVerdict.NotChecked
                : IntegrityVerdict.Invalid;
            verdicts.Add(new OutsideVerdict(integrity, words));
        }

        return verdicts;
    }

    /// <summary>
    /// `openssl cms -verify -noverify` on each /ByteRange's CMS and signed bytes, in file order:
    /// integrity only (digest and signature value), the third opinion where pdfsig cannot check.
    /// </summary>
    public static IReadOnlyList<OutsideVerdict> OpenSslCms(byte[] pdf)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        var verdicts = new List<OutsideVerdict>();
        foreach (var signature in Signing.Testing.Pades.Judges.Extract(pdf))
        {
            var dir = RepoPaths.NewTempDirectory("foreign-openssl-verify");
            var cms = Path.Combine(dir, "cms.der");
            var content = Path.Combine(dir, "signed.bin");
            File.WriteAllBytes(cms, signature.Cms);
            File.WriteAllBytes(content, signature.SignedBytes);
            var r = ExternalTool.Run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", cms, "-content", content, "-noverify", "-out", "/dev/null");
            var words = r.All.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
            verdicts.Add(new OutsideVerdict(r.ExitCode == 0 ? IntegrityVerdict.Valid : IntegrityVerdict.Invalid, words));
        }

        return verdicts;
    }

    private static string? PdfSigLine(string block, string name)
    {
        var m = Regex.Match(block, @"- " + Regex.Escape(name) + @": (.*)");
        return m.Success ? m.Groups[1].Value.Trim() : null;
    }

    private static string WriteTemp(byte[] pdf)
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory("foreign-judged"), "file.pdf");
        File.WriteAllBytes(path, pdf);
        return path;
    }
}
