using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using QRCoder;
using Signing.Core.Decisions;
using Signing.Pdf.Templates;

namespace Signing.Pdf.Rendering;

/// <summary>
/// The one layout engine: draws a validated decision section by section as its template lists
/// them, in the Decree 30/2020 layout (Appendix I). Every template goes through this class.
/// </summary>
internal sealed class DocumentLayout
{
    public const double BodySize = 13;
    public const double TitleSize = 14;
    public const double FirstLineIndent = 10 * PageComposer.Mm;
    public const double LeftHeaderWidth = 190;
    public const double QrSize = 62;

    /// <summary>
    /// A QR that carries the seal holds ~650 characters (version 20, 97 modules at level M): 56 mm
    /// makes a module 0.58 mm, 3.4 pixels in a 150 dpi scan, which ZXing and zbar still read turned
    /// by any angle, blurred and JPEG-compressed (SealRoundTripTests).
    /// </summary>
    public const double SealedQrSize = 56 * PageComposer.Mm;

    /// <summary>Reserved height for the handwritten signature and the seal (a seal is 35–42 mm).</summary>
    public const double SignatureSpace = 110;
    public const double HeadSlotWidth = 150;
    public const double HeadSlotHeight = 80;
    public const double SealSlotSize = 105;

    private readonly PageComposer _c;
    private readonly Decision _d;
    private readonly TemplateDefinition _t;

    public DocumentLayout(PageComposer composer, Decision decision, TemplateDefinition template)
    {
        _c = composer;
        _d = decision;
        _t = template;
    }

    public SignatureSlot? HeadSlot { get; private set; }

    public SignatureSlot? SealSlot { get; private set; }

    /// <summary>Draws the verification footer on page 1 and then every section.</summary>
    public void Draw(string code, Uri url, string qrText, bool withSeal, bool footer = true)
    {
        if (footer) VerificationFooter(code, url, qrText, withSeal);
        foreach (var s in _t.Sections)
        {
            switch (s.Kind)
            {
                case "header": Header(); break;
                case "title": Title(s); break;
                case "fields": Fields(s); break;
                case "text": TextSection(s); break;
                case "body": Body(); break;
                case "signature": Signature(s); break;
                default: throw new InvalidOperationException($"section kind {s.Kind} has no layout");
            }
        }
    }

    /// <summary>"Đà Lạt, ngày 05 tháng 3 năm 2024": day below 10 and months 1–2 take a leading zero (Decree 30).</summary>
    public static string PlaceAndDate(string place, DateOnly date)
    {
        var day = date.Day.ToString("00", CultureInfo.InvariantCulture);
        var month = date.Month <= 2 ? date.Month.ToString("00", CultureInfo.InvariantCulture) : date.Month.ToString(CultureInfo.InvariantCulture);
        return $"{place}, ngày {day} tháng {month} năm {date.Year.ToString(CultureInfo.InvariantCulture)}";
    }

    private void Header()
    {
        var top = _c.Y;
        if (_t.FormLabel is { } label)
        {
            var f = _c.Font(Face.Bold, 12);
            _c.DrawText(label, f, _c.Right - _c.Measure(label, f), top + 12);
            top += PageComposer.LineHeight(12) + 2;
        }

        // Left column: parent agency (regular), issuing agency (bold) with a short rule, then the number.
        var lx = _c.Left;
        var lw = LeftHeaderWidth;
        var ly = top;
        if (_d.ParentAgency is { } parent) ly = _c.Column([new Run(parent, Face.Regular)], BodySize, Align.Center, lx, lw, ly);
        var agencyLines = _c.Wrap([new Run(_d.IssuingAgency, Face.Bold)], BodySize, lw);
        ly = _c.Column([new Run(_d.IssuingAgency, Face.Bold)], BodySize, Align.Center, lx, lw, ly);
        var ruleWidth = Math.Max(40, agencyLines.Max(l => l.Width) * 0.4);
        _c.Rule(lx + (lw - ruleWidth) / 2, lx + (lw + ruleWidth) / 2, ly + 2);
        ly += 8;

        // Right column: national title, motto underlined by a rule as long as the motto.
        var rx = _c.Left + lw;
        var rw = _c.ContentWidth - lw;
        var ry = _c.Column([new Run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Face.Bold)], 12.5, Align.Center, rx, rw, top);
        const string motto = "Độc lập - Tự do - Hạnh phúc";
        var mf = _c.Font(Face.Bold, BodySize);
        var mw = _c.Measure(motto, mf);
        ry = _c.Column([new Run(motto, Face.Bold)], BodySize, Align.Center, rx, rw, ry);
        _c.Rule(rx + (rw - mw) / 2, rx + (rw + mw) / 2, ry + 1);
        ry += 8;

        // Number/symbol (left) and place/date (right, italic) share a baseline.
        var y = Math.Max(ly, ry);
        var number = $"Số: {_d.Number}/{_d.Symbol}";
        var ny = _c.Column([new Run(number, Face.Regular)], BodySize, Align.Center, lx, lw, y);
        var dy = _c.Column([new Run(PlaceAndDate(_d.Place, DecisionValidator.ParseDate(_d.Date)), Face.Italic)], BodySize, Align.Center, rx, rw, y);
        _c.Y = Math.Max(ny, dy) + 18;
    }

    private void Title(TemplateSection s)
    {
        _c.Paragraph([new Run(_d.DocumentType, Face.Bold)], TitleSize, Align.Center, spaceAfter: 0);
        if (_d.Summary is { } summary)
        {
            var lines = _c.Wrap([new Run(summary, Face.Bold)], TitleSize, _c.ContentWidth * 0.85);
            _c.Paragraph([new Run(summary, Face.Bold)], TitleSize, Align.Center, x: _c.Left + _c.ContentWidth * 0.075, width: _c.ContentWidth * 0.85, spaceAfter: 0);
            if (s.Rule)
            {
                var w = Math.Min(lines.Max(l => l.Width) * 0.4, 150);
                var cx = _c.Left + _c.ContentWidth / 2;
                _c.Rule(cx - w / 2, cx + w / 2, _c.Y + 3);
                _c.Y += 6;
            }
        }

        _c.Y += 14;
    }

    private void TextSection(TemplateSection s)
    {
        var text = Placeholders.Fill(s.Text!, _d);
        var face = s.Bold ? (s.Italic ? Face.BoldItalic : Face.Bold) : s.Italic ? Face.Italic : Face.Regular;
        var align = s.Align switch { "left" => Align.Left, "center" => Align.Center, _ => Align.Justify };
        _c.Paragraph([new Run(text, face)], BodySize, align, align == Align.Justify ? FirstLineIndent : 0);
    }

    private void Body()
    {
        foreach (var b in _d.Body)
        {
            switch (b.Kind)
            {
                case "heading":
                    _c.EnsureSpace(PageComposer.LineHeight(BodySize) * 2);
                    _c.Paragraph([new Run(b.Text!, Face.Bold)], BodySize, Align.Center);
                    break;
                case "paragraph":
                    _c.Paragraph([new Run(b.Text!, b.Italic ? Face.Italic : Face.Regular)], BodySize, Align.Justify, FirstLineIndent);
                    break;
                case "article":
                    var runs = new List<Run> { new($"Điều {b.Number!.Value.ToString(CultureInfo.InvariantCulture)}.", Face.Bold) };
                    if (b.Title is { } title) runs.Add(new Run(title, Face.Bold));
                    if (b.Text is { } text) runs.Add(new Run(text, Face.Regular));
                    _c.Paragraph(runs, BodySize, Align.Justify, FirstLineIndent);
                    break;
                case "table":
                    Table(b.Columns!, b.Rows!);
                    break;
                default:
                    throw new InvalidOperationException($"body block kind {b.Kind} has no layout");
            }
        }
    }

    private void Fields(TemplateSection s)
    {
        var rows = s.Rows.Select(r => (Placeholders.Fill(r.Label, _d), Placeholders.Fill(r.Value, _d))).ToList();
        if (s.IncludeDecisionFields) rows.AddRange(_d.Fields.Select(f => (f.Label, f.Value)));
        if (rows.Count == 0) return;
        if (s.Style == "lines")
        {
            foreach (var (label, value) in rows)
            {
                _c.Paragraph([new Run(label + ":", Face.Regular), new Run(value, Face.Bold)], BodySize, Align.Left, FirstLineIndent, spaceAfter: 3);
            }

            _c.Y += 6;
            return;
        }

        Table(null, rows.Select(r => (IReadOnlyList<string>)[r.Item1, r.Item2]).ToList(), [0.36, 0.64], boldFirstColumn: true);
    }

    /// <summary>A bordered table; rows never split, a row that does not fit starts a new page and the header repeats.</summary>
    private void Table(IReadOnlyList<string>? header, IReadOnlyList<IReadOnlyList<string>> rows, double[]? weights = null, bool boldFirstColumn = false)
    {
        const double size = 12;
        const double pad = 4;
        var n = header?.Count ?? rows[0].Count;
        weights ??= ColumnWeights(header!, rows);
        var widths = weights.Select(w => w * _c.ContentWidth).ToArray();
        var lh = PageComposer.LineHeight(size);
        var pen = new XPen(XColors.Black, 0.5);

        double RowHeight(IReadOnlyList<string> cells, Face face) =>
            cells.Select((t, i) => _c.Wrap([new Run(t, i == 0 && boldFirstColumn ? Face.Bold : face)], size, widths[i] - 2 * pad).Count).Max() * lh + 2 * pad;

        void DrawRow(IReadOnlyList<string> cells, Face face, double height)
        {
            var x = _c.Left;
            for (var i = 0; i < n; i++)
            {
                _c.G.DrawRectangle(pen, x, _c.Y, widths[i], height);
                var cellFace = i == 0 && boldFirstColumn ? Face.Bold : face;
                _c.Column([new Run(cells[i], cellFace)], size, face == Face.Bold ? Align.Center : Align.Left, x + pad, widths[i] - 2 * pad, _c.Y + pad);
                x += widths[i];
            }

            _c.Y += height;
        }

        var headerHeight = header is null ? 0 : RowHeight(header, Face.Bold);
        var first = true;
        foreach (var row in rows)
        {
            var h = RowHeight(row, Face.Regular);
            if (first || !_c.Fits(h))
            {
                if (!first) _c.NewPage();
                else _c.EnsureSpace(headerHeight + h);
                if (header is not null) DrawRow(header, Face.Bold, headerHeight);
                first = false;
            }

            DrawRow(row, Face.Regular, h);
        }

        _c.Y += 10;
    }

    /// <summary>Column widths in proportion to their longest text, within limits so no column collapses.</summary>
    private static double[] ColumnWeights(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var raw = header.Select((h, i) => Math.Clamp(rows.Select(r => r[i].Length).Append(h.Length).Max(), 6, 60)).Select(v => (double)v).ToArray();
        var sum = raw.Sum();
        return raw.Select(r => r / sum).ToArray();
    }

    /// <summary>
    /// Recipients bottom left, signature block right, kept together on one page. The reserved
    /// space becomes the head and seal slots the signing stage fills.
    /// </summary>
    private void Signature(TemplateSection s)
    {
        const double small = 11;
        var recX = _c.Left;
        var recW = _c.ContentWidth * 0.42;
        var sigX = _c.Left + _c.ContentWidth * 0.45;
        var sigW = _c.ContentWidth * 0.55;

        var upper = _d.Authority.Append(_d.SignerTitle).ToList();
        var note = s.Note is { } n ? Placeholders.Fill(n, _d) : null;
        var noteHeight = note is null ? 0 : _c.ColumnHeight([new Run(note, Face.Italic)], 12, sigW);
        double sigHeight = upper.Sum(l => _c.ColumnHeight([new Run(l, Face.Bold)], BodySize, sigW)) + noteHeight + SignatureSpace + PageComposer.LineHeight(BodySize);
        double recHeight = 0;
        if (s.Counterpart is { } cp)
        {
            recHeight = _c.ColumnHeight([new Run(cp.Title, Face.Bold)], BodySize, recW) + SignatureSpace + PageComposer.LineHeight(BodySize)
                + (cp.Note is null ? 0 : _c.ColumnHeight([new Run(cp.Note, Face.Italic)], 12, recW));
        }
        else if (_d.Recipients.Count > 0)
        {
            recHeight = PageComposer.LineHeight(12) + _d.Recipients.Sum(r => _c.ColumnHeight([new Run(r, Face.Regular)], small, recW));
        }

        _c.EnsureSpace(Math.Max(sigHeight, recHeight));
        var top = _c.Y;

        var y = top;
        foreach (var l in upper) y = _c.Column([new Run(l, Face.Bold)], BodySize, Align.Center, sigX, sigW, y);
        if (note is not null) y = _c.Column([new Run(note, Face.Italic)], 12, Align.Center, sigX, sigW, y);
        var spaceTop = y;
        y += SignatureSpace;
        y = _c.Column([new Run(_d.SignerName, Face.Bold)], BodySize, Align.Center, sigX, sigW, y);

        var centerX = sigX + sigW / 2;
        var centerY = spaceTop + SignatureSpace / 2;
        var head = new XRect(centerX - HeadSlotWidth / 2, centerY - HeadSlotHeight / 2, HeadSlotWidth, HeadSlotHeight);
        // Decree 30: the seal overlaps about one third of the signature image, on its left.
        var seal = new XRect(head.X + head.Width / 3 - SealSlotSize, centerY - SealSlotSize / 2, SealSlotSize, SealSlotSize);
        HeadSlot = ToPdf(head);
        SealSlot = ToPdf(seal);

        var ry = top;
        if (s.Counterpart is { } other)
        {
            // A second party signs on paper beside the officer (Mẫu 01: the submitter, left).
            ry = _c.Column([new Run(Placeholders.Fill(other.Title, _d), Face.Bold)], BodySize, Align.Center, recX, recW, ry);
            if (other.Note is { } on) ry = _c.Column([new Run(Placeholders.Fill(on, _d), Face.Italic)], 12, Align.Center, recX, recW, ry);
            ry += SignatureSpace;
            ry = _c.Column([new Run(Placeholders.Fill(other.Name, _d), Face.Bold)], BodySize, Align.Center, recX, recW, ry);
        }
        else if (_d.Recipients.Count > 0)
        {
            ry = _c.Column([new Run("Nơi nhận:", Face.BoldItalic)], 12, Align.Left, recX, recW, ry);
            foreach (var r in _d.Recipients) ry = _c.Column([new Run(r, Face.Regular)], small, Align.Left, recX, recW, ry);
        }

        _c.Y = Math.Max(y, ry) + 6;
    }

    private SignatureSlot ToPdf(XRect r) =>
        new(_c.PageIndex, Math.Round(r.X, 2), Math.Round(_c.PageHeight - r.Y - r.Height, 2), r.Width, r.Height);

    /// <summary>
    /// Page 1 footer: vector QR code of the verification URL (and the printed seal after it) and the
    /// code in words, drawn before any signature.
    /// </summary>
    private void VerificationFooter(string code, Uri url, string qrText, bool withSeal)
    {
        var qrSize = withSeal ? SealedQrSize : QrSize;
        var top = _c.PageHeight - PageComposer.MarginBottom - qrSize;
        _c.FirstPageBottom = top - 10;

        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(qrText, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var module = qrSize / matrix.Count;
        // Written as one path of rectangles straight into the page content: drawing several hundred
        // rectangles through XGraphics was a tenth of a result's rendering time.
        var ops = new StringBuilder("q 0 g\n");
        for (var row = 0; row < matrix.Count; row++)
        {
            var bits = matrix[row];
            var col = 0;
            while (col < bits.Length)
            {
                if (!bits[col]) { col++; continue; }
                var start = col;
                while (col < bits.Length && bits[col]) col++;
                // One rectangle per horizontal run of dark modules keeps the content stream small.
                var y = _c.PageHeight - (top + (row + 1) * module);
                ops.Append(CultureInfo.InvariantCulture, $"{_c.Left + start * module:0.####} {y:0.####} {(col - start) * module:0.####} {module:0.####} re\n");
            }
        }

        _c.AppendContent(ops.Append("f Q\n").ToString());

        var tx = _c.Left + qrSize + 6;
        var tw = _c.ContentWidth - qrSize - 6;
        var ty = top + 14;
        ty = _c.Column([new Run("Mã xác minh:", Face.Regular), new Run(code, Face.Bold)], 11, Align.Left, tx, tw, ty);
        ty = _c.Column([new Run("Tra cứu bản điện tử tại:", Face.Italic), new Run(url.AbsoluteUri, Face.Regular)], 10, Align.Left, tx, tw, ty);
        if (withSeal)
        {
            // Says what the QR proves, and what it cannot: status needs the online check.
            _c.Column([new Run("Mã QR mang dấu in có chữ ký số của cơ quan ban hành trên số, ký hiệu, ngày ban hành, mã hồ sơ, mã xác minh và các nội dung chính của văn bản; kiểm tra được cả khi không có mạng. Tình trạng thu hồi hoặc thay thế chỉ tra cứu được trực tuyến.", Face.Italic)], 9, Align.Left, tx, tw, ty + 2);
        }
    }
}
