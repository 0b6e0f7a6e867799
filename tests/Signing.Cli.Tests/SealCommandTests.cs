using System.Text.Json;
using Signing.Core.Keys;
using Signing.Testing;
using Signing.Testing.Seal;

namespace Signing.Cli.Tests;

/// <summary>`signing render --seal-key` on the dev token, then `signing seal verify` on the PDF, a photo and the text.</summary>
public sealed class SealCommandTests : IDisposable
{
    private const string SealKey = "pkcs11:token=signing-dev;object=seal-qr;type=private";
    private readonly string _dir = RepoPaths.NewTempDirectory("cli-seal");
    private readonly string _pdf;

    public SealCommandTests()
    {
        _pdf = Path.Combine(_dir, "giay-phep.pdf");
        var r = Cli.Run("render", Path.Combine(RepoPaths.Samples, "decisions", "giay-phep.json"), "-o", _pdf, "--seal-key", SealKey);
        Assert.True(r.ExitCode == 0, r.All);
    }

    [Fact]
    public void A_sealed_pdf_verifies_offline_with_the_fields_in_vietnamese_and_english()
    {
        var r = Cli.Run("seal", "verify", _pdf);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.StartsWith("XÁC THỰC / AUTHENTIC", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("Số, ký hiệu / Number and symbol: 87/GPXD", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("Được cấp cho / Issued to: Ông Nguyễn Hữu Thắng và Bà Lê Thị Ngọc Ánh", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("needs the online check", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_turned_noisy_jpeg_photo_verifies_as_json()
    {
        var png = Path.Combine(_dir, "page");
        ExternalTool.RunChecked("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", _pdf, png);
        var jpg = Path.Combine(_dir, "photo.jpg");
        ExternalTool.RunChecked("convert", png + ".png", "-seed", "7", "-rotate", "23", "-attenuate", "0.4", "+noise", "Gaussian", "-quality", "60", jpg);
        var r = Cli.Run("seal", "verify", jpg, "--json");
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal("Authentic", doc.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("000.20.30.H29-240201-0042", doc.RootElement.GetProperty("seal").GetProperty("dossierCode").GetString());

        // The code the clerk reads off another paper: this QR does not belong to it.
        var wrong = Cli.Run("seal", "verify", jpg, "--code", "3HBQ-14KX-72Y");
        Assert.Equal(3, wrong.ExitCode);
    }

    [Fact]
    public void Tampered_text_is_forged_and_a_key_outside_the_trusted_set_is_unknown()
    {
        var png = Path.Combine(_dir, "page");
        ExternalTool.RunChecked("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", _pdf, png);
        var text = ExternalTool.RunChecked("zbarimg", "--quiet", "--raw", png + ".png").StdOut.TrimEnd('\n');
        Assert.Equal(0, Cli.Run("seal", "verify", text).ExitCode);

        // One base64url character of the signature changed (the last four characters are all signature).
        var last = text[^2] == 'A' ? 'B' : 'A';
        var tampered = text[..^2] + last + text[^1];
        var file = Path.Combine(_dir, "qr.txt");
        File.WriteAllText(file, tampered);
        var forged = Cli.Run("seal", "verify", file);
        Assert.True(forged.ExitCode == 3, forged.All);
        Assert.StartsWith("GIẢ MẠO HOẶC BỊ SỬA / FORGED OR ALTERED", forged.StdOut, StringComparison.Ordinal);

        // Trusting only another agency's seal certificate: the dev seal key is unknown to it.
        using var pki = new SealPki();
        using var otherKey = SoftwareSignatureKey.CreateEcdsa();
        var other = Path.Combine(_dir, "other-seal.pem");
        File.WriteAllText(other, pki.Issue(otherKey, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)).ExportCertificatePem());
        var unknown = Cli.Run("seal", "verify", text, "--trust", other);
        Assert.True(unknown.ExitCode == 2, unknown.All);
    }

    [Fact]
    public void A_url_only_qr_or_a_trust_file_without_seal_certificates_is_a_one_line_error()
    {
        Cli.AssertOneLineError(Cli.Run("seal", "verify", "https://tracuu.example.gov.vn/v/ANHM-PQ3J-DV0"), 1, "holds only a URL");
        Cli.AssertOneLineError(Cli.Run("seal", "verify", _pdf, "--trust", Path.Combine(Cli.DevHome, "pki", "seal.pem")), 1, "printed-seal key purpose");
        var notImage = Path.Combine(_dir, "x.bin");
        File.WriteAllBytes(notImage, [0, 1, 2, 3, 0xFF]);
        Cli.AssertOneLineError(Cli.Run("seal", "verify", notImage), 1, "neither");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
