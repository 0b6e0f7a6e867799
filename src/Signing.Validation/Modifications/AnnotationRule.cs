using Signing.PdfSyntax;

namespace Signing.Validation.Modifications;

/// <summary>
/// DocMDP P=3 (ISO 32000-2 Table 257): annotations may be created and changed. Only when the
/// document is certified with P=3 and nothing stricter holds; never a widget (a form field is not
/// an annotation one may add), never one with actions (/A, /AA). Deleting an annotation is not
/// allowed here yet (stricter than the standard).
/// </summary>
internal sealed class AnnotationRule : IAllowedChangeRule
{
    public string Name => "add or change annotations (DocMDP P=3)";

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed)
    {
        if (context.Permissions.Strictest != DocMdpPermission.FormFillingSigningAndAnnotations) return;
        foreach (var (num, value) in diff.Added)
        {
            if (value is not PdfDictionary annotation || !IsPlainAnnotation(annotation)) continue;
            allowed.Annotations.Add(num);
            allowed.NewObjectRoots.Add(num);
            allowed.Kinds.Add(AllowedChangeKind.Annotation);
            allowed.Notes.Add($"revision {diff.Revision}: annotation /{annotation.GetName("Subtype")} (object {num}) was added (rule: {Name})");
        }

        foreach (var (num, (before, after)) in diff.Changed)
        {
            if (before is not PdfDictionary old || after is not PdfDictionary now) continue;
            if (!IsPlainAnnotation(old) || !IsPlainAnnotation(now)) continue;
            allowed.Explained.Add(num);
            allowed.NewObjectRoots.Add(num);
            allowed.Kinds.Add(AllowedChangeKind.Annotation);
            allowed.Notes.Add($"revision {diff.Revision}: annotation /{now.GetName("Subtype")} (object {num}) was changed (rule: {Name})");
        }
    }

    private static bool IsPlainAnnotation(PdfDictionary d) =>
        d.GetName("Subtype") is { } subtype && subtype != "Widget" && d["Rect"] is not null
        && (d["Type"] is null || d.GetName("Type") == "Annot")
        && d["A"] is null && d["AA"] is null && d["FT"] is null && d["Parent"] is null;
}
