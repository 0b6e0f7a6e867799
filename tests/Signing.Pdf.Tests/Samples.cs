using Signing.Core.Decisions;
using Signing.Pdf.Rendering;
using Signing.Testing;

namespace Signing.Pdf.Tests;

internal static class Samples
{
    public static readonly string[] Templates = ["quyet-dinh", "giay-phep", "mau-01-tiep-nhan", "mau-02-bo-sung", "mau-03-tu-choi", "mau-04-xin-loi"];

    public static readonly DateTimeOffset IssuedAt = new(2024, 3, 5, 9, 0, 0, TimeSpan.FromHours(7));

    public static Decision Load(string name) => DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", name + ".json"));

    public static RenderOptions Options(DateTimeOffset? at = null) => new() { Clock = new FixedClock(at ?? IssuedAt) };

    public static RenderedResult Render(string name) => ResultRenderer.Render(Load(name), Options());
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
}
