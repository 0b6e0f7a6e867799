using System.Formats.Asn1;
using Signing.Core;

namespace Signing.Pkcs11;

/// <summary>CKM_ECDSA returns r||s; CMS and X.509 want the DER SEQUENCE { r INTEGER, s INTEGER }.</summary>
public static class EcdsaSignatures
{
    public static byte[] RawToDer(ReadOnlySpan<byte> raw)
    {
        if (raw.Length == 0 || raw.Length % 2 != 0) throw new SigningException($"An ECDSA r||s signature has an even, non-zero length (got {raw.Length}).");
        var half = raw.Length / 2;
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteIntegerUnsigned(raw[..half]);
            w.WriteIntegerUnsigned(raw[half..]);
        }

        return w.Encode();
    }

    public static byte[] DerToRaw(ReadOnlySpan<byte> der, int fieldSizeBytes)
    {
        var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
        var seq = reader.ReadSequence();
        var r = seq.ReadIntegerBytes().Span.TrimStart((byte)0);
        var s = seq.ReadIntegerBytes().Span.TrimStart((byte)0);
        seq.ThrowIfNotEmpty();
        reader.ThrowIfNotEmpty();
        if (r.Length > fieldSizeBytes || s.Length > fieldSizeBytes) throw new SigningException("ECDSA signature does not fit the curve.");
        var raw = new byte[2 * fieldSizeBytes];
        r.CopyTo(raw.AsSpan(fieldSizeBytes - r.Length));
        s.CopyTo(raw.AsSpan((2 * fieldSizeBytes) - s.Length));
        return raw;
    }
}
