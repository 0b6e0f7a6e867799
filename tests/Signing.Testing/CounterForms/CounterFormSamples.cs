using Signing.Core.CounterForms;

namespace Signing.Testing.CounterForms;

/// <summary>One valid request per counter form, as a counter officer would fill it in.</summary>
public static class CounterFormSamples
{
    public static CounterFormRequest Valid(CounterFormKind kind, string dossierCode = "000.00.15.H29-240108-0007") => kind switch
    {
        CounterFormKind.Receipt => Common(kind, dossierCode) with
        {
            Papers =
            [
                new DossierPaper("Đơn đề nghị cấp giấy phép xây dựng", "Bản chính", 1),
                new DossierPaper("Giấy chứng nhận quyền sử dụng đất", "Bản sao chứng thực", 1),
                new DossierPaper("Bản vẽ thiết kế xây dựng", "Bản chính", 2),
            ],
            Sets = 1,
            ProcessingDays = 15,
            ReceivedAt = "2024-01-08T08:30",
            ReturnAt = "2024-01-29T14:00",
            DeliveryPlace = "Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng, số 36 Trần Phú, Phường 4, thành phố Đà Lạt",
        },
        CounterFormKind.RequestToComplete => Common(kind, dossierCode) with
        {
            ReceivedAt = "2024-01-08T08:30",
            Items = ["Bản sao có chứng thực giấy chứng nhận quyền sử dụng đất", "Bản vẽ mặt bằng móng công trình"],
            Reason = "bản sao nộp kèm chưa được chứng thực",
            Contact = "bà Đặng Thị Mỹ Duyên, số điện thoại 0263 3822 456",
        },
        CounterFormKind.Refusal => Common(kind, dossierCode) with
        {
            Reason = "thửa đất nằm trong khu vực đã có quyết định thu hồi đất",
        },
        CounterFormKind.Apology => Common(kind, dossierCode) with
        {
            Agency = "SỞ XÂY DỰNG",
            OfficerName = "Phạm Thị Thu Hương",
            OfficerTitle = "PHÓ GIÁM ĐỐC",
            Authority = "KT. GIÁM ĐỐC",
            ReturnAt = "2024-01-29T14:00",
            NewReturnAt = "2024-02-05T14:00",
            Reason = "cần xác minh thêm ranh giới thửa đất với Văn phòng đăng ký đất đai",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static CounterFormRequest Common(CounterFormKind kind, string dossierCode) => new()
    {
        Kind = kind,
        DossierCode = dossierCode,
        ParentAgency = "UBND TỈNH LÂM ĐỒNG",
        Agency = "Trung tâm Phục vụ hành chính công",
        Number = "15",
        Place = "Lâm Đồng",
        Date = "2024-01-08",
        ProcedureCode = "1.009794",
        RequestContent = "Cấp giấy phép xây dựng nhà ở riêng lẻ tại Phường 8, thành phố Đà Lạt",
        ApplicantName = "Nguyễn Hữu Thắng",
        ApplicantAddress = "Số 27 đường Hoàng Hoa Thám, Phường 10, thành phố Đà Lạt",
        ApplicantPhone = "0263 3822 456",
        OfficerName = "Đặng Thị Mỹ Duyên",
    };
}
