using Signing.Core.CounterForms;
using Signing.Core.Decisions;
using Signing.Testing.CounterForms;

namespace Signing.Core.Tests.CounterForms;

public sealed class CounterFormValidatorTests
{
    public static TheoryData<CounterFormKind> Kinds => new(CounterFormKinds.All);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_filled_form_has_no_errors_and_becomes_its_templates_decision(CounterFormKind kind)
    {
        var request = CounterFormSamples.Valid(kind);
        Assert.Empty(CounterFormValidator.Check(request));
        var d = CounterFormValidator.ToDecision(request);
        Assert.Equal(kind.Template(), d.Template);
        Assert.Equal("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", CounterFormValidator.ToDecision(CounterFormSamples.Valid(CounterFormKind.Receipt)).IssuingAgency);
        Assert.Equal(kind.Title(), d.DocumentType);
        Assert.Equal(request.DossierCode, d.DossierCode);
    }

    [Fact]
    public void The_receipt_lists_each_paper_as_a_table_row_and_prints_times_as_the_form_does()
    {
        var d = CounterFormValidator.ToDecision(CounterFormSamples.Valid(CounterFormKind.Receipt));
        var table = Assert.Single(d.Body, b => b.Kind == "table");
        Assert.Equal(["TT", "Tên loại giấy tờ", "Hình thức (bản chính, bản sao, bản chụp)", "Số lượng"], table.Columns);
        Assert.Equal(["3", "Bản vẽ thiết kế xây dựng", "Bản chính", "02"], table.Rows![2]);
        Assert.Equal("14 giờ 00 phút, ngày 29/01/2024", d.Fields.Single(f => f.Key == "returnAt").Value);
        Assert.Equal(new DateTimeOffset(2024, 1, 29, 7, 0, 0, TimeSpan.Zero), CounterFormValidator.Due(CounterFormSamples.Valid(CounterFormKind.Receipt)));
    }

    [Fact]
    public void Every_missing_field_is_named_with_a_vietnamese_message()
    {
        var errors = CounterFormValidator.Check(new CounterFormRequest { Kind = CounterFormKind.Receipt });
        var fields = errors.Select(e => e.Field).ToHashSet();
        foreach (var f in new[] { "dossierCode", "procedureCode", "agency", "number", "place", "date", "requestContent", "applicantName", "applicantAddress", "applicantPhone", "officerName", "papers", "processingDays", "receivedAt", "returnAt", "deliveryPlace" })
            Assert.Contains(f, fields);
        Assert.Equal("Mã hồ sơ là bắt buộc", errors.First(e => e.Field == "dossierCode").Message);
        Assert.Equal("Cần ghi ít nhất một giấy tờ trong thành phần hồ sơ", errors.First(e => e.Field == "papers").Message);
    }

    [Fact]
    public void Shapes_and_orders_are_checked_per_field()
    {
        var r = CounterFormSamples.Valid(CounterFormKind.Receipt) with
        {
            Number = "12a",
            Date = "2024-02-30",
            DossierCode = "hồ sơ 1",
            ApplicantPhone = "gọi tôi",
            ApplicantEmail = "không-phải-thư",
            ReturnAt = "2024-01-08T08:00",
            Papers = [new DossierPaper("Đơn", "Bản gốc", 0)],
        };
        var e = CounterFormValidator.Check(r).ToDictionary(x => x.Field, x => x.Message);
        Assert.Equal("Số phiếu chỉ gồm chữ số", e["number"]);
        Assert.StartsWith("Ngày lập phiếu không phải là một ngày hợp lệ", e["date"], StringComparison.Ordinal);
        Assert.StartsWith("Mã hồ sơ chỉ gồm", e["dossierCode"], StringComparison.Ordinal);
        Assert.StartsWith("Số điện thoại chỉ gồm", e["applicantPhone"], StringComparison.Ordinal);
        Assert.StartsWith("Thư điện tử không đúng dạng", e["applicantEmail"], StringComparison.Ordinal);
        Assert.Equal("Thời gian trả kết quả phải sau thời gian nhận hồ sơ", e["returnAt"]);
        Assert.StartsWith("Hình thức của giấy tờ thứ 1 phải là một trong", e["papers[0].form"], StringComparison.Ordinal);
        Assert.Equal("Số lượng của giấy tờ thứ 1 phải từ 1 đến 99", e["papers[0].copies"]);
    }

    [Fact]
    public void The_apology_needs_a_new_date_after_the_missed_one_and_an_uppercase_title()
    {
        var r = CounterFormSamples.Valid(CounterFormKind.Apology) with { NewReturnAt = "2024-01-29T14:00", OfficerTitle = "Phó giám đốc", Authority = "GIÁM ĐỐC" };
        var e = CounterFormValidator.Check(r).ToDictionary(x => x.Field, x => x.Message);
        Assert.Equal("Thời gian hẹn mới phải sau thời gian hẹn trước đây", e["newReturnAt"]);
        Assert.StartsWith("Chức vụ người ký viết chữ in hoa", e["officerTitle"], StringComparison.Ordinal);
        Assert.StartsWith("Thẩm quyền ký bắt đầu bằng", e["authority"], StringComparison.Ordinal);
        var ex = Assert.Throws<DecisionValidationException>(() => CounterFormValidator.ToDecision(r));
        Assert.Equal(3, ex.Errors.Count);
    }

    [Fact]
    public void The_request_to_complete_needs_items_reason_and_contact()
    {
        var r = CounterFormSamples.Valid(CounterFormKind.RequestToComplete) with { Items = [], Reason = " ", Contact = null };
        var fields = CounterFormValidator.Check(r).Select(x => x.Field).ToList();
        Assert.Equal(["items", "reason", "contact"], fields);
    }
}
