using Signing.Pdf.Rendering;

namespace Signing.Pdf.Tests;

/// <summary>The longest realistic values: text wraps and flows, nothing leaves the Decree 30 margins.</summary>
public sealed class LayoutLimitsTests
{
    private const double Mm = 72 / 25.4;

    [Fact]
    public void Long_decision_flows_over_fifty_pages_and_every_word_stays_inside_the_margins()
    {
        var result = Samples.Render("quyet-dinh-dai");
        Assert.True(result.PageCount >= 50, $"{result.PageCount} pages");
        using var judge = new PdfJudge(result.Pdf);
        var words = judge.Words();
        Assert.Equal(result.PageCount, words.Max(w => w.Page) + 1);
        const double tolerance = 0.5;
        foreach (var w in words)
        {
            Assert.True(w.XMin >= 30 * Mm - tolerance && w.XMax <= 595 - 15 * Mm + tolerance, $"page {w.Page + 1}: \"{w.Text}\" x {w.XMin:0.0}-{w.XMax:0.0}");
            // Page numbers sit in the top margin (from page 2); everything else starts at the margin.
            var isPageNumber = w.Page > 0 && w.Text == (w.Page + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) && w.YMax < 20 * Mm;
            Assert.True(isPageNumber || w.YMin >= 20 * Mm - tolerance, $"page {w.Page + 1}: \"{w.Text}\" top {w.YMin:0.0}");
            Assert.True(w.YMax <= 842 - 20 * Mm + tolerance, $"page {w.Page + 1}: \"{w.Text}\" bottom {w.YMax:0.0}");
        }

        // Page numbers from page 2 only.
        Assert.DoesNotContain(words, w => w.Page == 0 && w.Text == "1" && w.YMax < 20 * Mm);
        for (var p = 1; p < result.PageCount; p++) Assert.Contains(words, w => w.Page == p && w.Text == (p + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) && w.YMax < 20 * Mm);
    }

    [Theory]
    [InlineData("quyet-dinh")]
    [InlineData("quyet-dinh-dai")]
    [InlineData("mau-01-tiep-nhan")]
    public void Signature_slots_are_on_the_signature_page_free_of_text_and_the_seal_overlaps_a_third(string sample)
    {
        var result = Samples.Render(sample);
        var head = result.HeadSlot;
        var seal = result.SealSlot;
        Assert.Equal(result.PageCount - 1, head.PageIndex);
        Assert.Equal(head.PageIndex, seal.PageIndex);
        Assert.Equal(head.Width / 3, seal.X + seal.Width - head.X, 1);
        foreach (var s in new[] { head, seal })
        {
            Assert.True(s.X >= 30 * Mm && s.X + s.Width <= 595 - 15 * Mm, $"slot x {s.X}-{s.X + s.Width}");
            Assert.True(s.Y >= 20 * Mm && s.Y + s.Height <= 842 - 20 * Mm, $"slot y {s.Y}-{s.Y + s.Height}");
        }

        // No word of the page may fall into the reserved rectangles (PDF y is bottom-up; pdftotext top-down).
        using var judge = new PdfJudge(result.Pdf);
        foreach (var w in judge.Words().Where(w => w.Page == head.PageIndex))
        {
            foreach (var s in new[] { head, seal })
            {
                var top = 842 - (s.Y + s.Height);
                var bottom = 842 - s.Y;
                var overlaps = w.XMax > s.X && w.XMin < s.X + s.Width && w.YMax > top && w.YMin < bottom;
                Assert.False(overlaps, $"\"{w.Text}\" lies in a signature slot");
            }
        }
    }

    [Fact]
    public void Place_and_date_use_leading_zeros_for_days_below_ten_and_months_one_and_two()
    {
        Assert.Equal("Lâm Đồng, ngày 05 tháng 3 năm 2024", DocumentLayout.PlaceAndDate("Lâm Đồng", new DateOnly(2024, 3, 5)));
        Assert.Equal("Đà Lạt, ngày 09 tháng 02 năm 2024", DocumentLayout.PlaceAndDate("Đà Lạt", new DateOnly(2024, 2, 9)));
        Assert.Equal("Đà Lạt, ngày 31 tháng 12 năm 2024", DocumentLayout.PlaceAndDate("Đà Lạt", new DateOnly(2024, 12, 31)));
        Assert.Equal("Đà Lạt, ngày 10 tháng 01 năm 2025", DocumentLayout.PlaceAndDate("Đà Lạt", new DateOnly(2025, 1, 10)));
    }
}
