using Signing.PdfSyntax;

namespace Signing.Pades;

/// <summary>
/// A signature field merged with its widget (ISO 32000-2 12.7.5.5), listed in its page's /Annots and
/// in the form's /Fields: the one shape signatures and document timestamps share.
/// </summary>
internal static class SignatureField
{
    /// <summary>
    /// Writes the widget at <paramref name="widgetRef"/> with <paramref name="valueRef"/> as its /V and
    /// <paramref name="appearanceRef"/> as its normal appearance, then writes <paramref name="page"/>
    /// (a copy of the page at <paramref name="pageRef"/>) with the widget added to its /Annots and adds
    /// the widget to <paramref name="fields"/>; the caller writes the form that holds those fields.
    /// </summary>
    public static void Add(
        IncrementalUpdateWriter writer,
        PdfFile file,
        PdfReference widgetRef,
        PdfReference pageRef,
        PdfDictionary page,
        PdfArray fields,
        string fieldName,
        PdfReference valueRef,
        (double X, double Y, double W, double H) rect,
        PdfReference appearanceRef,
        PdfDictionary? fieldLock = null)
    {
        var widget = new PdfDictionary
        {
            ["Type"] = new PdfName("Annot"),
            ["Subtype"] = new PdfName("Widget"),
            ["FT"] = new PdfName("Sig"),
            ["T"] = PdfString.FromText(fieldName),
            ["V"] = valueRef,
            ["F"] = new PdfNumber(132), // Print | Locked
            ["P"] = pageRef,
            ["Rect"] = PdfArray.OfNumbers(rect.X, rect.Y, rect.X + rect.W, rect.Y + rect.H),
            ["AP"] = new PdfDictionary { ["N"] = appearanceRef },
        };
        if (fieldLock is not null) widget["Lock"] = fieldLock;
        writer.SetObject(widgetRef, widget);

        var annots = file.Resolve(page["Annots"]) is PdfArray existing ? new PdfArray(existing.Items) : new PdfArray();
        annots.Items.Add(widgetRef);
        page["Annots"] = annots;
        writer.SetObject(pageRef, page);
        fields.Items.Add(widgetRef);
    }
}
