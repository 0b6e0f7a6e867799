using System.Globalization;
using System.Text.RegularExpressions;
using Signing.Core.Decisions;

namespace Signing.Core.CounterForms;

/// <summary>
/// Checks a counter form field by field, with the message in Vietnamese naming the field (the
/// counter officer reads it), and turns a valid request into the decision its template draws.
/// </summary>
public static partial class CounterFormValidator
{
    public static readonly IReadOnlyList<string> PaperForms = ["Bản chính", "Bản sao", "Bản sao chứng thực", "Bản chụp"];

    private static readonly CultureInfo Vietnamese = CultureInfo.GetCultureInfo("vi-VN");

    /// <summary>The time as the forms print it: "14 giờ 00 phút, ngày 29/01/2024".</summary>
    public static string Printed(DateTime local) =>
        local.ToString("HH' giờ 'mm' phút, ngày 'dd/MM/yyyy", CultureInfo.InvariantCulture);

    /// <summary>A typed local time (yyyy-MM-ddTHH:mm, Vietnam) as an instant; null when it is not one.</summary>
    public static DateTimeOffset? ParseLocal(string? value) =>
        DateTime.TryParseExact(value?.Trim(), ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? new DateTimeOffset(t, TimeSpan.FromHours(7)) : null;

    /// <summary>Every problem, empty when the request can be rendered.</summary>
    public static IReadOnlyList<FieldError> Check(CounterFormRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var e = new List<FieldError>();
        if (!CounterFormKinds.All.Contains(r.Kind)) e.Add(new("kind", "loại phiếu phải là Mẫu 01, 02, 03 hoặc 04"));
        Code(e, "dossierCode", "Mã hồ sơ", r.DossierCode);
        Code(e, "procedureCode", "Mã thủ tục hành chính", r.ProcedureCode);
        Text(e, "parentAgency", "Cơ quan chủ quản", r.ParentAgency, 120, required: false);
        Text(e, "agency", "Tên cơ quan", r.Agency, 120, required: true);
        if (Text(e, "number", "Số phiếu", r.Number, 10, required: true) && !DigitsPattern().IsMatch(r.Number.Trim()))
            e.Add(new("number", "Số phiếu chỉ gồm chữ số"));
        Text(e, "place", "Địa danh", r.Place, 60, required: true);
        if (Text(e, "date", "Ngày lập phiếu", r.Date, 10, required: true)
            && (!DateOnly.TryParseExact(r.Date.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) || d.Year is < 2000 or > 2099))
            e.Add(new("date", "Ngày lập phiếu không phải là một ngày hợp lệ (năm–tháng–ngày, từ năm 2000 đến 2099)"));
        Text(e, "requestContent", "Nội dung yêu cầu giải quyết", r.RequestContent, 400, required: true);
        Text(e, "applicantName", "Họ và tên người nộp", r.ApplicantName, 150, required: true);
        var needsContact = r.Kind is CounterFormKind.Receipt or CounterFormKind.Refusal;
        Text(e, "applicantAddress", "Địa chỉ", r.ApplicantAddress, 300, required: needsContact);
        if (Text(e, "applicantPhone", "Số điện thoại", r.ApplicantPhone, 20, required: needsContact) && !PhonePattern().IsMatch(r.ApplicantPhone!.Trim()))
            e.Add(new("applicantPhone", "Số điện thoại chỉ gồm chữ số, khoảng trắng, dấu chấm, gạch nối và dấu + ở đầu"));
        if (Text(e, "applicantEmail", "Thư điện tử", r.ApplicantEmail, 120, required: false) && !EmailPattern().IsMatch(r.ApplicantEmail!.Trim()))
            e.Add(new("applicantEmail", "Thư điện tử không đúng dạng ten@mien"));
        Text(e, "officerName", r.Kind == CounterFormKind.Apology ? "Họ và tên người ký" : "Họ và tên công chức", r.OfficerName, 60, required: true);

        switch (r.Kind)
        {
            case CounterFormKind.Receipt:
                Receipt(e, r);
                break;
            case CounterFormKind.RequestToComplete:
                Time(e, "receivedAt", "Thời gian nhận hồ sơ", r.ReceivedAt, required: true);
                if (r.Items.Count == 0) e.Add(new("items", "Cần ghi ít nhất một nội dung phải bổ sung, hoàn thiện"));
                if (r.Items.Count > 30) e.Add(new("items", "Tối đa 30 nội dung"));
                for (var i = 0; i < r.Items.Count; i++) Text(e, $"items[{i}]", $"Nội dung thứ {i + 1}", r.Items[i], 400, required: true);
                Text(e, "reason", "Lý do", r.Reason, 1000, required: true);
                Text(e, "contact", "Người hướng dẫn và số điện thoại liên hệ", r.Contact, 200, required: true);
                break;
            case CounterFormKind.Refusal:
                Text(e, "reason", "Lý do từ chối", r.Reason, 2000, required: true);
                break;
            case CounterFormKind.Apology:
                if (Text(e, "officerTitle", "Chức vụ người ký", r.OfficerTitle, 80, required: true) && r.OfficerTitle!.Trim() != Upper(r.OfficerTitle.Trim()))
                    e.Add(new("officerTitle", "Chức vụ người ký viết chữ in hoa, ví dụ PHÓ GIÁM ĐỐC"));
                if (Text(e, "authority", "Thẩm quyền ký", r.Authority, 80, required: false)
                    && !DecisionValidator.AuthorityPrefixes.Any(p => r.Authority!.Trim().StartsWith(p, StringComparison.Ordinal)))
                    e.Add(new("authority", "Thẩm quyền ký bắt đầu bằng TM., KT., Q., TL. hoặc TUQ., ví dụ KT. GIÁM ĐỐC"));
                var was = Time(e, "returnAt", "Thời gian hẹn trả kết quả trước đây", r.ReturnAt, required: true);
                var now = Time(e, "newReturnAt", "Thời gian hẹn trả kết quả mới", r.NewReturnAt, required: true);
                if (was is { } w && now is { } n && n <= w) e.Add(new("newReturnAt", "Thời gian hẹn mới phải sau thời gian hẹn trước đây"));
                Text(e, "reason", "Lý do chậm trễ", r.Reason, 1000, required: true);
                break;
        }

        return e;
    }

    /// <summary>The decision the form's template draws; throws <see cref="DecisionValidationException"/> with every field error.</summary>
    public static Decision ToDecision(CounterFormRequest r)
    {
        var errors = Check(r);
        if (errors.Count > 0) throw new DecisionValidationException(errors);
        var body = new List<BodyBlock>();
        var fields = new List<DecisionField>();
        var title = "NGƯỜI TIẾP NHẬN HỒ SƠ";
        IReadOnlyList<string> authority = [];
        switch (r.Kind)
        {
            case CounterFormKind.Receipt:
            {
                var received = ParseLocal(r.ReceivedAt)!.Value.DateTime;
                var due = ParseLocal(r.ReturnAt)!.Value.DateTime;
                body.Add(Paragraph($"Nội dung yêu cầu giải quyết: {T(r.RequestContent)}"));
                body.Add(Paragraph("1. Thành phần hồ sơ nộp gồm:"));
                body.Add(new BodyBlock
                {
                    Kind = "table",
                    Columns = ["TT", "Tên loại giấy tờ", "Hình thức (bản chính, bản sao, bản chụp)", "Số lượng"],
                    Rows = r.Papers.Select((p, i) => (IReadOnlyList<string>)[(i + 1).ToString(CultureInfo.InvariantCulture), T(p.Name), T(p.Form), p.Copies.ToString("00", CultureInfo.InvariantCulture)]).ToList(),
                });
                body.Add(Paragraph($"2. Số lượng hồ sơ: {r.Sets:00} bộ."));
                body.Add(Paragraph($"3. Thời gian giải quyết hồ sơ theo quy định là: {r.ProcessingDays} ngày làm việc."));
                body.Add(Paragraph($"4. Thời gian nhận hồ sơ: {Printed(received)}."));
                body.Add(Paragraph($"5. Thời gian trả kết quả giải quyết hồ sơ: {Printed(due)}."));
                body.Add(Paragraph($"6. Đăng ký nhận kết quả tại: {T(r.DeliveryPlace!)}."));
                fields.Add(new() { Key = "receivedAt", Label = "Thời gian nhận hồ sơ", Value = Printed(received) });
                fields.Add(new() { Key = "returnAt", Label = "Thời gian trả kết quả giải quyết hồ sơ", Value = Printed(due) });
                fields.Add(new() { Key = "deliveryPlace", Label = "Đăng ký nhận kết quả tại", Value = T(r.DeliveryPlace!) });
                break;
            }

            case CounterFormKind.RequestToComplete:
            {
                var received = ParseLocal(r.ReceivedAt)!.Value.DateTime;
                body.AddRange(r.Items.Select((item, i) => Paragraph($"{i + 1}. {T(item)}")));
                fields.Add(new() { Key = "receivedAt", Label = "Thời gian nhận hồ sơ", Value = Printed(received) });
                fields.Add(new() { Key = "reason", Label = "Lý do", Value = T(r.Reason!) });
                fields.Add(new() { Key = "contact", Label = "Liên hệ", Value = T(r.Contact!) });
                title = "NGƯỜI HƯỚNG DẪN";
                break;
            }

            case CounterFormKind.Refusal:
                fields.Add(new() { Key = "reason", Label = "Lý do", Value = T(r.Reason!) });
                break;

            case CounterFormKind.Apology:
                fields.Add(new() { Key = "returnAt", Label = "Thời gian hẹn trả kết quả", Value = Printed(ParseLocal(r.ReturnAt)!.Value.DateTime) });
                fields.Add(new() { Key = "newReturnAt", Label = "Thời gian hẹn trả kết quả mới", Value = Printed(ParseLocal(r.NewReturnAt)!.Value.DateTime) });
                fields.Add(new() { Key = "reason", Label = "Lý do", Value = T(r.Reason!) });
                title = T(r.OfficerTitle!);
                authority = r.Authority is { Length: > 0 } a && !string.IsNullOrWhiteSpace(a) ? [T(a)] : [];
                break;
        }

        fields.Add(new() { Key = "requestContent", Label = "Nội dung yêu cầu giải quyết", Value = T(r.RequestContent) });
        return new Decision
        {
            Template = r.Kind.Template(),
            ParentAgency = string.IsNullOrWhiteSpace(r.ParentAgency) ? null : Upper(T(r.ParentAgency)),
            IssuingAgency = Upper(T(r.Agency)),
            Number = T(r.Number),
            Symbol = r.Kind.Symbol(),
            Place = T(r.Place),
            Date = T(r.Date),
            DocumentType = r.Kind.Title(),
            Body = body,
            Fields = fields,
            Authority = authority,
            SignerTitle = title,
            SignerName = T(r.OfficerName),
            Recipients = r.Kind == CounterFormKind.Apology ? ["- Như trên;", "- Lưu: VT."] : [],
            DossierCode = T(r.DossierCode),
            ProcedureCode = T(r.ProcedureCode),
            Applicant = new Applicant
            {
                Name = T(r.ApplicantName),
                Address = Opt(r.ApplicantAddress),
                Phone = Opt(r.ApplicantPhone),
                Email = Opt(r.ApplicantEmail),
            },
        };
    }

    /// <summary>The instant a form promises the result: Mẫu 01's return time, Mẫu 04's new one.</summary>
    public static DateTimeOffset? Due(CounterFormRequest r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return r.Kind switch
        {
            CounterFormKind.Receipt => ParseLocal(r.ReturnAt)?.ToUniversalTime(),
            CounterFormKind.Apology => ParseLocal(r.NewReturnAt)?.ToUniversalTime(),
            _ => null,
        };
    }

    private static void Receipt(List<FieldError> e, CounterFormRequest r)
    {
        if (r.Papers.Count == 0) e.Add(new("papers", "Cần ghi ít nhất một giấy tờ trong thành phần hồ sơ"));
        if (r.Papers.Count > 40) e.Add(new("papers", "Tối đa 40 giấy tờ"));
        for (var i = 0; i < r.Papers.Count; i++)
        {
            var p = r.Papers[i];
            Text(e, $"papers[{i}].name", $"Tên giấy tờ thứ {i + 1}", p.Name, 300, required: true);
            if (!PaperForms.Contains(p.Form?.Trim() ?? "", StringComparer.Ordinal))
                e.Add(new($"papers[{i}].form", $"Hình thức của giấy tờ thứ {i + 1} phải là một trong: {string.Join(", ", PaperForms)}"));
            if (p.Copies is < 1 or > 99) e.Add(new($"papers[{i}].copies", $"Số lượng của giấy tờ thứ {i + 1} phải từ 1 đến 99"));
        }

        if (r.Sets is < 1 or > 99) e.Add(new("sets", "Số lượng hồ sơ phải từ 1 đến 99 bộ"));
        if (r.ProcessingDays is < 1 or > 365) e.Add(new("processingDays", "Thời gian giải quyết phải từ 1 đến 365 ngày làm việc"));
        var received = Time(e, "receivedAt", "Thời gian nhận hồ sơ", r.ReceivedAt, required: true);
        var due = Time(e, "returnAt", "Thời gian trả kết quả", r.ReturnAt, required: true);
        if (received is { } a && due is { } b && b <= a) e.Add(new("returnAt", "Thời gian trả kết quả phải sau thời gian nhận hồ sơ"));
        Text(e, "deliveryPlace", "Nơi nhận kết quả", r.DeliveryPlace, 300, required: true);
    }

    private static DateTimeOffset? Time(List<FieldError> e, string field, string label, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) e.Add(new(field, $"{label} là bắt buộc"));
            return null;
        }

        var t = ParseLocal(value);
        if (t is null || t.Value.Year is < 2000 or > 2099)
        {
            e.Add(new(field, $"{label} không phải là thời điểm hợp lệ (năm–tháng–ngày giờ:phút)"));
            return null;
        }

        return t;
    }

    private static void Code(List<FieldError> e, string field, string label, string? value)
    {
        if (Text(e, field, label, value, 40, required: true) && !CodePattern().IsMatch(value!.Trim()))
            e.Add(new(field, $"{label} chỉ gồm chữ cái không dấu, chữ số, dấu chấm và gạch nối"));
    }

    /// <summary>False when the value is absent (an error is added if it was required) or broken.</summary>
    private static bool Text(List<FieldError> e, string field, string label, string? value, int max, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) e.Add(new(field, $"{label} là bắt buộc"));
            return false;
        }

        var v = value.Trim();
        if (v.Length > max) { e.Add(new(field, $"{label} dài quá {max} ký tự")); return false; }
        if (v.Any(c => char.IsControl(c))) { e.Add(new(field, $"{label} chứa ký tự điều khiển")); return false; }
        return true;
    }

    private static BodyBlock Paragraph(string text) => new() { Kind = "paragraph", Text = text };

    private static string T(string value) => value.Trim().Normalize(System.Text.NormalizationForm.FormC);

    private static string? Opt(string? value) => string.IsNullOrWhiteSpace(value) ? null : T(value);

    private static string Upper(string value) => value.ToUpper(Vietnamese);

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex DigitsPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9.-]*$")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"^\+?[0-9][0-9 .-]{5,18}$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();
}
