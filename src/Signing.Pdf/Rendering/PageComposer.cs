using System.Collections.Concurrent;
using System.Globalization;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Signing.Pdf.Rendering;

internal enum Face { Regular, Bold, Italic, BoldItalic }

internal enum Align { Left, Center, Right, Justify }

/// <summary>A word (or character run when a word is too long for a line) with its font and width.</summary>
internal readonly record struct Word(string Text, XFont Font, double Width, double Space);

/// <summary>A laid-out line: its words, natural width and whether it ends a paragraph (never justified).</summary>
internal sealed record Line(IReadOnlyList<Word> Words, double Width, double Indent, bool Last);

/// <summary>A piece of text in one face; paragraphs are sequences of runs ("Điều 1." bold + text regular).</summary>
internal readonly record struct Run(string Text, Face Face);

/// <summary>
/// Decree 30/2020 A4 page geometry and the drawing primitives of the layout engine: fonts, word
/// wrapping, justified lines, and page flow. Coordinates are XGraphics points (origin top-left).
/// </summary>
internal sealed class PageComposer : IDisposable
{
    public const double Mm = 72.0 / 25.4;
    public const double MarginTop = 20 * Mm;
    public const double MarginBottom = 20 * Mm;
    public const double MarginLeft = 30 * Mm;
    public const double MarginRight = 15 * Mm;
    public const double LineFactor = 1.2;

    private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);
    // Fonts and word widths do not depend on the document, so all renders share them: measuring is
    // most of the layout cost and official documents repeat the same words.
    private static readonly ConcurrentDictionary<(Face, double), XFont> Fonts = new();
    private static readonly ConcurrentDictionary<(string, XFont), double> Widths = new();
    private const int MaxCachedWidths = 200_000;
    private readonly PdfDocument _doc;
    private XGraphics? _gfx;

    public PageComposer(PdfDocument doc)
    {
        _doc = doc;
        NewPage();
    }

    public double PageWidth { get; private set; }

    public double PageHeight { get; private set; }

    public double Left => MarginLeft;

    public double Right => PageWidth - MarginRight;

    public double ContentWidth => Right - Left;

    public double Top => MarginTop;

    /// <summary>Lowest y content may reach on page 1 (above the verification footer).</summary>
    public double FirstPageBottom { get; set; } = double.NaN;

    public double Bottom => PageIndex == 0 && !double.IsNaN(FirstPageBottom) ? FirstPageBottom : PageHeight - MarginBottom;

    public double Y { get; set; }

    public int PageIndex { get; private set; } = -1;

    public XGraphics G => _gfx ?? throw new InvalidOperationException("no page");

    public bool Fits(double height) => Y + height <= Bottom + 0.01;

    /// <summary>Starts a new page if <paramref name="height"/> does not fit on this one.</summary>
    public void EnsureSpace(double height)
    {
        if (!Fits(height)) NewPage();
    }

    public void NewPage()
    {
        _gfx?.Dispose();
        var page = _doc.AddPage();
        page.Size = PageSize.A4;
        PageWidth = page.Width.Point;
        PageHeight = page.Height.Point;
        _gfx = XGraphics.FromPdfPage(page);
        PageIndex++;
        Y = Top;
        // Decree 30: page numbers from page 2, centred in the top margin.
        if (PageIndex >= 1)
        {
            var n = (PageIndex + 1).ToString(CultureInfo.InvariantCulture);
            var f = Font(Face.Regular, 13);
            DrawText(n, f, (PageWidth - Measure(n, f)) / 2, 12 * Mm + 13);
        }
    }

    public XFont Font(Face face, double size)
    {
        return Fonts.GetOrAdd((face, size), static key =>
        {
            var (face, size) = key;
            var style = face switch
            {
                Face.Bold => XFontStyleEx.Bold,
                Face.Italic => XFontStyleEx.Italic,
                Face.BoldItalic => XFontStyleEx.BoldItalic,
                _ => XFontStyleEx.Regular,
            };
            return new XFont(LiberationSerifResolver.Family, size, style, Unicode);
        });
    }

    public double Measure(string text, XFont font)
    {
        if (!Widths.TryGetValue((text, font), out var w))
        {
            w = G.MeasureString(text, font).Width;
            if (Widths.Count > MaxCachedWidths) Widths.Clear();
            Widths[(text, font)] = w;
        }

        return w;
    }

    /// <summary>
    /// False once any drawn text has a character outside <see cref="PdfA.SharedFontSubsets"/>' repertoire;
    /// such a document needs its own font subsets (PDFsharp's save) instead of the shared ones.
    /// </summary>
    public bool UsesOnlySharedGlyphs { get; private set; } = true;

    /// <summary>Draws text with its baseline at <paramref name="baseline"/>; all text goes through here.</summary>
    public void DrawText(string text, XFont font, double x, double baseline)
    {
        if (UsesOnlySharedGlyphs && !PdfA.SharedFontSubsets.Covers(text)) UsesOnlySharedGlyphs = false;
        G.DrawString(text, font, XBrushes.Black, x, baseline, XStringFormats.BaseLineLeft);
    }

    /// <summary>
    /// Adds PDF content operators (PDF user space: origin bottom-left) to the current page as a
    /// content stream of their own, drawn after the XGraphics content, for shapes XGraphics draws slowly.
    /// </summary>
    public void AppendContent(string operators)
    {
        var content = _doc.Pages[PageIndex].Contents.AppendContent();
        content.CreateStream(System.Text.Encoding.ASCII.GetBytes(operators));
    }

    public static double LineHeight(double size) => size * LineFactor;

    /// <summary>Breaks runs into lines no wider than <paramref name="width"/>; the first line is indented.</summary>
    public List<Line> Wrap(IEnumerable<Run> runs, double size, double width, double firstIndent = 0)
    {
        var words = new List<Word>();
        foreach (var run in runs)
        {
            var font = Font(run.Face, size);
            var space = Measure(" ", font);
            foreach (var token in run.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var w = Measure(token, font);
                if (w <= width - firstIndent) { words.Add(new Word(token, font, w, space)); continue; }
                // A word wider than a line (a long code or URL) is cut into pieces that fit.
                var start = 0;
                for (var end = 1; end <= token.Length; end++)
                {
                    if (end < token.Length && char.IsLowSurrogate(token[end])) continue;
                    if (Measure(token[start..end], font) > width - firstIndent && end - start > 1)
                    {
                        var cut = end - 1;
                        if (char.IsLowSurrogate(token[cut])) cut--;
                        var piece = token[start..cut];
                        words.Add(new Word(piece, font, Measure(piece, font), 0));
                        start = cut;
                    }
                }

                var rest = token[start..];
                words.Add(new Word(rest, font, Measure(rest, font), space));
            }
        }

        var lines = new List<Line>();
        var current = new List<Word>();
        double lineWidth = 0;
        var indent = firstIndent;
        foreach (var word in words)
        {
            var needed = current.Count == 0 ? word.Width : lineWidth + current[^1].Space + word.Width;
            if (current.Count > 0 && needed > width - indent)
            {
                lines.Add(new Line(current, lineWidth, indent, false));
                current = [];
                indent = 0;
                needed = word.Width;
            }

            current.Add(word);
            lineWidth = needed;
        }

        if (current.Count > 0) lines.Add(new Line(current, lineWidth, indent, true));
        return lines;
    }

    /// <summary>Draws one line with its baseline <paramref name="size"/> below <paramref name="top"/>.</summary>
    public void DrawLine(Line line, double x, double top, double width, Align align, double size)
    {
        var baseline = top + size;
        var free = width - line.Indent - line.Width;
        double start = x + line.Indent;
        double gap = 0;
        switch (align)
        {
            case Align.Center: start += free / 2; break;
            case Align.Right: start += free; break;
            case Align.Justify when !line.Last && line.Words.Count > 1: gap = free / (line.Words.Count - 1); break;
        }

        // Consecutive words in one font share one text string unless justification spreads them.
        var cx = start;
        var i = 0;
        while (i < line.Words.Count)
        {
            var w = line.Words[i];
            if (gap == 0)
            {
                var j = i + 1;
                var text = w.Text;
                var width0 = w.Width;
                while (j < line.Words.Count && line.Words[j].Font == w.Font)
                {
                    text += " " + line.Words[j].Text;
                    width0 += line.Words[j - 1].Space + line.Words[j].Width;
                    j++;
                }

                DrawText(text, w.Font, cx, baseline);
                cx += width0 + (j < line.Words.Count ? line.Words[j - 1].Space : 0);
                i = j;
            }
            else
            {
                DrawText(w.Text, w.Font, cx, baseline);
                cx += w.Width + w.Space + gap;
                i++;
            }
        }
    }

    /// <summary>Wraps and draws a paragraph at the cursor, flowing onto new pages line by line.</summary>
    public void Paragraph(IEnumerable<Run> runs, double size, Align align, double firstIndent = 0, double x = double.NaN, double width = double.NaN, double spaceAfter = 6)
    {
        x = double.IsNaN(x) ? Left : x;
        width = double.IsNaN(width) ? ContentWidth : width;
        var lh = LineHeight(size);
        foreach (var line in Wrap(runs, size, width, firstIndent))
        {
            EnsureSpace(lh);
            DrawLine(line, x, Y, width, align, size);
            Y += lh;
        }

        Y += spaceAfter;
    }

    /// <summary>Draws lines in a column without page flow (header, signature block); returns the y below them.</summary>
    public double Column(IEnumerable<Run> runs, double size, Align align, double x, double width, double top)
    {
        var lh = LineHeight(size);
        foreach (var line in Wrap(runs, size, width))
        {
            DrawLine(line, x, top, width, align, size);
            top += lh;
        }

        return top;
    }

    /// <summary>Height of a column of text without drawing it.</summary>
    public double ColumnHeight(IEnumerable<Run> runs, double size, double width) => Wrap(runs, size, width).Count * LineHeight(size);

    public void Rule(double x1, double x2, double y, double thickness = 0.6)
    {
        G.DrawLine(new XPen(XColors.Black, thickness), x1, y, x2, y);
    }

    public void Dispose()
    {
        _gfx?.Dispose();
        _gfx = null;
    }
}
