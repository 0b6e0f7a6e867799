using System.Formats.Cbor;

namespace Signing.Seal.Tests;

public sealed class SealPayloadTests
{
    [Fact]
    public void Every_field_survives_encoding_and_decoding()
    {
        var seal = SealTokenFixture.Sample();
        var back = SealPayload.Decode(SealPayload.Encode(seal));
        Assert.Equal(seal with { KeyFields = [] }, back with { KeyFields = [] });
        Assert.Equal(seal.KeyFields, back.KeyFields);
    }

    [Fact]
    public void The_payload_is_compact_for_a_small_qr()
    {
        // 11 fixed fields and two key fields in Vietnamese: well under what a version-20 QR holds with the URL.
        Assert.InRange(SealPayload.Encode(SealTokenFixture.Sample()).Length, 150, 260);
    }

    [Fact]
    public void A_map_with_an_extra_entry_is_refused()
    {
        var r = new CborReader(SealPayload.Encode(SealTokenFixture.Sample()));
        var w = new CborWriter(CborConformanceMode.Canonical);
        var n = r.ReadStartMap()!.Value;
        w.WriteStartMap(n + 1);
        for (var i = 0; i < n; i++)
        {
            w.WriteEncodedValue(r.ReadEncodedValue().Span);
            w.WriteEncodedValue(r.ReadEncodedValue().Span);
        }

        w.WriteInt32(13);
        w.WriteTextString("added");
        w.WriteEndMap();
        var ex = Assert.Throws<SealFormatException>(() => SealPayload.Decode(w.Encode()));
        Assert.Contains("not 12", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_canonical_encoding_of_the_same_fields_is_refused()
    {
        // The version written as a two-byte integer instead of the shortest form: one seal, one encoding.
        var bytes = SealPayload.Encode(SealTokenFixture.Sample());
        Assert.Equal(new byte[] { 0xAC, 0x01, 0x01 }, bytes[..3]);
        byte[] lax = [0xAC, 0x01, 0x18, 0x01, .. bytes[3..]];
        Assert.Throws<SealFormatException>(() => SealPayload.Decode(lax));
    }

    [Fact]
    public void Garbage_is_a_format_error_not_a_crash()
    {
        Assert.Throws<SealFormatException>(() => SealPayload.Decode(new byte[] { 0xBF, 0xFF }));
        Assert.Throws<SealFormatException>(() => SealPayload.Decode(new byte[] { 0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }));
        Assert.Throws<SealFormatException>(() => SealPayload.Decode(Array.Empty<byte>()));
    }
}
