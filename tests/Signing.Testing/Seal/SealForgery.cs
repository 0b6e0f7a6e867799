using System.Formats.Cbor;
using ZXing;
using ZXing.QrCode;
using ZXing.QrCode.Internal;

namespace Signing.Testing.Seal;

/// <summary>
/// What a forger does to a printed seal: edit its COSE_Sign1 parts and re-encode them, then print
/// the result as a QR image (ZXing's encoder, ImageMagick for the PNG) for verifiers that read pictures.
/// </summary>
public static class SealForgery
{
    /// <summary>The payload of a tagged COSE_Sign1.</summary>
    public static byte[] Payload(byte[] cose) => Parts(cose).Payload;

    /// <summary>The signature of a tagged COSE_Sign1.</summary>
    public static byte[] Signature(byte[] cose) => Parts(cose).Signature;

    /// <summary>The same COSE_Sign1 (protected header, signature) around another payload.</summary>
    public static byte[] ReplacePayload(byte[] cose, Func<byte[], byte[]> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var p = Parts(cose);
        return Write(p.Tag, p.Protected, edit(p.Payload), p.Signature);
    }

    /// <summary>The same COSE_Sign1 with another signature (e.g. that of another result).</summary>
    public static byte[] ReplaceSignature(byte[] cose, byte[] signature)
    {
        var p = Parts(cose);
        return Write(p.Tag, p.Protected, p.Payload, signature);
    }

    /// <summary>A canonical payload with the text at <paramref name="key"/> replaced, re-encoded as the signer would.</summary>
    public static byte[] ReplaceText(byte[] payload, int key, string value)
    {
        var r = new CborReader(payload);
        var w = new CborWriter(CborConformanceMode.Canonical);
        var n = r.ReadStartMap()!.Value;
        w.WriteStartMap(n);
        for (var i = 0; i < n; i++)
        {
            var k = r.ReadInt32();
            w.WriteInt32(k);
            if (k == key)
            {
                r.SkipValue();
                w.WriteTextString(value);
            }
            else
            {
                w.WriteEncodedValue(r.ReadEncodedValue().Span);
            }
        }

        r.ReadEndMap();
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>
    /// Writes <paramref name="text"/> as a QR code (level M, as the renderer prints it) into a PNG of
    /// <paramref name="pixelsPerModule"/> pixels a module with a 4-module quiet zone.
    /// </summary>
    public static void WriteQrPng(string text, string pngPath, int pixelsPerModule = 4)
    {
        var hints = new Dictionary<EncodeHintType, object> { [EncodeHintType.ERROR_CORRECTION] = ErrorCorrectionLevel.M, [EncodeHintType.MARGIN] = 4 };
        var matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, hints);
        int w = matrix.Width * pixelsPerModule, h = matrix.Height * pixelsPerModule;
        var pgm = Path.ChangeExtension(pngPath, ".pgm");
        using (var file = File.Create(pgm))
        {
            var header = System.Text.Encoding.ASCII.GetBytes($"P5\n{w} {h}\n255\n");
            file.Write(header);
            var row = new byte[w];
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++) row[x] = matrix[x / pixelsPerModule, y / pixelsPerModule] ? (byte)0 : (byte)255;
                file.Write(row);
            }
        }

        ExternalTool.RunChecked("convert", pgm, pngPath);
    }

    private sealed record CoseParts(CborTag Tag, byte[] Protected, byte[] Payload, byte[] Signature);

    private static CoseParts Parts(byte[] cose)
    {
        ArgumentNullException.ThrowIfNull(cose);
        var r = new CborReader(cose);
        var tag = r.ReadTag();
        r.ReadStartArray();
        var protectedHeader = r.ReadByteString();
        r.ReadStartMap();
        r.ReadEndMap();
        var payload = r.ReadByteString();
        var signature = r.ReadByteString();
        return new(tag, protectedHeader, payload, signature);
    }

    private static byte[] Write(CborTag tag, byte[] protectedHeader, byte[] payload, byte[] signature)
    {
        var w = new CborWriter();
        w.WriteTag(tag);
        w.WriteStartArray(4);
        w.WriteByteString(protectedHeader);
        w.WriteStartMap(0);
        w.WriteEndMap();
        w.WriteByteString(payload);
        w.WriteByteString(signature);
        w.WriteEndArray();
        return w.Encode();
    }
}
