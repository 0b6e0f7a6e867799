using System.Text.Json.Serialization;

namespace Signing.Validation;

/// <summary>What kind of disallowed change a <see cref="Modification"/> is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModificationKind>))]
public enum ModificationKind
{
    /// <summary>A page object changed (content, resources, annotations other than a signature widget, boxes...).</summary>
    PAGE_CHANGED,

    /// <summary>A page object appeared that the signed revision did not have.</summary>
    PAGE_ADDED,

    /// <summary>A node of the page tree changed (pages added, removed or reordered).</summary>
    PAGES_CHANGED,

    /// <summary>The catalog changed (/OpenAction, /AA, /Names, /OCProperties, /Outlines, /Perms, /Pages, /AcroForm...).</summary>
    CATALOG_CHANGED,

    /// <summary>The trailer's /Root (or /Info) points at another object than in the signed revision.</summary>
    TRAILER_CHANGED,

    /// <summary>A stream of the signed revision (page content, form XObject, font, image) changed.</summary>
    STREAM_CHANGED,

    /// <summary>An annotation of the signed revision changed.</summary>
    ANNOTATION_CHANGED,

    /// <summary>A new annotation that is not a signed signature widget (FreeText, Stamp, an unsigned signature widget...).</summary>
    ANNOTATION_ADDED,

    /// <summary>A form field of the signed revision changed in a way no rule allows.</summary>
    FORM_CHANGED,

    /// <summary>A signature field (or its signature) of an earlier revision is gone.</summary>
    SIGNATURE_FIELD_REMOVED,

    /// <summary>One signature dictionary is the /V of more than one field, so a field that nobody signed looks signed.</summary>
    SIGNATURE_SHARED_BY_FIELDS,

    /// <summary>Any other object of the signed revision was redefined.</summary>
    OBJECT_REDEFINED,

    /// <summary>An object of the signed revision was freed.</summary>
    OBJECT_FREED,

    /// <summary>A new object that no allowed change accounts for.</summary>
    OBJECT_ADDED,

    /// <summary>A new object fills an object number the signed revision referred to (or had freed).</summary>
    OBJECT_NUMBER_REUSED,

    /// <summary>A cross-reference entry is broken (in use at offset 0, outside the file, unknown type): readers repair it differently.</summary>
    BROKEN_XREF_ENTRY,

    /// <summary>A later revision, or an object in it, cannot be read.</summary>
    UNREADABLE_REVISION,

    /// <summary>Bytes follow the last %%EOF, or a revision's end is not where its signature's ByteRange ends.</summary>
    TRAILING_DATA,

    /// <summary>The signature's ByteRange does not end where its revision ends: bytes of that revision are not signed.</summary>
    UNCOVERED_BYTES,

    /// <summary>A revision that the cross-reference chain skips (its startxref is not part of the /Prev chain).</summary>
    REVISION_OUTSIDE_CHAIN,

    /// <summary>A change that the allow-list would accept but the document's certification (DocMDP /P, or a signed field lock's /P) forbids, e.g. a signature after P=1.</summary>
    DOCMDP_VIOLATION,

    /// <summary>A field that a signature of an earlier revision locks (FieldMDP) changed.</summary>
    LOCKED_FIELD_CHANGED,
}

/// <summary>One disallowed change: the revision it was made in (1-based), the object (when one is to blame), its kind and a short description.</summary>
public sealed record Modification(int Revision, int? ObjectNumber, ModificationKind Kind, string Detail);
