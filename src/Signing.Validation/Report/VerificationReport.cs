using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Signing.PdfSyntax;

namespace Signing.Validation;

/// <summary>ETSI EN 319 102-1 main indications.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Indication>))]
public enum Indication
{
    TOTAL_PASSED,
    INDETERMINATE,
    TOTAL_FAILED,
}

/// <summary>What changed in the file after a signature's revision.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LaterChangesAssessment>))]
public enum LaterChangesAssessment
{
    /// <summary>The signature covers the whole file.</summary>
    NONE,

    /// <summary>Later revisions only make changes the allow-list permits (later signatures, see docs/verification-report.md).</summary>
    SIGNATURES_ONLY,

    /// <summary>A later revision makes a change the allow-list does not permit; the signature fails (see <see cref="SignatureVerification.Modifications"/>).</summary>
    DISALLOWED_CHANGES,
}

public sealed record ByteRangeCheck(long[] Values, bool Ok, string? Problem);

public sealed record ChainCheck(bool Trusted, string Status, IReadOnlyList<string> Certificates);

public sealed record TimestampCheck(
    bool Present,
    bool Valid,
    DateTimeOffset? Time,
    bool ImprintOk,
    string? TsaSubject,
    bool TsaChainTrusted,
    string? Problem);

public sealed record LaterChanges(int LaterRevisions, LaterChangesAssessment Assessment, IReadOnlyList<string> Details);

/// <summary>What a signature field holds: a signature, or an RFC 3161 document timestamp (ETSI.RFC3161).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SignatureKind>))]
public enum SignatureKind
{
    SIGNATURE,

    /// <summary>A TimeStampToken over the ByteRange: proves when the covered revision existed and names no signer (the TSA is in <see cref="SignatureVerification.Timestamp"/>).</summary>
    DOCUMENT_TIMESTAMP,
}

/// <summary>The verdict on one signature.</summary>
public sealed record SignatureVerification
{
    public required string FieldName { get; init; }

    public SignatureKind Kind { get; init; } = SignatureKind.SIGNATURE;

    public string? SubFilter { get; init; }

    /// <summary>/M as written (a claim, not proof).</summary>
    public string? ClaimedSigningTime { get; init; }

    public string? SignerSubject { get; init; }

    public string? SignerIssuer { get; init; }

    public string? SignerSerial { get; init; }

    public required ByteRangeCheck ByteRange { get; init; }

    public bool DigestOk { get; init; }

    public bool SignatureOk { get; init; }

    public bool SigningCertificateV2Ok { get; init; }

    public ChainCheck? Chain { get; init; }

    public required TimestampCheck Timestamp { get; init; }

    /// <summary>1-based revision of the file this signature covers.</summary>
    public int Revision { get; init; }

    public bool CoversWholeDocument { get; init; }

    public required LaterChanges LaterChanges { get; init; }

    /// <summary>Each change after this signature's revision that the allow-list does not permit; any entry fails the signature.</summary>
    public IReadOnlyList<Modification> Modifications { get; init; } = [];

    /// <summary>"B-B", "B-T", "B-LT" (the revocation data came from the file) or "B-LTA" (and a valid document timestamp follows) when the structure fits the PAdES baseline.</summary>
    public string? PadesLevel { get; init; }

    public Indication Indication { get; init; }

    /// <summary>ETSI EN 319 102-1 sub-indication, e.g. HASH_FAILURE, SIG_CRYPTO_FAILURE, NO_CERTIFICATE_CHAIN_FOUND.</summary>
    public string? SubIndication { get; init; }

    public IReadOnlyList<string> Messages { get; init; } = [];
}

/// <summary>The verdict on a file: one entry per signature plus the file facts. See docs/verification-report.md.</summary>
public sealed record VerificationReport
{
    public const int CurrentSchemaVersion = 3;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required long FileLength { get; init; }

    public required string FileSha256 { get; init; }

    public required int Revisions { get; init; }

    public required DateTimeOffset ValidationTime { get; init; }

    /// <summary>The document's answer (<see cref="Verdicts.Of"/>); `signing verify` exits by it.</summary>
    public required Verdict Verdict { get; init; }

    /// <summary>The verdict in ETSI words, for callers written before <see cref="Verdict"/>; not serialized, so the JSON has one answer.</summary>
    [JsonIgnore]
    public Indication Indication => Verdict switch
    {
        Verdict.PASSED => Indication.TOTAL_PASSED,
        Verdict.FAILED => Indication.TOTAL_FAILED,
        _ => Indication.INDETERMINATE,
    };

    public required IReadOnlyList<SignatureVerification> Signatures { get; init; }

    /// <summary>Every disallowed change found in the file's later revisions and revision structure, oldest revision first.</summary>
    public IReadOnlyList<Modification> Modifications { get; init; } = [];

    /// <summary>The registry comparison, when the verifier ran with a registry (the service); null otherwise.</summary>
    public RegistryMatch? Registry { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The machine report: the one serialization the CLI's --json and the service's API share.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static VerificationReport FromJson(string json) =>
        JsonSerializer.Deserialize<VerificationReport>(json, JsonOptions) ?? throw new JsonException("empty report");

    /// <summary>The report for people (Vietnamese first, with English), then the technical details.</summary>
    public string ToText() => PeopleReport.From(this).ToText() + "\n" + TechnicalText();

    private string TechnicalText()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"{ReportStrings.TechnicalDetails.Vi} ({ReportStrings.TechnicalDetails.En})\n");
        sb.Append(inv, $"File: {FileLength} bytes, SHA-256 {FileSha256}, {Revisions} revision(s)\n");
        sb.Append(inv, $"Verdict: {Verdict} ({Signatures.Count} signature(s), {Modifications.Count} disallowed modification(s), validated at {ValidationTime:yyyy-MM-dd HH:mm:ss zzz})\n");
        foreach (var m in Modifications) sb.Append(inv, $"  Modification: revision {m.Revision}{(m.ObjectNumber is { } o ? $", object {o}" : "")}: {m.Kind}: {m.Detail}\n");
        var i = 0;
        foreach (var s in Signatures)
        {
            sb.Append(inv, $"\nSignature #{++i} \"{s.FieldName}\": {s.Indication}{(s.SubIndication is null ? "" : " / " + s.SubIndication)}\n");
            sb.Append(inv, $"  Signer:         {s.SignerSubject ?? "(unknown)"}\n");
            sb.Append(inv, $"  Issuer:         {s.SignerIssuer ?? "(unknown)"}\n");
            sb.Append(inv, $"  Level:          {s.PadesLevel ?? "-"}; claimed time {s.ClaimedSigningTime ?? "-"}\n");
            sb.Append(inv, $"  ByteRange:      {(s.ByteRange.Ok ? "ok" : "BAD: " + s.ByteRange.Problem)} [{string.Join(' ', s.ByteRange.Values)}]\n");
            sb.Append(inv, $"  Digest:         {(s.DigestOk ? "ok" : "MISMATCH")}\n");
            sb.Append(inv, $"  Signature:      {(s.SignatureOk ? "ok" : "INVALID")}\n");
            sb.Append(inv, $"  Signing cert:   {(s.SigningCertificateV2Ok ? "ok (signing-certificate-v2)" : "NOT BOUND")}\n");
            sb.Append(inv, $"  Chain:          {(s.Chain is null ? "-" : (s.Chain.Trusted ? "trusted" : "NOT TRUSTED: " + s.Chain.Status))}\n");
            var t = s.Timestamp;
            sb.Append(inv, $"  Timestamp:      {(!t.Present ? "none" : t.Valid ? $"valid, {t.Time:yyyy-MM-dd HH:mm:ss zzz}, TSA {t.TsaSubject}" : "INVALID: " + t.Problem)}\n");
            sb.Append(inv, $"  Coverage:       revision {s.Revision} of {Revisions}; {(s.CoversWholeDocument ? "whole document" : $"{s.LaterChanges.LaterRevisions} later revision(s): {s.LaterChanges.Assessment}")}\n");
            foreach (var d in s.LaterChanges.Details) sb.Append(inv, $"    - {d}\n");
            foreach (var m in s.Modifications) sb.Append(inv, $"  Modification:   revision {m.Revision}{(m.ObjectNumber is { } n ? $", object {n}" : "")}: {m.Kind}: {m.Detail}\n");
            foreach (var m in s.Messages) sb.Append(inv, $"  Note: {m}\n");
        }

        return sb.ToString();
    }
}
