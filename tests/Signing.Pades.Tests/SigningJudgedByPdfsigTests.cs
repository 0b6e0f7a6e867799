using Signing.Pades.Tests.Support;
using Signing.Testing;

namespace Signing.Pades.Tests;

public sealed class SigningJudgedByPdfsigTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    [Fact]
    public async Task Bt_signature_on_a_pdfsharp_file_is_valid_and_trusted_for_pdfsig_and_keeps_the_input_as_prefix()
    {
        var input = TestPdfs.Classic;
        var request = Pki.RequestFor(Pki.Head) with { Reason = "Phê duyệt kết quả", Location = "Đà Lạt", Placement = new SignaturePlacement(340, 120, 180, 80) };
        var signed = await PadesSigner.SignAsync(input, request, Pki.Head.Key, new OpenSslTimestampClient(Pki));

        Assert.True(signed.AsSpan(0, input.Length).SequenceEqual(input), "the signed file must start with the input bytes");
        var sig = Judges.PdfSig(Pki, signed);
        Assert.Contains("Signature is Valid.", sig.StdOut);
        Assert.Contains("Certificate is Trusted.", sig.StdOut);
        Assert.Contains("ETSI.CAdES.detached", sig.StdOut);
        Assert.Contains("Total document signed", sig.StdOut);
        Judges.QpdfCheckAddsNoProblems(input, signed);
    }
}
