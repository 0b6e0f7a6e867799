using System.Text.Json.Serialization;

namespace Signing.Validation;

/// <summary>
/// The one answer about a whole file, the field a consumer reads first: FAILED if any signature
/// failed or any disallowed change was found; PASSED only if there is at least one signature and
/// every one passed; INDETERMINATE otherwise (see docs/verification-report.md).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    PASSED,
    FAILED,
    INDETERMINATE,
}

public static class Verdicts
{
    public static Verdict Of(IReadOnlyCollection<SignatureVerification> signatures, IReadOnlyCollection<Modification> modifications)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        ArgumentNullException.ThrowIfNull(modifications);
        if (modifications.Count > 0 || signatures.Any(s => s.Indication == Indication.TOTAL_FAILED)) return Verdict.FAILED;
        return signatures.Count > 0 && signatures.All(s => s.Indication == Indication.TOTAL_PASSED) ? Verdict.PASSED : Verdict.INDETERMINATE;
    }

    /// <summary>The exit code of `signing verify` (1, a file too damaged to read, is decided before there is a verdict).</summary>
    public static int ExitCode(this Verdict verdict) => verdict switch
    {
        Verdict.PASSED => 0,
        Verdict.INDETERMINATE => 2,
        _ => 3,
    };
}
