using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Signing.Core;
using SkiaSharp;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace Signing.Seal;

/// <summary>
/// Finds and decodes the QR code in a scan or photo (PNG or JPEG, any rotation) with ZXing.Net.
/// Untrusted images are bounded before decoding: file size, then the dimensions from the header.
/// Pixels come from Skia (libpng/libjpeg-turbo through SkiaSharp): a third of the managed decoder's time.
/// </summary>
public static class QrImageReader
{
    public const int MaxFileBytes = 32 * 1024 * 1024;

    /// <summary>About an A4 page at 600 dpi, or a 48-megapixel photo.</summary>
    public const long MaxPixels = 50_000_000;

    /// <summary>The text of the first QR code found in the image file, or null when there is none.</summary>
    public static string? ReadFile(byte[] image)
    {
        var (grey, width, height) = DecodeGrey(image);
        return ReadGrey(grey, width, height);
    }

    /// <summary>The image file as 8-bit grey pixels, rows top to bottom; PNG or JPEG only.</summary>
    public static (byte[] Grey, int Width, int Height) DecodeGrey(byte[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Length > MaxFileBytes) throw new SigningException($"the image is larger than {MaxFileBytes / (1024 * 1024)} MiB");
        using var data = SKData.CreateCopy(image);
        using var codec = SKCodec.Create(data);
        if (codec is null || codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
        {
            throw new SigningException("the image is neither PNG nor JPEG");
        }

        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > MaxPixels) throw new SigningException($"the image has {width}x{height} pixels, more than {MaxPixels} allowed");

        // Skia converts to grey only from grey sources, so colour is decoded and weighted here (BT.601, as ZXing does).
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = GC.AllocateUninitializedArray<byte>(info.BytesSize);
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            var result = codec.GetPixels(info, handle.AddrOfPinnedObject());
            if (result != SKCodecResult.Success) throw new SigningException($"the image cannot be decoded ({result})");
        }
        finally
        {
            handle.Free();
        }

        var grey = GC.AllocateUninitializedArray<byte>(width * height);
        var pixels = MemoryMarshal.Cast<byte, uint>(rgba.AsSpan()); // one read a pixel; R is the low byte on little-endian machines
        var row = grey.AsSpan(0, pixels.Length);
        for (var i = 0; i < row.Length; i++)
        {
            var p = BitConverter.IsLittleEndian ? pixels[i] : BinaryPrimitives.ReverseEndianness(pixels[i]);
            row[i] = (byte)(((p & 0xFF) * 77 + ((p >> 8) & 0xFF) * 150 + ((p >> 16) & 0xFF) * 29 + 128) >> 8);
        }

        return (grey, width, height);
    }

    /// <summary>The text of the first QR code in an 8-bit grey image (one byte per pixel, rows top to bottom).</summary>
    public static string? ReadGrey(byte[] grey, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(grey);
        if (width <= 0 || height <= 0 || (long)width * height > grey.Length) throw new ArgumentException("the pixel buffer is smaller than width x height", nameof(grey));
        if (FindWherePrinted(grey, width, height) is { } quick) return quick;
        if (Decode(grey, width, height) is { } text) return text;

        // A seal QR has ~100 modules; at 150 dpi a module is under 3 pixels, and once the page is
        // turned by an odd angle ZXing's sampling grid misses modules. Twice the pixels gives it room.
        if ((long)width * height * 4 > MaxUpscaledPixels) return null;
        var large = UpscaleTwice(grey, width, height);
        if (Decode(large, width * 2, height * 2) is { } found) return found;

        // Last, for grainy photos: the enlarged image smoothed, so noise stops flipping modules.
        return Decode(BoxBlur(large, width * 2, height * 2), width * 2, height * 2);
    }

    /// <summary>The share of each side of a page image searched first (the QR's corner, with room for a skewed scan).</summary>
    internal const double CornerShare = 0.55;

    /// <summary>
    /// The renderer prints the QR in page 1's lower-left corner (docs/printed-seal.md), so a scan
    /// or a straight photo has it in one corner: lower-left upright, upper-right upside down, and
    /// upper-left or lower-right when turned a quarter. That corner alone takes a fraction of the
    /// whole page's time; anything else falls through to the full search.
    /// </summary>
    internal static string? FindWherePrinted(byte[] grey, int width, int height)
    {
        int cw = (int)(width * CornerShare), ch = (int)(height * CornerShare);
        var corners = height >= width
            ? new[] { (0, height - ch), (width - cw, 0) }
            : new[] { (0, 0), (width - cw, height - ch) };
        var source = new RGBLuminanceSource(grey, width, height, RGBLuminanceSource.BitmapFormat.Gray8);
        var reader = new QRCodeReader();
        foreach (var (x, y) in corners)
        {
            var corner = source.crop(x, y, cw, ch);
            if (reader.decode(new BinaryBitmap(new HybridBinarizer(corner)), CornerHints)?.Text is { } text) return text;
        }

        return null;
    }

    // "Try harder" stays on: without it ZXing missed one of the first eight corners the tests tried.
    private static readonly Dictionary<DecodeHintType, object> CornerHints = new() { [DecodeHintType.TRY_HARDER] = true, [DecodeHintType.CHARACTER_SET] = "UTF-8" };

    /// <summary>3x3 mean of each inner pixel; the border stays as it is.</summary>
    internal static byte[] BoxBlur(byte[] grey, int width, int height)
    {
        var result = (byte[])grey.Clone();
        for (var y = 1; y < height - 1; y++)
        {
            for (var x = 1; x < width - 1; x++)
            {
                var sum = 0;
                for (var dy = -1; dy <= 1; dy++)
                {
                    var row = (y + dy) * width + x;
                    sum += grey[row - 1] + grey[row] + grey[row + 1];
                }

                result[y * width + x] = (byte)(sum / 9);
            }
        }

        return result;
    }

    private const long MaxUpscaledPixels = 64_000_000;

    private static string? Decode(byte[] grey, int width, int height)
    {
        var source = new RGBLuminanceSource(grey, width, height, RGBLuminanceSource.BitmapFormat.Gray8);
        var hints = new Dictionary<DecodeHintType, object>
        {
            [DecodeHintType.TRY_HARDER] = true,
            [DecodeHintType.CHARACTER_SET] = "UTF-8",
        };
        var reader = new QRCodeReader();

        // The local-threshold binarizer copes with uneven light and noise; the global one with blur.
        return reader.decode(new BinaryBitmap(new HybridBinarizer(source)), hints)?.Text
            ?? reader.decode(new BinaryBitmap(new GlobalHistogramBinarizer(source)), hints)?.Text;
    }

    /// <summary>Bilinear 2x enlargement of a grey image (each new pixel averages its nearest source pixels).</summary>
    internal static byte[] UpscaleTwice(byte[] grey, int width, int height)
    {
        var w2 = width * 2;
        var result = new byte[w2 * height * 2];
        for (var y = 0; y < height * 2; y++)
        {
            var sy = y >> 1;
            var sy2 = (y & 1) == 1 && sy + 1 < height ? sy + 1 : sy;
            var row = sy * width;
            var row2 = sy2 * width;
            var o = y * w2;
            for (var x = 0; x < width; x++)
            {
                var x2 = x + 1 < width ? x + 1 : x;
                int a = grey[row + x], b = grey[row + x2], c = grey[row2 + x], d = grey[row2 + x2];
                result[o + 2 * x] = (byte)((a + c + 1) >> 1);
                result[o + 2 * x + 1] = (byte)((a + b + c + d + 2) >> 2);
            }
        }

        return result;
    }
}
