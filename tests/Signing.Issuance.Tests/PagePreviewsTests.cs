using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Signing.Core.Decisions;
using Signing.Pdf.Rendering;
using Signing.Issuance;
using Signing.Testing;

namespace Signing.Issuance.Tests;

/// <summary>
/// The previews' PNG files: decoded here by a separate minimal reader (chunk CRCs, zlib, row
/// filters), they hold exactly the pixels pdftoppm rasterises, one file per page.
/// </summary>
public sealed class PagePreviewsTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("previews-").FullName;

    [Fact]
    public void Encoded_pixels_read_back_exactly()
    {
        var rgb = RandomNumberGenerator.GetBytes(7 * 5 * 3);
        var png = PpmToPng.Encode(7, 5, rgb);
        var (width, height, pixels) = DecodePng(png);
        Assert.Equal((7, 5), (width, height));
        Assert.Equal(rgb, pixels);
    }

    [Fact]
    public async Task Every_page_is_one_png_with_pdftoppms_pixels()
    {
        var decision = DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", "quyet-dinh-dai.json"));
        var pdf = ResultRenderer.Render(decision, new RenderOptions()).Pdf;
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));
        var previews = new PagePreviews(_data);

        // The rasteriser reads an appended revision without the sRGB OutputIntent...
        var rasterised = PagePreviews.WithoutSrgbOutputIntent(pdf);
        Assert.True(rasterised.Length > pdf.Length && rasterised.AsSpan(0, pdf.Length).SequenceEqual(pdf));
        Assert.DoesNotContain("/OutputIntents", Encoding.Latin1.GetString(rasterised, pdf.Length, rasterised.Length - pdf.Length), StringComparison.Ordinal);

        var count = await previews.RenderAsync(pdf, sha, CancellationToken.None);

        // ...and the pages still have exactly the pixels pdftoppm makes of the file as stored.

        var expected = await PdftoppmPagesAsync(pdf);
        Assert.True(count > 1, "the long sample has several pages");
        Assert.Equal(expected.Count, count);
        Assert.Equal(count, previews.PageCount(sha));
        for (var page = 1; page <= count; page++)
        {
            var (width, height, pixels) = DecodePng(await File.ReadAllBytesAsync(previews.PagePath(sha, page)!));
            var (expectedWidth, expectedHeight, expectedPixels) = expected[page - 1];
            Assert.Equal((expectedWidth, expectedHeight), (width, height));
            Assert.True(expectedPixels.AsSpan().SequenceEqual(pixels), $"page {page}'s pixels differ from pdftoppm's");
        }
        Assert.Null(previews.PagePath(sha, count + 1));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_data, "previews"), ".tmp-*"));
        Assert.Equal(count, await previews.RenderAsync(pdf, sha, CancellationToken.None)); // already there
    }

    [Fact]
    public async Task A_page_list_asking_for_every_page_at_once_rasterises_the_file_once()
    {
        var decision = DecisionJson.Load(Path.Combine(RepoPaths.Samples, "decisions", "quyet-dinh-dai.json"));
        var pdf = ResultRenderer.Render(decision, new RenderOptions()).Pdf;
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));
        var previews = new PagePreviews(_data);
        var reads = 0;
        var release = new TaskCompletionSource();
        async Task<byte[]> Read(CancellationToken _)
        {
            Interlocked.Increment(ref reads);
            await release.Task;
            return pdf;
        }

        int[] asked = [1, 2, 3, 4, 5, 6, 7, 8, 999];
        var pages = asked.Select(n => previews.PageAsync(sha, n, Read, CancellationToken.None)).ToList();
        release.SetResult();
        var paths = await Task.WhenAll(pages);

        Assert.Equal(1, reads);
        var count = previews.PageCount(sha);
        Assert.True(count > 1, "the long sample has several pages");
        for (var i = 0; i < asked.Length; i++)
        {
            if (asked[i] <= count) Assert.True(File.Exists(paths[i]), $"page {asked[i]}");
            else Assert.Null(paths[i]);
        }
    }

    [Fact]
    public async Task A_file_pdftoppm_cannot_read_fails_with_its_message_and_leaves_no_folder()
    {
        var previews = new PagePreviews(_data);
        var junk = Encoding.ASCII.GetBytes("not a pdf at all");
        var e = await Assert.ThrowsAsync<Signing.Core.SigningException>(() =>
            previews.RenderAsync(junk, Convert.ToHexStringLower(SHA256.HashData(junk)), CancellationToken.None));
        Assert.StartsWith("pdftoppm", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_data, "previews")));
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    // pdftoppm's own PPM output, read with a plain P6 parser.
    private static async Task<List<(int, int, byte[])>> PdftoppmPagesAsync(byte[] pdf)
    {
        var input = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".pdf");
        await File.WriteAllBytesAsync(input, pdf);
        try
        {
            var psi = new ProcessStartInfo("pdftoppm") { RedirectStandardOutput = true };
            foreach (var a in new[] { "-r", "60", input }) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            using var all = new MemoryStream();
            await process.StandardOutput.BaseStream.CopyToAsync(all);
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            var bytes = all.ToArray();
            var pages = new List<(int, int, byte[])>();
            var at = 0;
            while (at < bytes.Length)
            {
                string Token()
                {
                    while (char.IsWhiteSpace((char)bytes[at])) at++;
                    var start = at;
                    while (!char.IsWhiteSpace((char)bytes[at])) at++;
                    return Encoding.ASCII.GetString(bytes, start, at - start);
                }
                Assert.Equal("P6", Token());
                int w = int.Parse(Token()), h = int.Parse(Token());
                Assert.Equal("255", Token());
                at++;
                pages.Add((w, h, bytes[at..(at + w * h * 3)]));
                at += w * h * 3;
            }
            return pages;
        }
        finally
        {
            File.Delete(input);
        }
    }

    // A minimal PNG reader for 8-bit RGB, non-interlaced: checks the chunk CRCs (bitwise, unlike the
    // encoder's table) and undoes all five row filters.
    private static (int Width, int Height, byte[] Pixels) DecodePng(byte[] png)
    {
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        var at = 8;
        var seenEnd = false;
        while (!seenEnd)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length)), BitwiseCrc(png.AsSpan(at + 4, 4 + length)));
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    Assert.Equal([8, 2, 0, 0, 0], data[8..13].ToArray());
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    seenEnd = true;
                    break;
            }
            at += 12 + length;
        }
        Assert.Equal(png.Length, at);

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress)) zlib.CopyTo(inflated);
        var raw = inflated.ToArray();
        var stride = width * 3;
        Assert.Equal(height * (stride + 1), raw.Length);
        var pixels = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            for (var i = 0; i < stride; i++)
            {
                int x = raw[y * (stride + 1) + 1 + i];
                int left = i >= 3 ? pixels[y * stride + i - 3] : 0;
                int up = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                int upLeft = y > 0 && i >= 3 ? pixels[(y - 1) * stride + i - 3] : 0;
                pixels[y * stride + i] = (byte)(filter switch
                {
                    0 => x,
                    1 => x + left,
                    2 => x + up,
                    3 => x + (left + up) / 2,
                    4 => x + Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"row filter {filter}"),
                });
            }
        }
        return (width, height, pixels);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
