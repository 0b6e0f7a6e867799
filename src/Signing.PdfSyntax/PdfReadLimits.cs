namespace Signing.PdfSyntax;

/// <summary>
/// Every bound the PDF reader enforces on untrusted input, in one place. Exceeding one is a
/// <see cref="PdfFormatException"/> (a one-line <see cref="Signing.Core.SigningException"/>),
/// never a crash, a hang or an unbounded allocation.
/// </summary>
public sealed record PdfReadLimits
{
    /// <summary>Largest file accepted.</summary>
    public long MaxFileBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Highest object count a cross-reference section or object stream may declare.</summary>
    public int MaxObjects { get; init; } = 1_000_000;

    /// <summary>Most cross-reference sections (incremental revisions) in one file.</summary>
    public int MaxRevisions { get; init; } = 200;

    /// <summary>Deepest nesting of arrays and dictionaries inside one object.</summary>
    public int MaxNestingDepth { get; init; } = 64;

    /// <summary>Largest raw (encoded) stream a structural read will touch.</summary>
    public int MaxStreamBytes { get; init; } = 256 * 1024 * 1024;

    /// <summary>Largest decoded stream (xref streams, object streams).</summary>
    public int MaxDecodedStreamBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Decoded bytes per encoded byte above which a stream is treated as a decompression bomb.</summary>
    public int MaxDecompressionRatio { get; init; } = 200;

    /// <summary>Decoded size under which the ratio is not checked (tiny, highly repetitive streams are normal).</summary>
    public int DecompressionRatioFloorBytes { get; init; } = 1024 * 1024;

    /// <summary>Most indirect references followed in a row, and most object loads nested inside one another.</summary>
    public int MaxReferenceChainDepth { get; init; } = 32;

    /// <summary>Budget for reading and verifying one file: the reading thread's CPU time on Linux, wall-clock time elsewhere (<see cref="ReadClock"/>).</summary>
    public TimeSpan MaxParseTime { get; init; } = TimeSpan.FromSeconds(5);

    public static PdfReadLimits Default { get; } = new();
}
