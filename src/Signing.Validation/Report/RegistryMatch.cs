using System.Text.Json.Serialization;
using Signing.PdfSyntax;

namespace Signing.Validation;

/// <summary>How an uploaded file relates to the result the registry issued under its code.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RegistryMatchKind>))]
public enum RegistryMatchKind
{
    /// <summary>Byte for byte the issued file.</summary>
    [JsonStringEnumMemberName("identical")]
    Identical,

    /// <summary>The issued file is a byte prefix, and the verifier found no disallowed change in any revision after it.</summary>
    [JsonStringEnumMemberName("extends")]
    Extends,

    /// <summary>Anything else: not the issued result, whatever its signatures say.</summary>
    [JsonStringEnumMemberName("none")]
    None,
}

/// <summary>The registered result an upload was compared with (public facts only).</summary>
public sealed record IssuedResult
{
    public required string VerificationCode { get; init; }

    /// <summary>issued, revoked or superseded.</summary>
    public required string Status { get; init; }

    public string? Reason { get; init; }

    public string? ReplacedBy { get; init; }

    public string? IssuingAgency { get; init; }

    public string? DocumentType { get; init; }

    public string? Number { get; init; }

    public string? Date { get; init; }

    public DateTimeOffset? IssuedUtc { get; init; }

    /// <summary>SHA-256 of the issued file.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Where anyone with the code downloads the issued original.</summary>
    public required string OriginalUrl { get; init; }

    /// <summary>The page previews of the issued original (paths on the public site).</summary>
    public IReadOnlyList<string> Pages { get; init; } = [];
}

/// <summary>The registry part of a report; null in a report made without a registry (the CLI).</summary>
public sealed record RegistryMatch(RegistryMatchKind Match, IssuedResult? Issued)
{
    /// <summary>
    /// Compares an upload with the issued file. "extends" needs more than a prefix: the report of
    /// the upload must hold no disallowed change after the issued revisions, so an appended page
    /// or a replaced object behind the issued bytes is no match.
    /// </summary>
    public static RegistryMatchKind Compare(ReadOnlySpan<byte> upload, byte[] issued, VerificationReport report)
    {
        ArgumentNullException.ThrowIfNull(issued);
        ArgumentNullException.ThrowIfNull(report);
        if (upload.SequenceEqual(issued)) return RegistryMatchKind.Identical;
        if (upload.Length <= issued.Length || !upload[..issued.Length].SequenceEqual(issued)) return RegistryMatchKind.None;
        // Our own issued file, so its revisions are read with the default limits.
        var issuedRevisions = RevisionHistory.Read(PdfFile.Parse(issued)).Count;
        return report.Modifications.All(m => m.Revision <= issuedRevisions) && report.Signatures.All(s => s.Modifications.All(m => m.Revision <= issuedRevisions))
            ? RegistryMatchKind.Extends
            : RegistryMatchKind.None;
    }
}
