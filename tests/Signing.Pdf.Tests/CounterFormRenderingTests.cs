using System.Text;
using Signing.Core.CounterForms;
using Signing.Pdf.Rendering;
using Signing.Pdf.Templates;
using Signing.Testing;
using Signing.Testing.CounterForms;

namespace Signing.Pdf.Tests;

/// <summary>The counter forms as the service renders them (no verification footer), judged by qpdf, poppler and pikepdf.</summary>
public sealed class CounterFormRenderingTests
{
    public static TheoryData<CounterFormKind> Kinds => new(CounterFormKinds.All);

    private static RenderedResult Render(CounterFormKind kind) =>
        ResultRenderer.Render(CounterFormValidator.ToDecision(CounterFormSamples.Valid(kind)), Samples.Options() with { VerificationFooter = false });

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_form_is_pdfa_3b_with_embedded_unicode_fonts_and_passes_qpdf(CounterFormKind kind)
    {
        using var judge = new PdfJudge(Render(kind).Pdf);
        var check = ExternalTool.Run("qpdf", "--check", judge.Path);
        Assert.True(check.ExitCode == 0, check.All);
        Assert.DoesNotContain("WARNING", check.All, StringComparison.Ordinal);
        var fonts = ExternalTool.RunChecked("pdffonts", judge.Path).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).ToList();
        Assert.NotEmpty(fonts);
        Assert.All(fonts, line => Assert.Matches(@"^[A-Z]{6}\+Liberation Serif\S*\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s", line));
        Pikepdf.AssertPdfA3b(judge.Path);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pdftotext_reads_every_printed_text_with_its_diacritics_and_no_qr_footer(CounterFormKind kind)
    {
        var result = Render(kind);
        using var judge = new PdfJudge(result.Pdf);
        var text = judge.Text();
        Assert.True(text.IsNormalized(NormalizationForm.FormC));
        Assert.DoesNotContain("Mã xác minh", text, StringComparison.Ordinal);
        var missing = RenderedResultTests.ExpectedTexts(result.Decision, TemplateCatalog.BuiltIn[kind.Template()])
            .Select(PdfJudge.Collapse)
            .Where(s => !text.Contains(s, StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, "pdftotext lacks: " + string.Join(" | ", missing));
        Assert.Contains($"Mẫu số {kind.Number()}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_receipt_has_the_submitters_signature_block_beside_the_officers()
    {
        using var judge = new PdfJudge(Render(CounterFormKind.Receipt).Pdf);
        var text = judge.Text();
        Assert.Contains("NGƯỜI NỘP HỒ SƠ", text, StringComparison.Ordinal);
        Assert.Contains("NGƯỜI TIẾP NHẬN HỒ SƠ", text, StringComparison.Ordinal);
        Assert.Contains("(Ký và ghi rõ họ tên)", text, StringComparison.Ordinal);
        Assert.Contains("Giấy chứng nhận quyền sử dụng đất", text, StringComparison.Ordinal);
        Assert.Contains("Bản sao chứng thực", text, StringComparison.Ordinal);
        Assert.Contains("5. Thời gian trả kết quả giải quyết hồ sơ: 14 giờ 00 phút, ngày 29/01/2024.", text, StringComparison.Ordinal);
    }
}
