using Signing.PdfSyntax;
using Signing.Testing.Pades;
using Signing.Validation;

namespace Signing.Validation.Tests.Report;

/// <summary>identical, extends (a prefix followed only by allowed changes), or no match: a prefix alone is not enough.</summary>
public sealed class RegistryMatchTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    private static RegistryMatchKind Match(byte[] upload, byte[] issued) =>
        RegistryMatch.Compare(upload, issued, PdfSignatureVerifier.Verify(upload, new VerificationPolicy { TrustAnchors = Pki.TrustAnchors }));

    [Fact]
    public void The_issued_bytes_are_identical()
    {
        Assert.Equal(RegistryMatchKind.Identical, Match(SignedResults.HeadThenSeal, SignedResults.HeadThenSeal));
    }

    [Fact]
    public void A_later_signature_after_the_issued_bytes_extends_them()
    {
        // The head-signed file stands for an issued result; the seal is an allowed change after it.
        Assert.Equal(RegistryMatchKind.Extends, Match(SignedResults.HeadThenSeal, SignedResults.Headed));
    }

    [Fact]
    public void The_issued_bytes_followed_by_a_disallowed_change_do_not_match()
    {
        var attacked = SignedResults.Append(SignedResults.HeadThenSeal, (file, w) =>
        {
            var page = SignedResults.FirstPage(file);
            var dict = file.ResolveDictionary(page)!.CloneShallow();
            var (resources, content) = SignedResults.TextContent(w, "SO TIEN: 900.000.000 VND");
            var overlay = w.Allocate();
            w.SetStream(overlay, new PdfDictionary(), content);
            dict["Contents"] = new PdfArray([dict["Contents"]!, overlay]);
            dict["Resources"] = resources;
            w.SetObject(page, dict);
        });
        Assert.True(attacked.AsSpan(0, SignedResults.HeadThenSeal.Length).SequenceEqual(SignedResults.HeadThenSeal));
        Assert.Equal(RegistryMatchKind.None, Match(attacked, SignedResults.HeadThenSeal));
    }

    [Fact]
    public void Garbage_after_the_issued_bytes_does_not_match()
    {
        var padded = SignedResults.HeadThenSeal.Concat("\n%garbage that is not a revision\n"u8.ToArray()).ToArray();
        Assert.Equal(RegistryMatchKind.None, Match(padded, SignedResults.HeadThenSeal));
    }

    [Fact]
    public void Another_file_or_a_shorter_one_does_not_match()
    {
        Assert.Equal(RegistryMatchKind.None, Match(SignedResults.Headed, SignedResults.HeadThenSeal));
        var flipped = (byte[])SignedResults.HeadThenSeal.Clone();
        flipped[2000] ^= 1;
        Assert.Equal(RegistryMatchKind.None, Match(flipped, SignedResults.HeadThenSeal));
    }
}
