using Xunit;

namespace Signing.Testing;

/// <summary>Where the shared corpus of public attack samples is (beside the repository), or null.</summary>
public static class AttackCorpus
{
    public static string? Directory { get; } = new[] { "../shared/corpus/pdf-attacks", "../../shared/corpus/pdf-attacks" }
        .Select(p => Path.GetFullPath(Path.Combine(RepoPaths.Root, p)))
        .FirstOrDefault(System.IO.Directory.Exists);
}

/// <summary>Skipped, saying why, when the shared attack corpus is not next to the repository.</summary>
public sealed class AttackCorpusFactAttribute : FactAttribute
{
    public AttackCorpusFactAttribute()
    {
        if (AttackCorpus.Directory is null) Skip = "the attack corpus ../shared/corpus/pdf-attacks (relative to the repository root) is absent";
    }
}
