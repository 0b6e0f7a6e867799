using Signing.Core;
using Signing.PdfSyntax;

namespace Signing.Seal;

/// <summary>
/// Reads the QR code on page 1 of a PDF that may be anyone's, without a PDF rasteriser (untrusted
/// PDFs are never rasterised). A QR code is drawn as filled rectangles, as our renderer and most
/// generators write it: those are painted here into a grey image, in process, within the reader's
/// limits. Failing that, the page's JPEG images (a scanned paper copy) are decoded with the image
/// limits of <see cref="QrImageReader"/>. Text, curves, other images and form XObjects are not drawn.
/// </summary>
public static class PdfPageQrReader
{
    private const double Dpi = 200; // a seal QR module (0.58 mm) is 4.5 pixels
    private const int MaxDepth = 256; // q nesting
    private const long MaxPaintedPixels = 200_000_000;
    private const int MaxImages = 16;

    /// <summary>The text of the QR code on page 1, or null when none is found.</summary>
    public static string? ReadFirstPage(byte[] pdf, PdfReadLimits? limits = null)
    {
        var file = PdfFile.Parse(pdf, limits);
        var pages = file.GetPageReferences();
        if (pages.Count == 0) throw new SigningException("the PDF has no pages");
        var page = file.ResolveDictionary(pages[0]) ?? throw new SigningException("the PDF's first page is damaged");
        var (grey, width, height) = PaintRectangles(file, page);
        return QrImageReader.ReadGrey(grey, width, height) ?? ReadJpegImages(file, page);
    }

    /// <summary>The page's filled rectangles, dark or light as their fill colour, on white at <see cref="Dpi"/> (less for a huge page).</summary>
    internal static (byte[] Grey, int Width, int Height) PaintRectangles(PdfFile file, PdfDictionary page)
    {
        var box = MediaBox(file, page);
        var (pw, ph) = (box[2] - box[0], box[3] - box[1]);
        var scale = Dpi / 72;
        scale = Math.Min(scale, Math.Sqrt(QrImageReader.MaxPixels / (pw * ph)));
        var (width, height) = ((int)Math.Ceiling(pw * scale), (int)Math.Ceiling(ph * scale));
        var grey = GC.AllocateUninitializedArray<byte>(width * height);
        Array.Fill(grey, (byte)255);
        // User space → pixels: from the media box's lower-left corner, y downwards.
        var toPixels = new Matrix(scale, 0, 0, -scale, -box[0] * scale, box[3] * scale);
        var painter = new Painter(grey, width, height);

        var state = new GraphicsState(Matrix.Identity, Fill.Dark);
        var saved = new Stack<GraphicsState>();
        var path = new List<Quad>();
        foreach (var op in PdfContentStream.Operations(PdfContentStream.PageContents(file, page), file))
        {
            var n = op.Operands;
            switch (op.Operator)
            {
                case "q":
                    if (saved.Count == MaxDepth) throw new SigningException($"page 1 nests graphics states deeper than {MaxDepth}");
                    saved.Push(state);
                    break;
                case "Q":
                    if (saved.Count > 0) state = saved.Pop();
                    break;
                case "cm" when Numbers(n, 6) is { } m:
                    state = state with { Ctm = new Matrix(m[0], m[1], m[2], m[3], m[4], m[5]).Then(state.Ctm) };
                    break;
                case "re" when Numbers(n, 4) is { } r:
                    var ctm = state.Ctm.Then(toPixels);
                    path.Add(new Quad(ctm.Apply(r[0], r[1]), ctm.Apply(r[0] + r[2], r[1]), ctm.Apply(r[0] + r[2], r[1] + r[3]), ctm.Apply(r[0], r[1] + r[3])));
                    break;
                case "f" or "F" or "f*" or "B" or "B*" or "b" or "b*":
                    if (state.Fill != Fill.Unknown)
                    {
                        foreach (var quad in path) painter.Fill(quad, state.Fill == Fill.Dark ? (byte)0 : (byte)255);
                        file.CheckTime();
                    }

                    path.Clear();
                    break;
                case "S" or "s" or "n":
                    path.Clear();
                    break;
                case "g" or "rg" or "k" or "sc" or "scn":
                    state = state with { Fill = FillOf(n) };
                    break;
                case "cs":
                    state = state with { Fill = Fill.Dark }; // every colour space starts black
                    break;
            }
        }

        return (grey, width, height);
    }

    private static string? ReadJpegImages(PdfFile file, PdfDictionary page)
    {
        var images = file.ResolveDictionary(file.InheritedPageAttribute(page, "Resources") is { } r ? file.ResolveDictionary(r)?["XObject"] : null);
        if (images is null) return null;
        foreach (var (_, value) in images.Entries.Take(MaxImages))
        {
            if (file.Resolve(value) is not PdfStream image || image.Dictionary.GetName("Subtype") != "Image") continue;
            var filter = file.Resolve(image.Dictionary["Filter"]);
            if (filter is not PdfName { Value: "DCTDecode" } && !(filter is PdfArray { Items: [var only] } && file.Resolve(only) is PdfName { Value: "DCTDecode" })) continue;
            var jpeg = file.RawStream(image);
            if (jpeg.Length > QrImageReader.MaxFileBytes) continue;
            try
            {
                if (QrImageReader.ReadFile(jpeg.ToArray()) is { } text) return text;
            }
            catch (SigningException)
            {
                // not a readable JPEG: try the next image
            }
        }

        return null;
    }

    private static double[] MediaBox(PdfFile file, PdfDictionary page)
    {
        IReadOnlyList<PdfObject> items = file.Resolve(file.InheritedPageAttribute(page, "MediaBox")) is PdfArray a ? a.Items.Select(file.Resolve).OfType<PdfObject>().ToList() : [];
        var box = Numbers(items, 4) ?? [0, 0, 595.28, 841.89]; // A4 when the page names none
        var (x0, y0, x1, y1) = (Math.Min(box[0], box[2]), Math.Min(box[1], box[3]), Math.Max(box[0], box[2]), Math.Max(box[1], box[3]));
        if (x1 - x0 is < 1 or > 14_400 || y1 - y0 is < 1 or > 14_400) throw new SigningException("page 1's media box is not a page size");
        return [x0, y0, x1, y1];
    }

    private static double[]? Numbers(IReadOnlyList<PdfObject> operands, int count)
    {
        if (operands.Count != count) return null;
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            if (operands[i] is not PdfNumber number) return null;
            values[i] = number.AsDouble();
            if (!double.IsFinite(values[i])) return null;
        }

        return values;
    }

    /// <summary>A fill colour as gray (1 number), RGB (3) or CMYK (4); a pattern or anything else is not painted.</summary>
    private static Fill FillOf(IReadOnlyList<PdfObject> operands)
    {
        var v = Numbers(operands, operands.Count);
        double? lightness = v?.Length switch
        {
            1 => v[0],
            3 => (0.299 * v[0]) + (0.587 * v[1]) + (0.114 * v[2]),
            4 => (1 - Math.Min(1, v[0] + v[3])) * 0.3 + (1 - Math.Min(1, v[1] + v[3])) * 0.59 + (1 - Math.Min(1, v[2] + v[3])) * 0.11,
            _ => null,
        };
        return lightness is null ? Fill.Unknown : lightness < 0.5 ? Fill.Dark : Fill.Light;
    }

    private enum Fill { Dark, Light, Unknown }

    private readonly record struct GraphicsState(Matrix Ctm, Fill Fill);

    private readonly record struct Point(double X, double Y);

    private readonly record struct Quad(Point A, Point B, Point C, Point D);

    /// <summary>A PDF transformation [a b c d e f]: x' = a x + c y + e, y' = b x + d y + f.</summary>
    private readonly record struct Matrix(double A, double B, double C, double D, double E, double F)
    {
        public static Matrix Identity { get; } = new(1, 0, 0, 1, 0, 0);

        public Point Apply(double x, double y) => new((A * x) + (C * y) + E, (B * x) + (D * y) + F);

        /// <summary>This transformation, then <paramref name="next"/>.</summary>
        public Matrix Then(Matrix next) => new(
            (A * next.A) + (B * next.C), (A * next.B) + (B * next.D),
            (C * next.A) + (D * next.C), (C * next.B) + (D * next.D),
            (E * next.A) + (F * next.C) + next.E, (E * next.B) + (F * next.D) + next.F);
    }

    /// <summary>Fills convex quadrilaterals: every pixel whose centre lies inside, within a total budget.</summary>
    private sealed class Painter(byte[] grey, int width, int height)
    {
        private long _painted;

        public void Fill(Quad q, byte value)
        {
            ReadOnlySpan<Point> p = [q.A, q.B, q.C, q.D];
            double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
            foreach (var v in p)
            {
                (minX, maxX, minY, maxY) = (Math.Min(minX, v.X), Math.Max(maxX, v.X), Math.Min(minY, v.Y), Math.Max(maxY, v.Y));
            }

            var x0 = (int)Math.Max(0, Math.Round(minX));
            var x1 = (int)Math.Min(width, Math.Round(maxX));
            var y0 = (int)Math.Max(0, Math.Round(minY));
            var y1 = (int)Math.Min(height, Math.Round(maxY));
            if (x1 <= x0 || y1 <= y0) return;
            _painted += (long)(x1 - x0) * (y1 - y0);
            if (_painted > MaxPaintedPixels) throw new SigningException("page 1 fills more area than a page's worth of rectangles");
            var upright = (q.A.X == q.D.X && q.B.X == q.C.X && q.A.Y == q.B.Y && q.C.Y == q.D.Y) || (q.A.Y == q.D.Y && q.B.Y == q.C.Y && q.A.X == q.B.X && q.C.X == q.D.X);
            for (var y = y0; y < y1; y++)
            {
                var row = grey.AsSpan(y * width, width);
                if (upright)
                {
                    row[x0..x1].Fill(value);
                    continue;
                }

                for (var x = x0; x < x1; x++)
                {
                    if (Inside(p, x + 0.5, y + 0.5)) row[x] = value;
                }
            }
        }

        // Inside a convex polygon: the centre is on the same side of every edge.
        private static bool Inside(ReadOnlySpan<Point> p, double x, double y)
        {
            var sign = 0;
            for (var i = 0; i < p.Length; i++)
            {
                var (a, b) = (p[i], p[(i + 1) % p.Length]);
                var cross = ((b.X - a.X) * (y - a.Y)) - ((b.Y - a.Y) * (x - a.X));
                if (cross == 0) continue;
                var s = cross > 0 ? 1 : -1;
                if (sign != 0 && s != sign) return false;
                sign = s;
            }

            return true;
        }
    }
}
