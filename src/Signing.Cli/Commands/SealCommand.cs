using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Signing.Core;
using Signing.DevPki;
using Signing.Seal;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing seal verify IMAGE|PDF|TEXT [--trust CERT] [--crl FILE] [--json]`: checks the printed seal
/// in a result's QR code with no network (docs/printed-seal.md). Exit 0 authentic, 3 forged or
/// signed by a revoked key, 2 unknown key, 1 when no seal could be read at all.
/// </summary>
internal static class SealCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A photo or scan (PNG/JPEG), a PDF (page 1 is rasterised at 150 dpi), a text file with the QR text, or the QR text itself." };
        var trust = new Option<string[]>("--trust") { Description = "Seal certificates to trust (PEM, may repeat; a file may also hold the CA a --crl needs); default: the dev PKI's.", AllowMultipleArgumentsPerToken = true };
        var crl = new Option<string[]>("--crl") { Description = "CRLs already fetched (DER or PEM, may repeat): a listed seal certificate counts as revoked; default with the dev PKI: its issuing CA's CRL.", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the outcome as JSON." };
        var code = new Option<string?>("--code") { Description = "The verification code printed beside the QR (for a PDF it is read from page 1): a QR pasted from another result is refused." };
        var verify = new Command("verify", "Verify the printed seal of a result offline.") { trust, crl, json, code };
        verify.Arguments.Add(input);
        verify.SetAction(parse =>
        {
            var trusted = Trusted(parse.GetValue(trust), parse.GetValue(crl));
            var (text, printed) = QrTextOf(parse.GetValue(input)!);
            if (!SealText.HasSeal(text)) throw new SigningException("the QR code holds only a URL, no printed seal (results printed before seals); check it online");
            var result = SealVerifier.Verify(text, trusted, parse.GetValue(code) ?? printed);
            Console.WriteLine(parse.GetValue(json) ? Json(result) : Text(result));
            return result.ExitCode;
        });
        var cmd = new Command("seal", "The printed seal in a result's QR code.");
        cmd.Subcommands.Add(verify);
        return cmd;
    }

    internal static SealCertificates Trusted(string[]? trustFiles, string[]? crlFiles)
    {
        var all = new List<X509Certificate2>();
        var useDev = trustFiles is not { Length: > 0 };
        if (useDev)
        {
            var pki = DevDefaults.Layout.PkiDirectory;
            if (!Directory.Exists(pki)) throw new SigningException("No seal certificates: give --trust seal.pem (or run hsm-config/setup.sh for the dev PKI).");
            foreach (var f in Directory.EnumerateFiles(pki, "*.pem").Order(StringComparer.Ordinal)) all.AddRange(KeyResolver.LoadChain(f));
        }
        else
        {
            foreach (var f in trustFiles!) all.AddRange(KeyResolver.LoadChain(f));
        }

        var trusted = new SealCertificates(all);
        if (trusted.All.Count == 0) throw new SigningException($"None of the trusted certificates has the printed-seal key purpose {SealOids.PrintedSealKeyPurpose}.");
        var crls = crlFiles is { Length: > 0 } ? crlFiles
            : useDev && File.Exists(DevDefaults.Layout.CrlFile(DevPkiBuilder.IssuingLabel)) ? [DevDefaults.Layout.CrlFile(DevPkiBuilder.IssuingLabel)]
            : [];
        foreach (var f in crls)
        {
            if (!File.Exists(f)) throw new SigningException($"CRL file not found: {f}");
            trusted.ApplyCrl(File.ReadAllBytes(f), all);
        }

        return trusted;
    }

    /// <summary>The QR text from an image, a PDF's first page, a text file, or the argument itself; for a PDF also the code page 1 prints.</summary>
    internal static (string Text, string? PrintedCode) QrTextOf(string input)
    {
        if (!File.Exists(input))
        {
            if (input.StartsWith("http", StringComparison.OrdinalIgnoreCase) || input.StartsWith(SealText.FragmentPrefix, StringComparison.Ordinal)) return (input, null);
            throw new SigningException($"Input file not found: {input} (nor is it the text of a seal QR code)");
        }

        var length = new FileInfo(input).Length;
        if (length > QrImageReader.MaxFileBytes) throw new SigningException($"{input} is larger than {QrImageReader.MaxFileBytes / (1024 * 1024)} MiB");
        var bytes = File.ReadAllBytes(input);
        string? text;
        string? printed = null;
        if (bytes.AsSpan().StartsWith("%PDF-"u8))
        {
            text = PdfPageQrReader.ReadFirstPage(bytes);
            printed = PdfPrintedCode.Read(bytes);
        }
        else if (bytes.AsSpan().StartsWith(PngMagic) || bytes.AsSpan().StartsWith(JpegMagic))
        {
            text = QrImageReader.ReadFile(bytes);
        }
        else if (bytes.Length <= SealText.MaxLength * 4 && IsUtf8Text(bytes))
        {
            return (Encoding.UTF8.GetString(bytes), null);
        }
        else
        {
            throw new SigningException($"{input} is neither a PNG or JPEG image, a PDF, nor a text file");
        }

        return (text ?? throw new SigningException($"no QR code found in {input}"), printed);
    }

    private static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47];

    private static ReadOnlySpan<byte> JpegMagic => [0xFF, 0xD8, 0xFF];

    private static bool IsUtf8Text(byte[] bytes)
    {
        try
        {
            var s = new UTF8Encoding(false, true).GetString(bytes);
            return s.All(c => !char.IsControl(c) || c is '\n' or '\r' or '\t');
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static readonly string[] VerdictWords =
    [
        "XÁC THỰC / AUTHENTIC",
        "GIẢ MẠO HOẶC BỊ SỬA / FORGED OR ALTERED",
        "KHÓA KHÔNG XÁC ĐỊNH / UNKNOWN KEY",
        "KHÓA ĐÃ BỊ THU HỒI / SEAL KEY REVOKED",
    ];

    private static string Text(SealVerification r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{VerdictWords[(int)r.Verdict]}: {r.Reason}");
        if (r.Seal is { } s && r.Verdict != SealVerdict.Forged)
        {
            void Line(string vi, string en, string value) => sb.AppendLine(CultureInfo.InvariantCulture, $"  {vi} / {en}: {value}");
            Line("Cơ quan ban hành", "Issuing agency", $"{s.AgencyName} ({s.AgencyId})");
            Line("Mẫu", "Template", s.Template);
            Line("Số, ký hiệu", "Number and symbol", $"{s.Number}/{s.Symbol}");
            Line("Ngày ban hành", "Date of issue", s.IssuedOn.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture));
            Line("Mã hồ sơ", "Dossier code", s.DossierCode);
            Line("Mã xác minh", "Verification code", s.VerificationCode);
            foreach (var f in s.KeyFields) Line(f.Label, f.LabelEn ?? f.Label, f.Value);
            Line("Kiểm tra trực tuyến từ", "Check online from", s.CheckOnlineAfter.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture));
            Line("Ngày đóng dấu in", "Sealed on", s.SealedOn.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture));
        }

        if (r.Certificate is { } c)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  Khóa dấu / Seal key: {c.Subject} (kid {Convert.ToHexString(SealKeyId.Of(c))}, {c.NotBefore.ToUniversalTime():yyyy-MM-dd}..{c.NotAfter.ToUniversalTime():yyyy-MM-dd})");
        }

        sb.Append(CultureInfo.InvariantCulture, $"  Lưu ý / Note: {OnlineNote(r)}");
        return sb.ToString();
    }

    private static string OnlineNote(SealVerification r) =>
        "dấu in chỉ chứng minh nội dung đã được ký; văn bản có bị thu hồi hoặc thay thế hay không phải tra cứu trực tuyến"
        + " / the seal proves only what was signed; whether the result was since revoked or superseded needs the online check"
        + (r.Url is { } u ? $": {u.GetLeftPart(UriPartial.Path)}" : "");

    private static string Json(SealVerification r)
    {
        var o = new JsonObject
        {
            ["verdict"] = r.Verdict.ToString(),
            ["exitCode"] = r.ExitCode,
            ["reason"] = r.Reason,
            ["onlineCheck"] = new JsonObject { ["url"] = r.Url?.GetLeftPart(UriPartial.Path), ["note"] = OnlineNote(r) },
        };
        if (r.Seal is { } s)
        {
            o["seal"] = new JsonObject
            {
                ["agencyId"] = s.AgencyId,
                ["agencyName"] = s.AgencyName,
                ["template"] = s.Template,
                ["number"] = s.Number,
                ["symbol"] = s.Symbol,
                ["issuedOn"] = s.IssuedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["dossierCode"] = s.DossierCode,
                ["verificationCode"] = s.VerificationCode,
                ["keyFields"] = new JsonArray([.. s.KeyFields.Select(f => (JsonNode)new JsonObject { ["label"] = f.Label, ["labelEn"] = f.LabelEn, ["value"] = f.Value })]),
                ["checkOnlineAfter"] = s.CheckOnlineAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["sealedOn"] = s.SealedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            };
        }

        if (r.Certificate is { } c)
        {
            o["key"] = new JsonObject
            {
                ["subject"] = c.Subject,
                ["kid"] = Convert.ToHexString(SealKeyId.Of(c)),
                ["notBefore"] = c.NotBefore.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["notAfter"] = c.NotAfter.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["revokedAt"] = r.KeyRevokedAt?.ToString("O", CultureInfo.InvariantCulture),
            };
        }

        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
