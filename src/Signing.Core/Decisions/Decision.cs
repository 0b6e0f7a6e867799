namespace Signing.Core.Decisions;

/// <summary>
/// An approved decision (or other result of an administrative procedure) as the one-stop system
/// sends it for rendering. Field names follow Decree 30/2020 Appendix I; see docs/rendering.md for
/// the JSON schema. All text is expected in NFC; <see cref="DecisionValidator"/> normalises it.
/// </summary>
public sealed record Decision
{
    /// <summary>Version of the JSON schema; only 1 exists.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>Template id, e.g. "quyet-dinh", "giay-phep", "mau-01-tiep-nhan", "mau-04-xin-loi".</summary>
    public string Template { get; init; } = "";

    /// <summary>Parent agency (cơ quan chủ quản), uppercase; optional (a provincial People's Committee has none).</summary>
    public string? ParentAgency { get; init; }

    /// <summary>Issuing agency (cơ quan ban hành), uppercase.</summary>
    public string IssuingAgency { get; init; } = "";

    /// <summary>Number (số), e.g. "125".</summary>
    public string Number { get; init; } = "";

    /// <summary>Symbol (ký hiệu), e.g. "QĐ-UBND".</summary>
    public string Symbol { get; init; } = "";

    /// <summary>Place name printed before the date, e.g. "Lâm Đồng" or "Đà Lạt".</summary>
    public string Place { get; init; } = "";

    /// <summary>Date of issue, ISO 8601 calendar date (yyyy-MM-dd).</summary>
    public string Date { get; init; } = "";

    /// <summary>Document type in uppercase, e.g. "QUYẾT ĐỊNH", "GIẤY PHÉP XÂY DỰNG".</summary>
    public string DocumentType { get; init; } = "";

    /// <summary>Summary line (trích yếu), e.g. "Về việc cấp giấy phép xây dựng".</summary>
    public string? Summary { get; init; }

    /// <summary>Body blocks in reading order.</summary>
    public IReadOnlyList<BodyBlock> Body { get; init; } = [];

    /// <summary>Label/value rows shown in a table (certificates, receipts); keys let templates refer to them.</summary>
    public IReadOnlyList<DecisionField> Fields { get; init; } = [];

    /// <summary>Authority lines above the signer's title, e.g. "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH".</summary>
    public IReadOnlyList<string> Authority { get; init; } = [];

    /// <summary>Signer's title, e.g. "PHÓ CHỦ TỊCH".</summary>
    public string SignerTitle { get; init; } = "";

    /// <summary>Signer's full name.</summary>
    public string SignerName { get; init; } = "";

    /// <summary>Recipients (Nơi nhận), one line each, e.g. "- Như Điều 3;".</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];

    /// <summary>Dossier code (mã hồ sơ), e.g. "000.00.15.H29-240305-0001".</summary>
    public string DossierCode { get; init; } = "";

    /// <summary>Administrative procedure code (mã thủ tục hành chính), e.g. "1.009794".</summary>
    public string ProcedureCode { get; init; } = "";

    /// <summary>The person or organisation that filed the dossier.</summary>
    public Applicant Applicant { get; init; } = new();

    /// <summary>Reference (relative path or storage key) of the signer's handwritten-signature PNG, placed when signing.</summary>
    public string? SignatureImage { get; init; }

    /// <summary>Reference of the agency seal PNG, placed when sealing.</summary>
    public string? SealImage { get; init; }
}

/// <summary>The applicant (người nộp hồ sơ / tổ chức, cá nhân).</summary>
public sealed record Applicant
{
    public string Name { get; init; } = "";

    public string? Address { get; init; }

    /// <summary>Citizen identity number or business registration number.</summary>
    public string? IdNumber { get; init; }

    public string? Phone { get; init; }

    public string? Email { get; init; }
}

/// <summary>One label/value row, e.g. { key: "returnDate", label: "Ngày hẹn trả kết quả", value: "..." }.</summary>
public sealed record DecisionField
{
    public string? Key { get; init; }

    public string Label { get; init; } = "";

    public string Value { get; init; } = "";
}

/// <summary>
/// One block of the body. <see cref="Kind"/> is "paragraph" (justified, first-line indent),
/// "heading" (bold, centred, e.g. "QUYẾT ĐỊNH:"), "article" ("Điều {Number}." in bold then Text)
/// or "table" (Columns header + Rows).
/// </summary>
public sealed record BodyBlock
{
    public string Kind { get; init; } = "";

    public string? Text { get; init; }

    /// <summary>Article number for "article" blocks (1 → "Điều 1.").</summary>
    public int? Number { get; init; }

    /// <summary>Article title printed in bold after "Điều n." (optional).</summary>
    public string? Title { get; init; }

    /// <summary>Italic paragraph (used for the legal bases, "Căn cứ ...").</summary>
    public bool Italic { get; init; }

    public IReadOnlyList<string>? Columns { get; init; }

    public IReadOnlyList<IReadOnlyList<string>>? Rows { get; init; }
}
