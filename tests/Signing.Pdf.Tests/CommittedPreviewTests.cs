using Signing.Testing;

namespace Signing.Pdf.Tests;

/// <summary>
/// Renders stay pixel-identical across library upgrades: each sample, rasterised by poppler at the
/// resolution of samples/previews (regenerate.sh), gives exactly the committed pages.
/// </summary>
public sealed class CommittedPreviewTests
{
    public static TheoryData<string> TemplateNames => new(Samples.Templates);

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void Rendered_pages_equal_the_committed_previews_pixel_for_pixel(string template)
    {
        var dir = RepoPaths.NewTempDirectory("previews");
        try
        {
            var pdf = Path.Combine(dir, template + ".pdf");
            File.WriteAllBytes(pdf, Samples.Render(template).Pdf);
            ExternalTool.RunChecked("pdftoppm", "-png", "-r", "60", pdf, Path.Combine(dir, template));

            var committed = Directory.GetFiles(Path.Combine(RepoPaths.Samples, "previews"), template + "-*.png").Order(StringComparer.Ordinal).ToList();
            var rendered = Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(committed);
            Assert.Equal(committed.Select(Path.GetFileName), rendered.Select(Path.GetFileName));
            foreach (var (expected, actual) in committed.Zip(rendered))
            {
                // Same poppler, same pixels, same PNG bytes: a byte difference is a pixel difference.
                Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{Path.GetFileName(actual)} differs from samples/previews");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
