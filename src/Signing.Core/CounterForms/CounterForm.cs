namespace Signing.Core.CounterForms;

/// <summary>
/// The counter forms of Decree 61/2018/NĐ-CP (forms in Circular 01/2018/TT-VPCP; Decree 107/2021
/// kept them): what the one-stop counter hands the submitter about a dossier. Each kind renders
/// from its own built-in template.
/// </summary>
public enum CounterFormKind
{
    /// <summary>Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả (receipt with the return date).</summary>
    Receipt = 1,

    /// <summary>Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (request to complete the dossier).</summary>
    RequestToComplete = 2,

    /// <summary>Mẫu 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ (refusal).</summary>
    Refusal = 3,

    /// <summary>Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả (apology with the new date).</summary>
    Apology = 4,
}

public static class CounterFormKinds
{
    public static readonly IReadOnlyList<CounterFormKind> All =
        [CounterFormKind.Receipt, CounterFormKind.RequestToComplete, CounterFormKind.Refusal, CounterFormKind.Apology];

    /// <summary>"01".."04", the form's number in the circular and in URLs.</summary>
    public static string Number(this CounterFormKind kind) => ((int)kind).ToString("00", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The built-in template that draws the form.</summary>
    public static string Template(this CounterFormKind kind) => kind switch
    {
        CounterFormKind.Receipt => "mau-01-tiep-nhan",
        CounterFormKind.RequestToComplete => "mau-02-bo-sung",
        CounterFormKind.Refusal => "mau-03-tu-choi",
        CounterFormKind.Apology => "mau-04-xin-loi",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The form's title as printed.</summary>
    public static string Title(this CounterFormKind kind) => kind switch
    {
        CounterFormKind.Receipt => "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        CounterFormKind.RequestToComplete => "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        CounterFormKind.Refusal => "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        CounterFormKind.Apology => "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The symbol after the number ("Số: 12/TNHS").</summary>
    public static string Symbol(this CounterFormKind kind) => kind switch
    {
        CounterFormKind.Receipt => "TNHS",
        CounterFormKind.RequestToComplete => "BSHS",
        CounterFormKind.Refusal => "TCHS",
        CounterFormKind.Apology => "PXL",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Parses "01".."04" or "1".."4"; null otherwise.</summary>
    public static CounterFormKind? Parse(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 4
            ? (CounterFormKind)n : null;
}

/// <summary>One paper submitted with the dossier (Mẫu 01, "Thành phần hồ sơ").</summary>
/// <param name="Name">Tên loại giấy tờ.</param>
/// <param name="Form">Hình thức: bản chính, bản sao, bản sao chứng thực or bản chụp.</param>
/// <param name="Copies">Số lượng (how many copies of this paper).</param>
public sealed record DossierPaper(string Name, string Form, int Copies);

/// <summary>
/// What the counter officer enters for a form; which members a kind needs is checked by
/// <see cref="CounterFormValidator"/>. Times are Vietnam local times (UTC+07:00).
/// </summary>
public sealed record CounterFormRequest
{
    public CounterFormKind Kind { get; init; }

    public string DossierCode { get; init; } = "";

    public string? ParentAgency { get; init; }

    /// <summary>The receiving body (Bộ phận tiếp nhận và trả kết quả / Trung tâm Phục vụ hành chính công) or, for Mẫu 04, the late agency.</summary>
    public string Agency { get; init; } = "";

    /// <summary>Số of the form, digits.</summary>
    public string Number { get; init; } = "";

    public string Place { get; init; } = "";

    /// <summary>yyyy-MM-dd, the form's date.</summary>
    public string Date { get; init; } = "";

    public string ProcedureCode { get; init; } = "";

    /// <summary>Nội dung yêu cầu giải quyết (the procedure asked for).</summary>
    public string RequestContent { get; init; } = "";

    public string ApplicantName { get; init; } = "";

    public string? ApplicantAddress { get; init; }

    public string? ApplicantPhone { get; init; }

    public string? ApplicantEmail { get; init; }

    /// <summary>The officer (or for Mẫu 04 the head) who signs the paper.</summary>
    public string OfficerName { get; init; } = "";

    /// <summary>Mẫu 04: the head's title, e.g. "PHÓ GIÁM ĐỐC"; the others print "NGƯỜI TIẾP NHẬN HỒ SƠ" or "NGƯỜI HƯỚNG DẪN".</summary>
    public string? OfficerTitle { get; init; }

    /// <summary>Mẫu 04: authority line, e.g. "KT. GIÁM ĐỐC".</summary>
    public string? Authority { get; init; }

    /// <summary>Mẫu 01: the papers, one row each.</summary>
    public IReadOnlyList<DossierPaper> Papers { get; init; } = [];

    /// <summary>Mẫu 01: Số lượng hồ sơ (sets).</summary>
    public int Sets { get; init; } = 1;

    /// <summary>Mẫu 01: Thời gian giải quyết hồ sơ theo quy định (working days).</summary>
    public int ProcessingDays { get; init; }

    /// <summary>Mẫu 01, 02: when the dossier was received (yyyy-MM-ddTHH:mm, Vietnam time).</summary>
    public string? ReceivedAt { get; init; }

    /// <summary>Mẫu 01: the promised return time; Mẫu 04: the return time that was missed (yyyy-MM-ddTHH:mm).</summary>
    public string? ReturnAt { get; init; }

    /// <summary>Mẫu 04: the new return time (yyyy-MM-ddTHH:mm), after <see cref="ReturnAt"/>.</summary>
    public string? NewReturnAt { get; init; }

    /// <summary>Mẫu 01: Đăng ký nhận kết quả tại.</summary>
    public string? DeliveryPlace { get; init; }

    /// <summary>Mẫu 02: what to add or complete, one item each.</summary>
    public IReadOnlyList<string> Items { get; init; } = [];

    /// <summary>Mẫu 02, 03, 04: the reason.</summary>
    public string? Reason { get; init; }

    /// <summary>Mẫu 02: whom to call with questions (name and phone).</summary>
    public string? Contact { get; init; }
}

/// <summary>A form as the registry holds it.</summary>
public sealed record CounterFormRecord
{
    public required Guid Id { get; init; }

    public required CounterFormKind Kind { get; init; }

    public required string DossierCode { get; init; }

    /// <summary>"12/TNHS".</summary>
    public required string Number { get; init; }

    public required string ApplicantName { get; init; }

    /// <summary>Mẫu 01: the promised return time; Mẫu 04: the new one; otherwise null.</summary>
    public DateTimeOffset? DueUtc { get; init; }

    public required string PdfSha256 { get; init; }

    public required string Actor { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The request as filled in (<see cref="CounterFormJson"/>).</summary>
    public required string RequestJson { get; init; }
}

/// <summary>What the issuing use case hands the registry: the record's facts plus the rendered PDF.</summary>
public sealed record NewCounterForm
{
    public required CounterFormKind Kind { get; init; }

    public required string DossierCode { get; init; }

    public required string Number { get; init; }

    public required string ApplicantName { get; init; }

    public DateTimeOffset? DueUtc { get; init; }

    /// <summary>The request as filled in (<see cref="CounterFormJson"/>).</summary>
    public required string RequestJson { get; init; }

#pragma warning disable CA1819 // Handed straight to the blob store.
    public required byte[] Pdf { get; init; }
#pragma warning restore CA1819
}

/// <summary>A dossier past its promised return date with no issued result, refusal or newer promise.</summary>
/// <param name="DossierCode">The dossier.</param>
/// <param name="ApplicantName">From the form that made the promise.</param>
/// <param name="DueUtc">The promised return time that passed.</param>
/// <param name="PromisedBy">The form that made the promise (Mẫu 01 or an earlier Mẫu 04).</param>
public sealed record LateDossier(string DossierCode, string ApplicantName, DateTimeOffset DueUtc, CounterFormRecord PromisedBy);

/// <summary>The forms part of the registry. Each issue is one transaction with one audit record.</summary>
public interface ICounterFormRegistry
{
    /// <summary>
    /// Stores the PDF and the form row. A repeat with the same key and hash returns the first
    /// form (Created false); the same key with another hash throws <see cref="Documents.IdempotencyConflictException"/>.
    /// </summary>
    Task<(CounterFormRecord Form, bool Created)> IssueAsync(NewCounterForm form, string idempotencyKey, string requestHash, string actor, CancellationToken cancellationToken = default);

    Task<CounterFormRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The dossier's forms, oldest first.</summary>
    Task<IReadOnlyList<CounterFormRecord>> ListByDossierAsync(string dossierCode, CancellationToken cancellationToken = default);

    /// <summary>
    /// Dossiers whose latest promise (Mẫu 01 or 04) is before <paramref name="now"/>, that were not
    /// refused (Mẫu 03) and whose documents include no issued, revoked or superseded result; most overdue first.
    /// </summary>
    Task<IReadOnlyList<LateDossier>> ListLateAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);
}
