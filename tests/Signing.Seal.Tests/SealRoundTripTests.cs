using Signing.Core.Decisions;
using Signing.Pdf.Rendering;
using Signing.Testing;

namespace Signing.Seal.Tests;

/// <summary>
/// Render and seal on the token, print (pdftoppm at 150 dpi, as a 300 dpi print scanned at 150),
/// photograph (ImageMagick: turn, blur, noise, JPEG), decode with ZXing and verify; zbarimg, an
/// outside decoder, must read the same text from the same image.
/// </summary>
public sealed class SealRoundTripTests(SealTokenFixture fx) : IClassFixture<SealTokenFixture>, IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("seal-roundtrip");

    public static readonly TheoryData<string, string> Photos = new()
    {
        { "giay-phep", "-rotate 17 -quality 60" },
        { "giay-phep", "-rotate 200 -quality 60" },
        { "quyet-dinh", "-seed 7 -rotate 7 -attenuate 0.5 +noise Gaussian -quality 60" },
        { "mau-01-tiep-nhan", "-rotate 271 -blur 0x0.5 -quality 60" },
        { "mau-04-xin-loi", "-seed 7 -rotate 90 -blur 0x0.7 -attenuate 0.3 +noise Gaussian -quality 70" },
    };

    [Theory]
    [MemberData(nameof(Photos))]
    public void A_photographed_print_verifies_and_zbar_reads_the_same_qr(string template, string distortion)
    {
        var decision = DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", template + ".json"));
        var rendered = ResultRenderer.Render(decision, new RenderOptions { Seal = fx.Signer });
        Assert.NotNull(rendered.Seal);
        var pdf = Path.Combine(_dir, template + ".pdf");
        File.WriteAllBytes(pdf, rendered.Pdf);
        ExternalTool.RunChecked("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", pdf, Path.Combine(_dir, template));
        var photo = Path.Combine(_dir, template + "-photo.jpg");
        ExternalTool.RunChecked("convert", [Path.Combine(_dir, template + ".png"), .. distortion.Split(' '), photo]);

        var text = QrImageReader.ReadFile(File.ReadAllBytes(photo));
        Assert.Equal(rendered.QrText, text);
        var r = SealVerifier.Verify(text!, fx.Trusted(), printedCode: rendered.VerificationCode);
        Assert.True(r.Verdict == SealVerdict.Authentic, r.Reason);
        Assert.Equal(decision.Number, r.Seal!.Number);
        Assert.Equal(decision.DossierCode, r.Seal.DossierCode);
        Assert.Equal(rendered.Seal.KeyFields, r.Seal.KeyFields);

        var zbar = ExternalTool.RunChecked("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", photo);
        Assert.Equal(rendered.QrText, zbar.StdOut.TrimEnd('\n'));
    }

    [Fact]
    public void Without_a_seal_signer_the_qr_holds_only_the_url()
    {
        var rendered = ResultRenderer.Render(DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", "giay-phep.json")), new RenderOptions());
        Assert.Null(rendered.Seal);
        Assert.Equal(rendered.VerificationUrl.AbsoluteUri, rendered.QrText);
    }

    [Fact]
    public void A_decision_without_a_key_field_its_template_names_is_refused_before_signing()
    {
        var decision = DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", "giay-phep.json"));
        decision = decision with { Fields = [.. decision.Fields.Where(f => f.Key != "area")] };
        var ex = Assert.Throws<DecisionValidationException>(() => ResultRenderer.Render(decision, new RenderOptions { Seal = fx.Signer }));
        Assert.Contains(ex.Errors, e => e.Field == "fields" && e.Message.Contains("area", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
