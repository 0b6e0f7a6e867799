using Net.Pkcs11Interop.Common;
using Signing.Core;

namespace Signing.Pkcs11.Tests;

public class Pkcs11UriTests
{
    [Fact]
    public void Parses_path_and_query_attributes()
    {
        var u = Pkcs11Uri.Parse("pkcs11:token=signing-dev;object=seal;type=private;id=%01%02?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin");
        Assert.Equal("signing-dev", u.Token);
        Assert.Equal("seal", u.Object);
        Assert.Equal(CKO.CKO_PRIVATE_KEY, u.Type);
        Assert.Equal(new byte[] { 1, 2 }, u.Id);
        Assert.Equal("/usr/lib/softhsm/libsofthsm2.so", u.ModulePath);
        Assert.Equal("file:/run/pin", u.PinSource);
    }

    [Fact]
    public void Percent_decodes_utf8_values_and_prints_them_encoded()
    {
        var u = Pkcs11Uri.Parse("pkcs11:token=S%E1%BB%9F%20T%C6%B0%20ph%C3%A1p;object=a%3Bb");
        Assert.Equal("Sở Tư pháp", u.Token);
        Assert.Equal("a;b", u.Object);
        Assert.Equal("pkcs11:token=S%E1%BB%9F%20T%C6%B0%20ph%C3%A1p;object=a%3Bb", u.ToString());
        var separators = Pkcs11Uri.For(token: "t", obj: "a;b?c=d", type: "cert");
        Assert.Equal("pkcs11:token=t;object=a%3Bb%3Fc=d;type=cert", separators.ToString());
        Assert.Equal("a;b?c=d", Pkcs11Uri.Parse(separators.ToString()).Object);
    }

    [Fact]
    public void Prints_id_fully_percent_encoded_in_rfc_order()
    {
        var u = Pkcs11Uri.For(token: "signing-dev", obj: "head", type: "private", id: [0x41, 0xff]);
        Assert.Equal("pkcs11:token=signing-dev;object=head;type=private;id=%41%FF", u.ToString());
        Assert.Equal(u.ToString(), Pkcs11Uri.Parse(u.ToString()).ToString());
    }

    [Theory]
    [InlineData("token=x", "must start with 'pkcs11:'")]
    [InlineData("pkcs11:token=x;token=y", "Duplicate attribute token")]
    [InlineData("pkcs11:colour=red", "unknown attribute 'colour'")]
    [InlineData("pkcs11:type=secret", "Invalid value of type attribute")]
    [InlineData("pkcs11:id=%4", "two hex digits")]
    [InlineData("pkcs11:object=a b", "must be percent-encoded")]
    [InlineData("pkcs11:slot-id=abc", "Invalid value of slot-id attribute")]
    [InlineData("pkcs11:token=t?colour=red", "unknown query attribute 'colour'")]
    public void Rejects_malformed_uris_with_the_reason(string uri, string reason)
    {
        var ex = Assert.Throws<SigningException>(() => Pkcs11Uri.Parse(uri));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_pin_in_the_uri_without_echoing_it()
    {
        var ex = Assert.Throws<SigningException>(() => Pkcs11Uri.Parse("pkcs11:token=t?pin-value=123456"));
        Assert.Contains("PINs are not accepted", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("123456", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_only_drops_the_object_selection()
    {
        var u = Pkcs11Uri.Parse("pkcs11:serial=42;token=t;object=k;type=private;id=%01;x-vendor=v?pin-source=env:PIN");
        Assert.Equal("pkcs11:serial=42;token=t?pin-source=env:PIN", u.TokenOnly().ToString());
    }

    [Fact]
    public void Vendor_attributes_are_kept()
    {
        Assert.Equal("pkcs11:token=t;x-vendor=v", Pkcs11Uri.Parse("pkcs11:token=t;x-vendor=v").ToString());
    }
}
