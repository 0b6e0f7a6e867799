using Signing.PdfSyntax;

namespace Signing.Validation.Modifications;

/// <summary>What the rules of <see cref="SignatureChangePolicy"/> accounted for in one revision.</summary>
internal sealed class AllowedChanges
{
    /// <summary>Changed objects a rule allows.</summary>
    public HashSet<int> Explained { get; } = [];

    /// <summary>Objects from which new objects may hang (a signature widget, its signature, its appearance).</summary>
    public HashSet<int> NewObjectRoots { get; } = [];

    /// <summary>New signature widgets signed in this revision, which the field list and page /Annots may gain.</summary>
    public HashSet<int> SignatureWidgets { get; } = [];

    /// <summary>Signature fields of the earlier revision that got their signature in this revision.</summary>
    public HashSet<int> SignedFields { get; } = [];

    /// <summary>One line per allowed change, for the report.</summary>
    public List<string> Notes { get; } = [];
}

/// <summary>
/// One allowed kind of change after a signature. A rule looks at a <see cref="RevisionDiff"/> and
/// marks what it allows in <see cref="AllowedChanges"/>; it never removes a finding.
/// <paramref name="isPassingSignature"/> says whether an object is a signature dictionary that
/// covers exactly this revision and itself passed validation.
/// </summary>
internal interface IAllowedChangeRule
{
    string Name { get; }

    void Apply(RevisionDiff diff, Func<int, bool> isPassingSignature, AllowedChanges allowed);
}

/// <summary>
/// The allow-list for changes after a signature (the model is pyHanko's DiffPolicy): each later
/// revision is compared object by object with the one before it, and every change must be
/// accounted for by a rule. Everything else is a <see cref="Modification"/>.
/// </summary>
internal sealed class SignatureChangePolicy(IReadOnlyList<IAllowedChangeRule> rules)
{
    public static SignatureChangePolicy Default { get; } = new(
    [
        new SignEmptySignatureFieldRule(),
        new AddSignedSignatureFieldRule(),
        new SignatureFieldListRule(),
        new PageSignatureWidgetRule(),
    ]);

    /// <summary>
    /// For the signer's check of a prepared revision on an unsigned draft: also lets the catalog
    /// gain its first AcroForm. Never used by the verifier: a document with a signature has one.
    /// </summary>
    public static SignatureChangePolicy ForFirstSignature { get; } = new([.. Default.Rules, new FirstAcroFormRule()]);

    public IReadOnlyList<IAllowedChangeRule> Rules { get; } = rules;

    public (List<Modification> Findings, List<string> Allowed) Judge(RevisionDiff diff, Func<int, bool> isPassingSignature)
    {
        var allowed = new AllowedChanges();
        foreach (var rule in Rules) rule.Apply(diff, isPassingSignature, allowed);

        var findings = new List<Modification>(diff.Findings);
        var catalog = (diff.Before.Trailer["Root"] as PdfReference)?.ObjectNumber;
        var acroForm = (diff.Before.ResolveDictionary(diff.Before.Trailer["Root"])?["AcroForm"] as PdfReference)?.ObjectNumber;
        var pages = PageNumbers(diff.Before);
        foreach (var (num, (before, after)) in diff.Changed.OrderBy(c => c.Key))
        {
            if (allowed.Explained.Contains(num)) continue;
            findings.Add(num == acroForm
                ? new(diff.Revision, num, ModificationKind.FORM_CHANGED, $"the AcroForm (object {num}) changed beyond new signature fields and /SigFlags")
                : ClassifyChange(diff.Revision, num, before, after, catalog, pages));
        }

        var reachable = Closure(diff, allowed.NewObjectRoots);
        foreach (var (num, value) in diff.Added.OrderBy(a => a.Key))
        {
            if (diff.UndefinedInBefore.Contains(num))
            {
                findings.Add(new(diff.Revision, num, ModificationKind.OBJECT_NUMBER_REUSED, $"new object {num} ({RevisionDiff.Describe(value)}) fills a number the signed revision referred to or had freed"));
            }
            else if (!reachable.Contains(num))
            {
                findings.Add(ClassifyAddition(diff.Revision, num, value));
            }
        }

        return (findings, allowed.Notes);
    }

    internal static HashSet<int> PageNumbers(PdfFile file)
    {
        try
        {
            return file.GetPageReferences().Select(r => r.ObjectNumber).ToHashSet();
        }
        catch (PdfFormatException)
        {
            file.CheckTime();
            return [];
        }
    }

    /// <summary>New objects reachable from the roots through new objects only.</summary>
    private static HashSet<int> Closure(RevisionDiff diff, IEnumerable<int> roots)
    {
        var seen = new HashSet<int>();
        var queue = new Queue<int>(roots.Where(diff.Added.ContainsKey));
        while (queue.TryDequeue(out var n))
        {
            if (!seen.Add(n)) continue;
            foreach (var r in RevisionDiff.References(diff.Added[n]))
            {
                if (diff.Added.ContainsKey(r) && !seen.Contains(r)) queue.Enqueue(r);
            }
        }

        return seen;
    }

    private static Modification ClassifyChange(int revision, int num, PdfObject before, PdfObject after, int? catalog, HashSet<int> pages)
    {
        var oldDict = RevisionDiff.AsDictionary(before);
        var newDict = RevisionDiff.AsDictionary(after);
        var keys = oldDict is not null && newDict is not null ? RevisionDiff.ChangedKeys(oldDict, newDict) : [];
        var keyText = keys.Count == 0 ? "" : " (" + string.Join(", ", keys.Order(StringComparer.Ordinal).Select(k => "/" + k)) + ")";
        if (num == catalog) return new(revision, num, ModificationKind.CATALOG_CHANGED, $"the catalog (object {num}) changed{keyText}");
        if (pages.Contains(num)) return new(revision, num, ModificationKind.PAGE_CHANGED, $"page object {num} changed{keyText}");
        var type = newDict?.GetName("Type") ?? oldDict?.GetName("Type");
        if (type == "Pages") return new(revision, num, ModificationKind.PAGES_CHANGED, $"page tree node {num} changed{keyText}");
        if (newDict?["FT"] is not null || oldDict?["FT"] is not null) return new(revision, num, ModificationKind.FORM_CHANGED, $"form field {num} changed{keyText}");
        if (type == "Annot" || (newDict?["Subtype"] is not null && newDict["Rect"] is not null)) return new(revision, num, ModificationKind.ANNOTATION_CHANGED, $"annotation {num} changed{keyText}");
        if (before is PdfStream || after is PdfStream) return new(revision, num, ModificationKind.STREAM_CHANGED, $"stream {num} ({RevisionDiff.Describe(after)}) was redefined");
        return new(revision, num, ModificationKind.OBJECT_REDEFINED, $"object {num} ({RevisionDiff.Describe(after)}) was redefined{keyText}");
    }

    private static Modification ClassifyAddition(int revision, int num, PdfObject value)
    {
        var d = RevisionDiff.AsDictionary(value);
        var what = RevisionDiff.Describe(value);
        if (d?.GetName("Type") == "Page") return new(revision, num, ModificationKind.PAGE_ADDED, $"new page object {num}");
        if (d?.GetName("Type") == "Annot" || (d?["Subtype"] is not null && d["Rect"] is not null)) return new(revision, num, ModificationKind.ANNOTATION_ADDED, $"new annotation {num} ({what}) that is not a signed signature widget");
        return new(revision, num, ModificationKind.OBJECT_ADDED, $"new object {num} ({what}) that no allowed change accounts for");
    }

    /// <summary>Items of an array that may be indirect, resolved in <paramref name="file"/>; null when it is not an array.</summary>
    internal static List<PdfObject>? ArrayItems(PdfFile file, PdfObject? value) => file.Resolve(value) is PdfArray a ? a.Items : value is null ? [] : null;

    /// <summary>True when <paramref name="after"/> is <paramref name="before"/> with only items from <paramref name="additions"/> appended.</summary>
    internal static bool OnlyAppends(List<PdfObject>? before, List<PdfObject>? after, HashSet<int> additions)
    {
        if (before is null || after is null || after.Count < before.Count) return false;
        for (var i = 0; i < before.Count; i++)
        {
            if (before[i].ToString() != after[i].ToString()) return false;
        }

        return after.Skip(before.Count).All(i => i is PdfReference r && additions.Contains(r.ObjectNumber));
    }

    /// <summary>The references inside an /AP entry (a dictionary of streams or of state dictionaries).</summary>
    internal static IEnumerable<int> AppearanceReferences(PdfFile file, PdfObject? ap)
    {
        if (ap is PdfReference r) yield return r.ObjectNumber;
        foreach (var n in RevisionDiff.References(file.Resolve(ap))) yield return n;
    }
}

/// <summary>
/// A later signature into a signature field that existed, unsigned, when the earlier signature was
/// made: the field gains /V (a signature of this revision that passed) and may get a new /AP; a
/// separate widget of that field may get a new /AP. Nothing else of the field may change.
/// </summary>
internal sealed class SignEmptySignatureFieldRule : IAllowedChangeRule
{
    public string Name => "sign an existing empty signature field";

    public void Apply(RevisionDiff diff, Func<int, bool> isPassingSignature, AllowedChanges allowed)
    {
        foreach (var (num, (before, after)) in diff.Changed)
        {
            if (before is not PdfDictionary oldField || after is not PdfDictionary newField) continue;
            if (!IsSignatureField(diff.Before, oldField) || oldField["V"] is not null) continue;
            if (newField["V"] is not PdfReference v || !diff.Added.ContainsKey(v.ObjectNumber) || !isPassingSignature(v.ObjectNumber)) continue;
            if (!RevisionDiff.ChangedKeys(oldField, newField).IsSubsetOf(["V", "AP"])) continue;
            allowed.Explained.Add(num);
            allowed.SignedFields.Add(num);
            allowed.NewObjectRoots.Add(v.ObjectNumber);
            allowed.NewObjectRoots.UnionWith(SignatureChangePolicy.AppearanceReferences(diff.After, newField["AP"]));
            allowed.Notes.Add($"revision {diff.Revision}: signature field {num} was signed (rule: {Name})");
        }

        foreach (var (num, (before, after)) in diff.Changed)
        {
            if (before is not PdfDictionary oldWidget || after is not PdfDictionary newWidget) continue;
            if (newWidget.GetName("Subtype") != "Widget" || newWidget["Parent"] is not PdfReference parent || !allowed.SignedFields.Contains(parent.ObjectNumber)) continue;
            if (!RevisionDiff.ChangedKeys(oldWidget, newWidget).IsSubsetOf(["AP"])) continue;
            allowed.Explained.Add(num);
            allowed.NewObjectRoots.UnionWith(SignatureChangePolicy.AppearanceReferences(diff.After, newWidget["AP"]));
        }
    }

    private static bool IsSignatureField(PdfFile file, PdfDictionary field)
    {
        var current = field;
        for (var depth = 0; depth < 8 && current is not null; depth++)
        {
            if (current.GetName("FT") is { } type) return type == "Sig";
            current = file.ResolveDictionary(current["Parent"]);
        }

        return false;
    }
}

/// <summary>
/// A new signature field added together with its signature, in the revision that signature covers
/// (how our seal is added after the head's signature): one merged field/widget with /FT /Sig whose
/// /V is a new signature of this revision that passed, plus the new objects it uses (signature
/// dictionary, appearance stream and its XObjects, fonts, images). No actions, no kids.
/// </summary>
internal sealed class AddSignedSignatureFieldRule : IAllowedChangeRule
{
    private static readonly HashSet<string> WidgetKeys =
    [
        "Type", "Subtype", "FT", "T", "TU", "TM", "V", "F", "Ff", "P", "Rect", "AP", "AS", "MK", "DA", "Q", "Border", "BS", "C", "StructParent", "NM", "M", "Lock", "SV",
    ];

    public string Name => "add a signature field with its signature";

    public void Apply(RevisionDiff diff, Func<int, bool> isPassingSignature, AllowedChanges allowed)
    {
        var existingNames = ExistingFieldNames(diff.Before);
        foreach (var (num, value) in diff.Added)
        {
            if (value is not PdfDictionary widget || widget.GetName("FT") != "Sig" || widget.GetName("Subtype") != "Widget") continue;
            if (widget["V"] is not PdfReference v || !diff.Added.ContainsKey(v.ObjectNumber) || !isPassingSignature(v.ObjectNumber)) continue;
            if (!widget.Entries.All(e => WidgetKeys.Contains(e.Key))) continue;
            if ((widget["T"] as PdfString)?.ToText() is not { Length: > 0 } name || existingNames.Contains(name)) continue;
            allowed.SignatureWidgets.Add(num);
            allowed.NewObjectRoots.Add(num);
            allowed.Notes.Add($"revision {diff.Revision}: signature field '{name}' (object {num}) was added with its signature (rule: {Name})");
        }
    }

    private static HashSet<string> ExistingFieldNames(PdfFile file)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var catalog = file.ResolveDictionary(file.Trailer["Root"]);
        if (file.Resolve(file.ResolveDictionary(catalog?["AcroForm"])?["Fields"]) is not PdfArray fields) return names;
        foreach (var f in fields.Items)
        {
            if ((file.ResolveDictionary(f)?["T"] as PdfString)?.ToText() is { } t) names.Add(t);
        }

        return names;
    }
}

/// <summary>
/// The AcroForm of the earlier revision may gain the new signature fields at the end of /Fields
/// and set /SigFlags (1 SignaturesExist, 2 AppendOnly); no other AcroForm entry may change.
/// </summary>
internal sealed class SignatureFieldListRule : IAllowedChangeRule
{
    public string Name => "list new signature fields in the AcroForm";

    public void Apply(RevisionDiff diff, Func<int, bool> isPassingSignature, AllowedChanges allowed)
    {
        var catalog = diff.Before.ResolveDictionary(diff.Before.Trailer["Root"]);
        bool OnlyNewSignatureFields(PdfDictionary oldForm, PdfDictionary newForm)
        {
            var keys = RevisionDiff.ChangedKeys(oldForm, newForm);
            var fieldsOk = !keys.Contains("Fields") || SignatureChangePolicy.OnlyAppends(
                SignatureChangePolicy.ArrayItems(diff.Before, oldForm["Fields"]), SignatureChangePolicy.ArrayItems(diff.After, newForm["Fields"]), allowed.SignatureWidgets);
            var flagsOk = !keys.Contains("SigFlags") || newForm["SigFlags"] is PdfNumber { IsInteger: true } f && f.AsLong() is >= 1 and <= 3;
            return keys.IsSubsetOf(["Fields", "SigFlags"]) && fieldsOk && flagsOk;
        }

        // PDFBox keeps the AcroForm as a direct dictionary of the catalog: the catalog then changes in /AcroForm alone, under the same rule.
        if (catalog?["AcroForm"] is PdfDictionary oldDirect && diff.Before.Trailer["Root"] is PdfReference root
            && diff.Changed.TryGetValue(root.ObjectNumber, out var catalogChange) && catalogChange.Before is PdfDictionary oldCatalog
            && catalogChange.After is PdfDictionary newCatalog && newCatalog["AcroForm"] is PdfDictionary newDirect
            && RevisionDiff.ChangedKeys(oldCatalog, newCatalog).IsSubsetOf(["AcroForm"]) && OnlyNewSignatureFields(oldDirect, newDirect))
        {
            allowed.Explained.Add(root.ObjectNumber);
        }

        if (catalog?["AcroForm"] is not PdfReference acroFormRef) return;
        var oldForm = diff.Before.ResolveDictionary(acroFormRef);
        if (oldForm is null) return;

        if (diff.Changed.TryGetValue(acroFormRef.ObjectNumber, out var change) && change.After is PdfDictionary newForm && OnlyNewSignatureFields(oldForm, newForm))
        {
            allowed.Explained.Add(acroFormRef.ObjectNumber);
        }

        // /Fields kept as an indirect array that was rewritten.
        if (oldForm["Fields"] is PdfReference fieldsRef && diff.Changed.TryGetValue(fieldsRef.ObjectNumber, out var arrayChange)
            && arrayChange.Before is PdfArray oldFields && arrayChange.After is PdfArray newFields
            && SignatureChangePolicy.OnlyAppends(oldFields.Items, newFields.Items, allowed.SignatureWidgets))
        {
            allowed.Explained.Add(fieldsRef.ObjectNumber);
        }
    }
}

/// <summary>A page of the earlier revision may gain, at the end of its /Annots, the new signature widgets that belong to it; nothing else of the page may change.</summary>
internal sealed class PageSignatureWidgetRule : IAllowedChangeRule
{
    public string Name => "show new signature widgets on their page";

    public void Apply(RevisionDiff diff, Func<int, bool> isPassingSignature, AllowedChanges allowed)
    {
        if (allowed.SignatureWidgets.Count == 0) return;
        var pages = SignatureChangePolicy.PageNumbers(diff.Before);
        foreach (var page in pages)
        {
            var widgetsOfPage = allowed.SignatureWidgets.Where(w => diff.Added[w] is PdfDictionary d && (d["P"] is null || (d["P"] is PdfReference p && p.ObjectNumber == page))).ToHashSet();
            if (diff.Changed.TryGetValue(page, out var change) && change.Before is PdfDictionary oldPage && change.After is PdfDictionary newPage)
            {
                var keys = RevisionDiff.ChangedKeys(oldPage, newPage);
                if (keys.IsSubsetOf(["Annots"]) && SignatureChangePolicy.OnlyAppends(
                    SignatureChangePolicy.ArrayItems(diff.Before, oldPage["Annots"]), SignatureChangePolicy.ArrayItems(diff.After, newPage["Annots"]), widgetsOfPage))
                {
                    allowed.Explained.Add(page);
                }
            }

            var oldAnnots = diff.Before.ResolveDictionary(new PdfReference(page, 0))?["Annots"];
            if (oldAnnots is PdfReference annotsRef && diff.Changed.TryGetValue(annotsRef.ObjectNumber, out var arrayChange)
                && arrayChange.Before is PdfArray oldArray && arrayChange.After is PdfArray newArray
                && SignatureChangePolicy.OnlyAppends(oldArray.Items, newArray.Items, widgetsOfPage))
            {
                allowed.Explained.Add(annotsRef.ObjectNumber);
            }
        }
    }
}

/// <summary>
/// A catalog that had no AcroForm may gain one that lists only the new signature widgets (and
/// /SigFlags): how the first signature of an unsigned draft is added.
/// </summary>
internal sealed class FirstAcroFormRule : IAllowedChangeRule
{
    public string Name => "create the AcroForm for the first signature";

    public void Apply(RevisionDiff diff, Func<int, bool> isPassingSignature, AllowedChanges allowed)
    {
        if (diff.Before.Trailer["Root"] is not PdfReference root || !diff.Changed.TryGetValue(root.ObjectNumber, out var change)) return;
        if (change.Before is not PdfDictionary oldCatalog || change.After is not PdfDictionary newCatalog || oldCatalog["AcroForm"] is not null) return;
        if (!RevisionDiff.ChangedKeys(oldCatalog, newCatalog).IsSubsetOf(["AcroForm"])) return;
        if (newCatalog["AcroForm"] is not PdfReference formRef || !diff.Added.TryGetValue(formRef.ObjectNumber, out var formObject) || formObject is not PdfDictionary form) return;
        if (!form.Entries.All(e => e.Key is "Fields" or "SigFlags")) return;
        if (!SignatureChangePolicy.OnlyAppends([], SignatureChangePolicy.ArrayItems(diff.After, form["Fields"]), allowed.SignatureWidgets)) return;
        allowed.Explained.Add(root.ObjectNumber);
        allowed.NewObjectRoots.Add(formRef.ObjectNumber);
    }
}
