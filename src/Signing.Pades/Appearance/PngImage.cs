using System.Buffers.Binary;
using System.IO.Compression;
using Signing.Core;

namespace Signing.Pades.Appearance;

/// <summary>
/// A decoded PNG, split into 8-bit colour samples and an optional 8-bit alpha plane, the form a
/// PDF image XObject with an /SMask needs. Non-interlaced PNGs of every colour type are read.
/// </summary>
public sealed class PngImage
{
    private PngImage(int width, int height, bool gray, byte[] color, byte[]? alpha, double? pixelsPerMetre)
    {
        Width = width;
        Height = height;
        IsGray = gray;
        Color = color;
        Alpha = alpha;
        PixelsPerMetre = pixelsPerMetre;
    }

    public int Width { get; }

    public int Height { get; }

    public bool IsGray { get; }

    /// <summary>8-bit samples, 1 (gray) or 3 (RGB) per pixel, rows top to bottom.</summary>
    public byte[] Color { get; }

    /// <summary>8-bit alpha per pixel, or null when the image is opaque.</summary>
    public byte[]? Alpha { get; }

    /// <summary>The physical resolution from pHYs, when the PNG says it.</summary>
    public double? PixelsPerMetre { get; }

    /// <summary>The real size in PDF points: from pHYs, else assuming 96 dpi.</summary>
    public (double Width, double Height) SizeInPoints()
    {
        var ppm = PixelsPerMetre ?? (96 / 0.0254);
        return (Width / ppm / 0.0254 * 72, Height / ppm / 0.0254 * 72);
    }

    public static PngImage Decode(byte[] png, string what)
    {
        ArgumentNullException.ThrowIfNull(png);
        try
        {
            return DecodeCore(png, what);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidDataException or OverflowException)
        {
            throw new SigningException($"The {what} image is not a readable PNG.", e);
        }
    }

    private static PngImage DecodeCore(byte[] png, string what)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10];
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(signature)) throw new SigningException($"The {what} image is not a PNG.");
        int width = 0, height = 0, depth = 0, type = -1;
        byte[]? palette = null, trns = null;
        double? ppm = null;
        using var idat = new MemoryStream();
        var p = 8;
        while (p + 8 <= png.Length)
        {
            var len = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(p));
            var tag = System.Text.Encoding.ASCII.GetString(png, p + 4, 4);
            var body = png.AsSpan(p + 8, len);
            switch (tag)
            {
                case "IHDR":
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(body);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                    depth = body[8];
                    type = body[9];
                    if (body[12] != 0) throw new SigningException($"The {what} image is an interlaced PNG; interlaced PNGs are not supported yet, save it non-interlaced.");
                    break;
                case "PLTE": palette = body.ToArray(); break;
                case "tRNS": trns = body.ToArray(); break;
                case "pHYs":
                    if (body[8] == 1) ppm = BinaryPrimitives.ReadUInt32BigEndian(body);
                    break;
                case "IDAT": idat.Write(body); break;
            }

            if (tag == "IEND") break;
            p += 12 + len;
        }

        if (width <= 0 || height <= 0 || width > 10000 || height > 10000) throw new SigningException($"The {what} image has an unsupported size.");
        var channels = type switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw new SigningException($"The {what} image has an unknown PNG colour type.") };
        if (depth is not (1 or 2 or 4 or 8 or 16) || (depth < 8 && type is not (0 or 3)) || (type == 3 && palette is null))
        {
            throw new SigningException($"The {what} image uses an unsupported PNG bit depth.");
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var rowBytes = ((width * channels * depth) + 7) / 8;
        var bpp = Math.Max(1, channels * depth / 8);
        var raw = new byte[(rowBytes + 1) * height];
        z.ReadExactly(raw);

        var gray = type is 0 or 4;
        var colorChannels = gray ? 1 : 3;
        var color = new byte[width * height * colorChannels];
        var hasAlpha = type is 4 or 6 || trns is not null;
        var alpha = hasAlpha ? new byte[width * height] : null;
        var prev = new byte[rowBytes];
        var row = new byte[rowBytes];
        for (var y = 0; y < height; y++)
        {
            raw.AsSpan((y * (rowBytes + 1)) + 1, rowBytes).CopyTo(row);
            PdfSyntax.PngPredictor.Unfilter(raw[y * (rowBytes + 1)], row, prev, bpp);
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                if (depth < 8)
                {
                    var bitPos = x * depth;
                    var v = (row[bitPos / 8] >> (8 - depth - (bitPos % 8))) & ((1 << depth) - 1);
                    if (type == 3)
                    {
                        SetPalette(color, alpha, i, v, palette!, trns);
                    }
                    else
                    {
                        color[i] = (byte)(v * 255 / ((1 << depth) - 1));
                        if (alpha is not null) alpha[i] = (byte)(trns is { Length: >= 2 } && BinaryPrimitives.ReadUInt16BigEndian(trns) == v ? 0 : 255);
                    }

                    continue;
                }

                var step = depth / 8;
                int Sample(int c) => row[(((x * channels) + c) * step)];
                switch (type)
                {
                    case 0:
                        color[i] = (byte)Sample(0);
                        if (alpha is not null) alpha[i] = 255;
                        break;
                    case 2:
                        color[3 * i] = (byte)Sample(0);
                        color[(3 * i) + 1] = (byte)Sample(1);
                        color[(3 * i) + 2] = (byte)Sample(2);
                        if (alpha is not null) alpha[i] = 255;
                        break;
                    case 3:
                        SetPalette(color, alpha, i, Sample(0), palette!, trns);
                        break;
                    case 4:
                        color[i] = (byte)Sample(0);
                        alpha![i] = (byte)Sample(1);
                        break;
                    case 6:
                        color[3 * i] = (byte)Sample(0);
                        color[(3 * i) + 1] = (byte)Sample(1);
                        color[(3 * i) + 2] = (byte)Sample(2);
                        alpha![i] = (byte)Sample(3);
                        break;
                }
            }

            (prev, row) = (row, prev);
        }

        return new PngImage(width, height, gray, color, alpha, ppm);
    }

    private static void SetPalette(byte[] color, byte[]? alpha, int i, int index, byte[] palette, byte[]? trns)
    {
        if (3 * index + 2 < palette.Length)
        {
            color[3 * i] = palette[3 * index];
            color[(3 * i) + 1] = palette[(3 * index) + 1];
            color[(3 * i) + 2] = palette[(3 * index) + 2];
        }

        if (alpha is not null) alpha[i] = trns is not null && index < trns.Length ? trns[index] : (byte)255;
    }
}
