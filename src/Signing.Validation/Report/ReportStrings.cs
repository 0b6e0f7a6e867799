using System.Globalization;

namespace Signing.Validation;

/// <summary>A sentence in Vietnamese, the language of the reader, with its English translation.</summary>
public sealed record Bilingual(string Vi, string En)
{
    /// <summary>Fills {0}, {1}... in both languages (invariant formatting: numbers and dates are written out by the caller).</summary>
    public Bilingual Format(params object?[] args) =>
        new(string.Format(CultureInfo.InvariantCulture, Vi, args), string.Format(CultureInfo.InvariantCulture, En, args));

    /// <summary>Fills {0} with a sentence part in the matching language.</summary>
    public Bilingual With(Bilingual part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return new(string.Format(CultureInfo.InvariantCulture, Vi, part.Vi), string.Format(CultureInfo.InvariantCulture, En, part.En));
    }

    public override string ToString() => $"{Vi} ({En})";
}

/// <summary>
/// Every sentence of the report for people, in one table, so a translation or a legal review
/// reads one file. The service's page adds only its own form labels (PublicPageText).
/// </summary>
public static class ReportStrings
{
    public static readonly Bilingual Title = new("Kết quả kiểm tra chữ ký số", "Digital signature verification");
    public static readonly Bilingual TechnicalDetails = new("Chi tiết kỹ thuật", "technical details");

    public static readonly Bilingual VerdictPassed = new(
        "HỢP LỆ: mọi chữ ký số đều đúng, chứng thư số tin cậy, và tài liệu không bị thay đổi sau khi ký.",
        "VALID: every signature is correct, its certificate is trusted, and the document was not changed after signing.");
    public static readonly Bilingual VerdictFailed = new(
        "KHÔNG HỢP LỆ: chữ ký số sai hoặc tài liệu đã bị thay đổi sau khi ký. Nội dung đang hiển thị không phải nội dung đã được ký.",
        "NOT VALID: a signature is wrong or the document was changed after signing. What is shown is not what was signed.");
    public static readonly Bilingual VerdictIndeterminate = new(
        "CHƯA KẾT LUẬN ĐƯỢC: không phát hiện thay đổi trái phép, nhưng chưa thể xác nhận mọi chữ ký (xem từng chữ ký bên dưới).",
        "INDETERMINATE: no disallowed change was found, but not every signature could be confirmed (see each signature below).");
    public static readonly Bilingual NoSignatures = new("Tệp không có chữ ký số nào.", "The file has no digital signature.");

    public static readonly Bilingual File = new("Tệp: {0} byte, {1} phiên bản, SHA-256 {2}.", "File: {0} bytes, {1} revision(s), SHA-256 {2}.");
    public static readonly Bilingual RevocationNote = new(
        "Lưu ý: tình trạng thu hồi của chứng thư số được kiểm tra (OCSP/CRL, dữ liệu trong tệp trước) theo chính sách xác minh; kết quả ở phần chi tiết kỹ thuật của từng chữ ký.",
        "Note: the certificates' revocation status is checked (OCSP/CRL, the file's own data first) under the validation policy; what was found is in each signature's technical details.");

    public static readonly Bilingual SignatureHeading = new("Chữ ký {0} (trường \"{1}\")", "Signature {0} (field \"{1}\")");
    public static readonly Bilingual SignedWholeFile = new(
        "Nội dung được ký: toàn bộ tệp (phiên bản {0}, byte 0 đến {1}).",
        "What was signed: the whole file (revision {0}, bytes 0 to {1}).");
    public static readonly Bilingual SignedRevision = new(
        "Nội dung được ký: phiên bản {0} trên {1} của tệp (byte 0 đến {2}); các phiên bản sau được đánh giá bên dưới.",
        "What was signed: revision {0} of {1} of the file (bytes 0 to {2}); the later revisions are judged below.");
    public static readonly Bilingual SignedUnknown = new(
        "Không xác định được nội dung được ký (vùng ký /ByteRange không hợp lệ).",
        "What was signed cannot be told (the /ByteRange is not valid).");
    public static readonly Bilingual Signer = new("Người ký: {0}", "Signed by: {0}");
    public static readonly Bilingual SignerUnknown = new("Người ký: không xác định được", "Signed by: unknown");
    public static readonly Bilingual SignedAt = new(
        "Thời điểm ký (theo dấu thời gian của {1}): {0} (giờ Việt Nam, UTC+07:00)",
        "Signed at (per the timestamp of {1}): {0} (Vietnam time, UTC+07:00)");
    public static readonly Bilingual NoValidTimestamp = new(
        "Thời điểm ký: không có dấu thời gian hợp lệ; thời điểm tệp tự ghi (/M) là {0}, chỉ là lời khai, không phải bằng chứng.",
        "Signing time: no valid timestamp; the time the file states (/M) is {0}, a claim, not proof.");
    public static readonly Bilingual Outcome = new("Kết quả: {0}", "Result: {0}");
    public static readonly Bilingual SignaturePassed = new("chữ ký đúng, chứng thư số tin cậy", "the signature is correct and its certificate trusted");
    public static readonly Bilingual SignatureProblem = new("có vấn đề ({0})", "a problem ({0})");

    public static readonly Bilingual NothingChanged = new("Sau chữ ký này tài liệu không thay đổi.", "Nothing changed after this signature.");
    public static readonly Bilingual OnlyAllowedChanges = new(
        "Sau chữ ký này có {0} phiên bản cập nhật, chỉ gồm các thay đổi được phép:",
        "After this signature {0} update(s) follow, with allowed changes only:");
    public static readonly Bilingual LaterSignatureAdded = new("phiên bản {0}: thêm chữ ký {1} (trường \"{2}\")", "revision {0}: signature {1} added (field \"{2}\")");
    public static readonly Bilingual DisallowedChanges = new(
        "Sau chữ ký này tài liệu đã bị thay đổi theo cách không được phép:",
        "After this signature the document was changed in ways that are not allowed:");
    public static readonly Bilingual ChangeLine = new("phiên bản {0}{1}: {2}", "revision {0}{1}: {2}");
    public static readonly Bilingual ObjectSuffix = new(", đối tượng {0}", ", object {0}");
    public static readonly Bilingual DocumentFindings = new(
        "Thay đổi không được phép trong cấu trúc tệp:",
        "Disallowed changes in the file's structure:");

    public static readonly Bilingual RegistryNotChecked = new(
        "Chưa đối chiếu với sổ đăng ký kết quả (hãy kiểm tra trên trang tra cứu công khai của cơ quan ban hành).",
        "Not checked against the registry of issued results (check on the issuing agency's public verification page).");
    public static readonly Bilingual RegistryIdentical = new(
        "Đúng là kết quả đã ban hành: tệp giống hệt từng byte với bản gốc mã {0}.",
        "This is the issued result: byte for byte the original of code {0}.");
    public static readonly Bilingual RegistryExtends = new(
        "Là kết quả đã ban hành (mã {0}) có thêm các cập nhật được phép phía sau (ví dụ chữ ký khác); bản gốc không bị sửa.",
        "This is the issued result (code {0}) with allowed updates after it (e.g. another signature); the original is unchanged.");
    public static readonly Bilingual RegistryNone = new(
        "Không khớp với kết quả đã ban hành mã {0}. Hãy tải bản gốc để đối chiếu.",
        "Does not match the issued result of code {0}. Download the issued original to compare.");
    public static readonly Bilingual RegistryNoneUnknown = new(
        "Không khớp với kết quả nào đã ban hành.",
        "Does not match any issued result.");
    public static readonly Bilingual RegistryStatus = new("Tình trạng của kết quả đã ban hành: {0}", "Status of the issued result: {0}");
    public static readonly Bilingual DownloadOriginal = new("Tải bản gốc đã ban hành", "Download the issued original");

    /// <summary>"ngày 05 tháng 03 năm 2024, 09:00" in Vietnam time (UTC+07:00, no daylight saving).</summary>
    public static string VietnamDateTime(DateTimeOffset time) =>
        time.ToOffset(TimeSpan.FromHours(7)).ToString("'ngày' dd 'tháng' MM 'năm' yyyy, HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The same instant for the English line: "1 December 2026, 19:47".</summary>
    public static string VietnamDateTimeInEnglish(DateTimeOffset time) =>
        time.ToOffset(TimeSpan.FromHours(7)).ToString("d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture);

    public static Bilingual DocumentStatus(string status) => status switch
    {
        "issued" => new("đang có hiệu lực", "issued, in force"),
        "revoked" => new("đã bị thu hồi", "revoked"),
        "superseded" => new("đã được thay thế", "superseded"),
        _ => new(status, status),
    };

    /// <summary>The words for a change the allow-list does not permit; an unknown kind is named as it is.</summary>
    public static Bilingual Words(ModificationKind kind) => kind switch
    {
        ModificationKind.PAGE_CHANGED => new("nội dung hoặc thuộc tính của một trang bị sửa", "a page's content or properties changed"),
        ModificationKind.PAGE_ADDED => new("thêm một trang mới", "a page was added"),
        ModificationKind.PAGES_CHANGED => new("danh sách trang bị sửa (thêm, bớt hoặc đổi thứ tự trang)", "the page list changed (pages added, removed or reordered)"),
        ModificationKind.CATALOG_CHANGED => new("danh mục gốc của tệp bị sửa (hành động tự chạy, tên, lớp nội dung, biểu mẫu...)", "the document catalog changed (automatic actions, names, layers, forms...)"),
        ModificationKind.TRAILER_CHANGED => new("phần kết của tệp trỏ sang một tài liệu gốc khác", "the file trailer points at another document root"),
        ModificationKind.STREAM_CHANGED => new("nội dung đã ký (văn bản, hình ảnh, phông chữ) bị thay thế", "signed content (text, image, font) was replaced"),
        ModificationKind.ANNOTATION_CHANGED => new("một chú thích đã có bị sửa", "an existing annotation changed"),
        ModificationKind.ANNOTATION_ADDED => new("thêm chú thích hoặc hình hiển thị không phải chữ ký hợp lệ", "an annotation or visible element that is not a valid signature was added"),
        ModificationKind.FORM_CHANGED => new("biểu mẫu bị sửa theo cách không được phép", "a form field changed in a way that is not allowed"),
        ModificationKind.SIGNATURE_FIELD_REMOVED => new("một chữ ký đã có bị gỡ khỏi tài liệu", "an earlier signature was removed from the document"),
        ModificationKind.SIGNATURE_SHARED_BY_FIELDS => new("một chữ ký được gắn cho nhiều trường, khiến trường chưa ký trông như đã ký", "one signature is attached to several fields, so an unsigned field looks signed"),
        ModificationKind.OBJECT_REDEFINED => new("một thành phần đã ký bị định nghĩa lại", "a signed object was redefined"),
        ModificationKind.OBJECT_FREED => new("một thành phần đã ký bị xóa", "a signed object was deleted"),
        ModificationKind.OBJECT_ADDED => new("thêm một thành phần không thuộc thay đổi được phép nào", "an object was added that no allowed change accounts for"),
        ModificationKind.OBJECT_NUMBER_REUSED => new("một số hiệu thành phần đã dùng bị dùng lại cho nội dung mới", "an object number in use was reused for new content"),
        ModificationKind.BROKEN_XREF_ENTRY => new("bảng tham chiếu bị hỏng, các phần mềm đọc có thể hiển thị khác nhau", "the cross-reference table is broken, readers may show different things"),
        ModificationKind.UNREADABLE_REVISION => new("một phiên bản cập nhật không đọc được", "an update cannot be read"),
        ModificationKind.TRAILING_DATA => new("có dữ liệu lạ sau phần kết của tệp", "unknown data follows the end of the file"),
        ModificationKind.UNCOVERED_BYTES => new("một phần của phiên bản đã ký nằm ngoài vùng ký", "part of the signed revision lies outside the signed range"),
        ModificationKind.REVISION_OUTSIDE_CHAIN => new("có phiên bản nằm ngoài chuỗi cập nhật, các phần mềm đọc có thể hiển thị khác nhau", "a revision lies outside the update chain, readers may show different things"),
        ModificationKind.DOCMDP_VIOLATION => new("thay đổi mà chữ ký chứng nhận của tài liệu không cho phép", "a change the document's certifying signature forbids"),
        ModificationKind.LOCKED_FIELD_CHANGED => new("một trường đã bị khóa bởi chữ ký trước đó bị sửa", "a field locked by an earlier signature changed"),
        _ => new(kind.ToString(), kind.ToString()),
    };

    /// <summary>The words for an ETSI EN 319 102-1 sub-indication (or ours); an unknown one is named as it is.</summary>
    public static Bilingual Words(string? subIndication) => subIndication switch
    {
        "FORMAT_FAILURE" => new("cấu trúc chữ ký không hợp lệ hoặc không được hỗ trợ", "the signature's structure is invalid or not supported"),
        "HASH_FAILURE" => new("nội dung đã ký bị thay đổi (mã băm không khớp)", "the signed content was changed (digest mismatch)"),
        "SIG_CRYPTO_FAILURE" => new("giá trị chữ ký sai", "the signature value is wrong"),
        "CRYPTO_CONSTRAINTS_FAILURE" => new("thuật toán hoặc độ dài khóa quá yếu", "the algorithm or key size is too weak"),
        "NO_SIGNING_CERTIFICATE_FOUND" => new("không xác định được chứng thư số của người ký", "the signer's certificate cannot be identified"),
        "NO_CERTIFICATE_CHAIN_FOUND" => new("chứng thư số không dẫn tới tổ chức cung cấp dịch vụ tin cậy", "the certificate does not chain to a trusted authority"),
        "SIG_CONSTRAINTS_FAILURE" => new("dấu thời gian không hợp lệ", "the timestamp is not valid"),
        PdfSignatureVerifier.DisallowedModification => new("tài liệu bị thay đổi sau khi ký", "the document was changed after signing"),
        null => new("không xác nhận được", "not confirmed"),
        _ => new(subIndication, subIndication),
    };
}
