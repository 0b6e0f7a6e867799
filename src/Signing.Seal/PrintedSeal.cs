namespace Signing.Seal;

/// <summary>
/// The key data of one printed result that its QR code signs (docs/printed-seal.md): who issued
/// it, which template, number and symbol, date, dossier code, verification code, the key fields
/// the template names, and when the holder should check online whether it is still in force.
/// </summary>
public sealed record PrintedSeal
{
    /// <summary>Version of the payload format; only 1 exists.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The issuing agency's identifier (configured, e.g. its code in the national agency list).</summary>
    public required string AgencyId { get; init; }

    /// <summary>The issuing agency's name as printed, e.g. "SỞ XÂY DỰNG".</summary>
    public required string AgencyName { get; init; }

    /// <summary>Template id, e.g. "giay-phep".</summary>
    public required string Template { get; init; }

    /// <summary>Number (số), e.g. "87".</summary>
    public required string Number { get; init; }

    /// <summary>Symbol (ký hiệu), e.g. "GPXD".</summary>
    public required string Symbol { get; init; }

    /// <summary>Date of issue.</summary>
    public required DateOnly IssuedOn { get; init; }

    /// <summary>Dossier code (mã hồ sơ).</summary>
    public required string DossierCode { get; init; }

    /// <summary>The verification code printed on page 1, as XXXX-XXXX-XXX.</summary>
    public required string VerificationCode { get; init; }

    /// <summary>The key fields the template names, in the template's order.</summary>
    public IReadOnlyList<SealKeyField> KeyFields { get; init; } = [];

    /// <summary>
    /// From this date on, a verifier should tell the holder to check online whether the result is
    /// still in force (the seal proves what was issued, not that it was never revoked or superseded).
    /// </summary>
    public required DateOnly CheckOnlineAfter { get; init; }

    /// <summary>The day (Vietnam time) the seal was signed; it must fall within the seal certificate's validity.</summary>
    public required DateOnly SealedOn { get; init; }
}

/// <summary>One key field: its Vietnamese label, an optional English label, and the value as printed.</summary>
public sealed record SealKeyField(string Label, string? LabelEn, string Value);
