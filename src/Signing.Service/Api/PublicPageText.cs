using Signing.Validation;

namespace Signing.Service.Api;

/// <summary>
/// The public page's own words (status labels, form, errors) in one table; the verification report's
/// sentences are in <see cref="ReportStrings"/>. Vietnamese first, English in brackets.
/// </summary>
internal static class PublicPageText
{
    public static readonly Bilingual Issued = new("Đang có hiệu lực", "issued");
    public static readonly Bilingual Revoked = new("Đã bị thu hồi", "revoked");
    public static readonly Bilingual Superseded = new("Đã được thay thế", "superseded");
    public const string ReasonPrefix = "Lý do: ";
    public const string ReplacedBy = "Thay thế bởi: ";
    public const string NumberWord = " số ";
    public const string TitlePrefix = "Tra cứu kết quả ";
    public const string Agency = "Cơ quan ban hành";
    public const string DocumentDate = "Ngày văn bản";
    public const string IssuedAt = "Thời điểm ban hành";
    public const string Code = "Mã tra cứu";
    public const string PagePrefix = "Trang ";

    public static readonly Bilingual CheckHeading = new("Kiểm tra một tệp PDF", "Check a PDF file");
    public static readonly Bilingual CheckExplain = new(
        "Tải lên tệp bạn nhận được để biết ai đã ký, ký lúc nào, có bị sửa sau khi ký không, và có đúng là kết quả đã ban hành không. Tệp chỉ được kiểm tra, không được lưu.",
        "Upload the file you received to see who signed it, when, whether it was changed after signing, and whether it is the issued result. The file is checked, not stored.");
    public static readonly Bilingual ChooseFile = new("Chọn tệp PDF", "choose the PDF");
    public static readonly Bilingual Submit = new("Kiểm tra", "check");
    public static readonly Bilingual ReportHeading = new("Kết quả kiểm tra tệp đã tải lên", "Result for the uploaded file");
    public static readonly Bilingual NoFile = new("Chưa chọn tệp PDF nào.", "No PDF file was chosen.");
    public static readonly Bilingual NotReadable = new("Không đọc được tệp này như một tệp PDF:", "This file cannot be read as a PDF:");
    public static readonly Bilingual TooLarge = new("Tệp quá lớn.", "The file is too large.");

    public const string NotFoundTitle = "Không tìm thấy kết quả";
    public static readonly Bilingual NotFoundHeading = new(NotFoundTitle, "not found");
    public const string NotFoundCodeBefore = "Mã tra cứu ";
    public const string NotFoundCodeAfter = " không khớp với kết quả nào đã ban hành.";
    public const string NotFoundHelp = "Hãy kiểm tra lại mã in trên văn bản (dạng XXXX-XXXX-XXX) hoặc quét lại mã QR; nếu vẫn không thấy, liên hệ cơ quan đã cấp văn bản.";
}
