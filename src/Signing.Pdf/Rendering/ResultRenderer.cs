using System.Security.Cryptography;
using PdfSharp.Pdf;
using Signing.Core.Decisions;
using Signing.Pdf.PdfA;
using Signing.Pdf.Templates;
using Signing.Seal;

namespace Signing.Pdf.Rendering;

/// <summary>
/// Renders an approved decision as a PDF/A-3b result in the Decree 30/2020 layout, with the
/// decision JSON embedded, a verification code and QR code on page 1, and the signature block's
/// reserved rectangles reported for the signing stage. Same decision + same clock = same bytes.
/// </summary>
public static class ResultRenderer
{
    /// <summary>Vietnam time (UTC+07:00, no daylight saving) for the dates written in the file.</summary>
    public static readonly TimeSpan VietnamOffset = TimeSpan.FromHours(7);

    /// <summary>Validates, then renders. Invalid input throws <see cref="DecisionValidationException"/> before anything is drawn.</summary>
    public static RenderedResult Render(Decision decision, RenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(options);
        PdfSharpRuntime.EnsureInitialized();
        SharedFontSubsets.EnsureBuilt();

        var catalog = TemplateCatalog.WithDirectory(options.TemplateDirectory);
        var input = options.TemplateOverride is null ? decision : decision with { Template = options.TemplateOverride };
        var d = DecisionValidator.Validate(input, catalog.Ids, x => TemplateCatalog.Check(catalog[x.Template], x));
        var template = catalog[d.Template];

        var now = options.Clock.GetUtcNow().ToOffset(VietnamOffset);
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var json = DecisionJson.Serialize(d);
        var code = options.VerificationCode is null ? VerificationCode.Derive(json, now) : VerificationCode.Normalize(options.VerificationCode);
        var url = new Uri(options.VerificationBaseUrl.AbsoluteUri.TrimEnd('/') + "/v/" + code);
        var seal = options.Seal is null ? null : SealOf(d, template, code, options.Seal.AgencyId, DateOnly.FromDateTime(now.DateTime));
        var qrText = seal is null ? url.AbsoluteUri : SealText.Compose(url, options.Seal!.Sign(seal));

        using var doc = new PdfDocument();
        DocumentLayout layout;
        int pages;
        bool sharedFonts;
        using (var composer = new PageComposer(doc))
        {
            layout = new DocumentLayout(composer, d, template);
            layout.Draw(code, url, qrText, withSeal: seal is not null, footer: options.VerificationFooter);
            pages = composer.PageIndex + 1;
            sharedFonts = composer.UsesOnlySharedGlyphs;
        }

        if (layout.HeadSlot is null || layout.SealSlot is null)
        {
            throw new InvalidOperationException($"template {template.Id} has no signature section, so there is nowhere to sign");
        }

        var idSource = new byte[json.Length + 32];
        json.CopyTo(idSource, 0);
        System.Text.Encoding.ASCII.GetBytes(now.ToString("O", System.Globalization.CultureInfo.InvariantCulture)).AsSpan(0, 25).CopyTo(idSource.AsSpan(json.Length));
        var documentId = SHA256.HashData(idSource)[..16];
        var facts = new DocumentFacts(
            Title: $"{d.DocumentType} số {d.Number}/{d.Symbol}",
            Author: d.IssuingAgency,
            Subject: d.Summary ?? d.DocumentType,
            Keywords: $"{d.DossierCode}; {d.ProcedureCode}; {code}",
            Creator: PdfAMetadata.CreatorTool,
            Created: now,
            DocumentId: documentId);
        return new RenderedResult
        {
            Pdf = (sharedFonts ? PdfAFileWriter.TryWrite(doc, facts, json) : null) ?? SaveWithPdfSharp(doc, facts, json),
            HeadSlot = layout.HeadSlot,
            SealSlot = layout.SealSlot,
            VerificationCode = code,
            VerificationUrl = url,
            QrText = qrText,
            Seal = seal,
            PageCount = pages,
            Decision = d,
        };
    }

    /// <summary>The seal's fields: the fixed ones from the decision, the key fields its template names.</summary>
    private static PrintedSeal SealOf(Decision d, TemplateDefinition template, string code, string agencyId, DateOnly sealedOn)
    {
        var errors = new List<Signing.Core.Decisions.FieldError>();
        var fields = new List<SealKeyField>();
        foreach (var f in template.Seal.KeyFields)
        {
            var missing = Placeholders.Find(f.Value).Concat(Placeholders.Find(f.Label)).Where(n => string.IsNullOrEmpty(Placeholders.Value(d, n))).ToList();
            if (missing.Count > 0)
            {
                errors.AddRange(missing.Select(n => n.StartsWith("field:", StringComparison.Ordinal)
                    ? new Signing.Core.Decisions.FieldError("fields", $"needs a row with key \"{n[6..]}\" for the printed seal of template {template.Id}")
                    : new Signing.Core.Decisions.FieldError(n, $"is a key field of the printed seal of template {template.Id}")));
                continue;
            }

            fields.Add(new SealKeyField(Placeholders.Fill(f.Label, d), f.LabelEn, Placeholders.Fill(f.Value, d)));
        }

        if (errors.Count > 0) throw new DecisionValidationException(errors);
        var issuedOn = DecisionValidator.ParseDate(d.Date);
        return new PrintedSeal
        {
            AgencyId = agencyId,
            AgencyName = d.IssuingAgency,
            Template = d.Template,
            Number = d.Number,
            Symbol = d.Symbol,
            IssuedOn = issuedOn,
            DossierCode = d.DossierCode,
            VerificationCode = code,
            KeyFields = fields,
            CheckOnlineAfter = issuedOn.AddDays(template.Seal.CheckOnlineAfterDays),
            SealedOn = sealedOn,
        };
    }

    /// <summary>
    /// The general path, for text outside the shared font subsets: PDFsharp subsets the fonts for this
    /// document and saves, then the PDF/A pass fixes what PDFsharp does not let us control.
    /// </summary>
    private static byte[] SaveWithPdfSharp(PdfDocument doc, DocumentFacts facts, byte[] json)
    {
        PdfAMetadata.Apply(doc, facts, json);
        PdfAMetadata.CompressContentStreams(doc);
        using var ms = new MemoryStream();
        doc.Save(ms, closeStream: false);
        return PdfAMetadata.Finish(ms.ToArray(), facts);
    }
}
