using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Signing.Core;

namespace Signing.Issuance;

/// <summary>
/// Turns the RGB rasters <c>pdftoppm</c> writes to stdout (PPM "P6", one after another) into PNG
/// files. pdftoppm's own PNG writer compresses at zlib's default level and costs more than the
/// rasterising itself; "Sub"-filtered rows at the fastest level are a few milliseconds a page and
/// about as small for text on white. (The mirror has no image library; PNG is short to write.)
/// </summary>
internal static class PpmToPng
{
    private const int MaxSide = 20_000;
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Reads the next PPM image; null at the end of the stream.</summary>
    public static async Task<(int Width, int Height, byte[] Rgb)?> ReadAsync(Stream ppm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ppm);
        var magic = await ReadTokenAsync(ppm, cancellationToken).ConfigureAwait(false);
        if (magic == null) return null;
        if (magic != "P6") throw new SigningException($"pdftoppm wrote '{magic}', not a binary PPM");
        var width = Number(await ReadTokenAsync(ppm, cancellationToken).ConfigureAwait(false), "width");
        var height = Number(await ReadTokenAsync(ppm, cancellationToken).ConfigureAwait(false), "height");
        var maxValue = Number(await ReadTokenAsync(ppm, cancellationToken).ConfigureAwait(false), "maximum value");
        if (width > MaxSide || height > MaxSide || maxValue != 255) throw new SigningException($"pdftoppm wrote an unexpected {width}×{height} image with maximum value {maxValue}");
        var rgb = new byte[checked(width * height * 3)];
        await ppm.ReadExactlyAsync(rgb, cancellationToken).ConfigureAwait(false);
        return (width, height, rgb);
    }

    /// <summary>An 8-bit RGB PNG of <paramref name="rgb"/> (rows top to bottom, no padding).</summary>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> rgb)
    {
        var stride = width * 3;
        if (width <= 0 || height <= 0 || rgb.Length != stride * height) throw new ArgumentException("the pixels do not match the size", nameof(rgb));

        using var deflated = new MemoryStream();
        using (var zlib = new ZLibStream(deflated, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[1 + stride];
            row[0] = 1; // filter "Sub": each byte minus the same channel of the pixel to its left
            for (var y = 0; y < height; y++)
            {
                var source = rgb.Slice(y * stride, stride);
                source[..3].CopyTo(row.AsSpan(1));
                for (var i = 3; i < stride; i++) row[1 + i] = (byte)(source[i] - source[i - 3]);
                zlib.Write(row);
            }
        }

        using var png = new MemoryStream((int)deflated.Length + 64);
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;  // bits per channel
        header[9] = 2;  // truecolour
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering (per-row filter byte)
        header[12] = 0; // no interlace
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", deflated.GetBuffer().AsSpan(0, (int)deflated.Length));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        png.Write(typeBytes);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc(Crc(uint.MaxValue, typeBytes), data) ^ uint.MaxValue);
        png.Write(word);
    }

    // CRC-32 (ISO 3309, the PNG chunk checksum); the mirror has no System.IO.Hashing.
    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    private static int Number(string? token, string what) =>
        int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new SigningException($"pdftoppm wrote a PPM header with no valid {what}");

    // A header token: skips whitespace and '#' comments; stops after the one whitespace byte that
    // ends the token (for the maximum value, that byte is the last before the pixels).
    private static async Task<string?> ReadTokenAsync(Stream ppm, CancellationToken cancellationToken)
    {
        var one = new byte[1];
        var token = new StringBuilder();
        var comment = false;
        while (true)
        {
            if (await ppm.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                if (token.Length == 0) return null;
                throw new SigningException("pdftoppm's output ended inside a PPM header");
            }
            var c = (char)one[0];
            if (comment)
            {
                comment = c is not ('\n' or '\r');
                continue;
            }
            if (c == '#' && token.Length == 0) comment = true;
            else if (char.IsWhiteSpace(c))
            {
                if (token.Length > 0) return token.ToString();
            }
            else if (token.Length < 16) token.Append(c);
            else throw new SigningException("pdftoppm wrote a malformed PPM header");
        }
    }
}
