using Signing.Pades;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Signing.Testing.Pades;

/// <summary>Small RGBA PNGs drawn in code: a red seal ring and a blue signature stroke, both on transparent backgrounds.</summary>
public static class TestImages
{
    /// <summary>A 300×300 px red ring at 300 dpi (pHYs), i.e. 25.4 mm across.</summary>
    public static byte[] RedSeal() => Png(300, 300, 11811, (x, y) =>
    {
        var d = Math.Sqrt(((x - 150) * (x - 150)) + ((y - 150) * (y - 150)));
        return d is > 120 and < 145 || d < 20 ? (220, 0, 0, 255) : (0, 0, 0, 0);
    });

    /// <summary>A 400×150 px blue wave (no pHYs).</summary>
    public static byte[] BlueSignature() => Png(400, 150, null, (x, y) =>
        Math.Abs(y - (75 + (40 * Math.Sin(x / 25.0)))) < 4 ? (10, 20, 160, 255) : (0, 0, 0, 0));

    private static byte[] Png(int w, int h, uint? ppm, Func<int, int, (int R, int G, int B, int A)> pixel)
    {
        var raw = new byte[(1 + (4 * w)) * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var (r, g, b, a) = pixel(x, y);
                var o = (y * (1 + (4 * w))) + 1 + (4 * x);
                raw[o] = (byte)r;
                raw[o + 1] = (byte)g;
                raw[o + 2] = (byte)b;
                raw[o + 3] = (byte)a;
            }
        }

        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8;
        ihdr[9] = 6;
        Chunk(ms, "IHDR", ihdr);
        if (ppm is { } p)
        {
            var phys = new byte[9];
            BinaryPrimitives.WriteUInt32BigEndian(phys, p);
            BinaryPrimitives.WriteUInt32BigEndian(phys.AsSpan(4), p);
            phys[8] = 1;
            Chunk(ms, "pHYs", phys);
        }

        using (var z = new MemoryStream())
        {
            using (var zs = new ZLibStream(z, CompressionLevel.Fastest, true)) zs.Write(raw);
            Chunk(ms, "IDAT", z.ToArray());
        }

        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }

        return ~crc;
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var td = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(td);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(td));
        s.Write(crc);
    }
}
