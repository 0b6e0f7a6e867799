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

    /// <summary>New annotations (not widgets) this revision may show on their page, when the certification permits annotations.</summary>
    public HashSet<int> Annotations { get; } = [];

    /// <summary>Catalog entries whose change a rule accounts for (/DSS, /Metadata); the catalog rule allows a catalog that changed in these only.</summary>
    public HashSet<string> CatalogKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>What kinds of allowed change the revision made; DocMDP permits some kinds only.</summary>
    public HashSet<AllowedChangeKind> Kinds { get; } = [];

    /// <summary>One line per allowed change, for the report.</summary>
    public List<string> Notes { get; } = [];
}

/// <summary>The kinds of allowed change, as DocMDP names them (ISO 32000-2 Table 257).</summary>
internal enum AllowedChangeKind
{
    /// <summary>A DSS, a document timestamp, or the metadata such an update rewrites: no change at any /P.</summary>
    LongTerm,

    /// <summary>A new signature (P=2 and 3).</summary>
    Signing,

    /// <summary>Annotations created or changed (P=3 only).</summary>
    Annotation,
}

/// <summary>
/// What a rule may ask about the revision it judges: whether an object is a signature dictionary
/// that covers exactly this revision and itself passed validation, and what the signatures of the
/// revision before permit (certification level, field locks).
/// </summary>
internal sealed record RevisionContext(Func<int, bool> IsPassingSignature, ModificationPermissions Permissions);

/// <summary>
/// One allowed kind of change after a signature. A rule looks at a <see cref="RevisionDiff"/> and
/// marks what it allows in <see cref="AllowedChanges"/>; it never removes a finding.
/// </summary>
internal interface IAllowedChangeRule
{
    string Name { get; }

    void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed);
}

/// <summary>
/// The allow-list for changes after a signature (the model is pyHanko's DiffPolicy): each later
/// revision is compared object by object with the one before it, and every change must be
/// accounted for by a rule. Everything else is a <see cref="Modification"/>.
/// </summary>
internal sealed class SignatureChangePolicy(IReadOnlyList<IAllowedChangeRule> rules)
{
    // Order matters: the field list and page rules use the widgets and annotations the rules before
    // them accepted, and the long-term catalog rule asks whether the revision is a long-term update.
    public static SignatureChangePolicy Default { get; } = new(
    [
        new SignEmptySignatureFieldRule(),
        new AddSignedSignatureFieldRule(),
        new AnnotationRule(),
        new SignatureFieldListRule(),
        new PageSignatureWidgetRule(),
        new DssRule(),
        new LongTermMetadataRule(),
        new LongTermCatalogRule(),
    ]);

    /// <summary>
    /// For the signer's check of a prepared revision on an unsigned draft: also lets the catalog
    /// gain its first AcroForm and, when the signature certifies, /Perms naming it. Never used by
    /// the verifier: a document with a signature has an AcroForm, and only a first signature certifies.
    /// </summary>
    public static SignatureChangePolicy ForFirstSignature { get; } = new([.. Default.Rules.Where(r => r is not LongTermCatalogRule), new FirstSignatureCatalogRule()]);

    public IReadOnlyList<IAllowedChangeRule> Rules { get; } = rules;

    public (List<Modification> Findings, List<string> Allowed) Judge(RevisionDiff diff, Func<int, bool> isPassingSignature)
    {
        var permissions = ReadPermissions(diff.Before);
        var context = new RevisionContext(isPassingSignature, permissions);
        var allowed = new AllowedChanges();
        foreach (var rule in Rules) rule.Apply(diff, context, allowed);

        var findings = new List<Modification>(diff.Findings);
        findings.AddRange(MdpFindings(diff, permissions, allowed));
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

    private static ModificationPermissions ReadPermissions(PdfFile before)
    {
        try
        {
            return ModificationPermissions.Read(before);
        }
        catch (PdfFormatException)
        {
            // Unreadable permissions are treated as the strictest: nothing may change.
            before.CheckTime();
            return ModificationPermissions.NothingAllowed;
        }
    }

    /// <summary>
    /// What DocMDP and FieldMDP forbid among the changes the rules allowed: at P=1 anything but a
    /// long-term update (ISO 32000-2 Table 257), and any change to a field a signature locked.
    /// (Annotations are allowed only at P=3 by <see cref="AnnotationRule"/> itself.)
    /// </summary>
    private static IEnumerable<Modification> MdpFindings(RevisionDiff diff, ModificationPermissions permissions, AllowedChanges allowed)
    {
        if (permissions.Strictest == DocMdpPermission.NoChanges && allowed.Kinds.Any(k => k != AllowedChangeKind.LongTerm))
        {
            var by = permissions.Certification == DocMdpPermission.NoChanges
                ? $"the certification by '{permissions.Certifier!.Name}' (DocMDP P=1)"
                : $"the field lock of '{permissions.Locks.First(l => l.Lock.Permission == DocMdpPermission.NoChanges).By.Name}' (P=1)";
            yield return new(diff.Revision, null, ModificationKind.DOCMDP_VIOLATION, $"revision {diff.Revision} makes changes ({string.Join(", ", allowed.Kinds.Where(k => k != AllowedChangeKind.LongTerm).Order())}) that {by} forbids");
        }

        if (permissions.Locks.Count == 0) yield break;
        var names = ModificationPermissions.FieldNames(diff.Before);
        foreach (var (num, _) in diff.Changed.OrderBy(c => c.Key))
        {
            if (!names.TryGetValue(num, out var name)) continue;
            foreach (var (by, fieldLock) in permissions.Locks.Where(l => l.Lock.Locks(name)))
            {
                yield return new(diff.Revision, num, ModificationKind.LOCKED_FIELD_CHANGED, $"the field '{name}' (object {num}) changed, which the signature '{by.Name}' locks (FieldMDP)");
                break;
            }
        }
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

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed)
    {
        foreach (var (num, (before, after)) in diff.Changed)
        {
            if (before is not PdfDictionary oldField || after is not PdfDictionary newField) continue;
            if (!IsSignatureField(diff.Before, oldField) || oldField["V"] is not null) continue;
            if (newField["V"] is not PdfReference v || !diff.Added.ContainsKey(v.ObjectNumber) || !context.IsPassingSignature(v.ObjectNumber)) continue;
            if (!RevisionDiff.ChangedKeys(oldField, newField).IsSubsetOf(["V", "AP"])) continue;
            allowed.Explained.Add(num);
            allowed.SignedFields.Add(num);
            allowed.Kinds.Add(IsDocumentTimestamp(diff.After, v) ? AllowedChangeKind.LongTerm : AllowedChangeKind.Signing);
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

    /// <summary>A signature dictionary that is a document timestamp (ISO 32000-2 12.8.5).</summary>
    internal static bool IsDocumentTimestamp(PdfFile file, PdfReference signature) =>
        file.ResolveDictionary(signature) is { } d && (d.GetName("Type") == "DocTimeStamp" || d.GetName("SubFilter") == "ETSI.RFC3161");

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

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed)
    {
        var existingNames = ExistingFieldNames(diff.Before);
        foreach (var (num, value) in diff.Added)
        {
            if (value is not PdfDictionary widget || widget.GetName("FT") != "Sig" || widget.GetName("Subtype") != "Widget") continue;
            if (widget["V"] is not PdfReference v || !diff.Added.ContainsKey(v.ObjectNumber) || !context.IsPassingSignature(v.ObjectNumber)) continue;
            if (!widget.Entries.All(e => WidgetKeys.Contains(e.Key))) continue;
            if ((widget["T"] as PdfString)?.ToText() is not { Length: > 0 } name || existingNames.Contains(name)) continue;
            var timestamp = SignEmptySignatureFieldRule.IsDocumentTimestamp(diff.After, v);

            // A document timestamp states a time, nothing a reader should see: its widget draws nothing.
            if (timestamp && (widget["AP"] is not null || !HasNoArea(diff.After, widget["Rect"]))) continue;
            allowed.SignatureWidgets.Add(num);
            allowed.NewObjectRoots.Add(num);
            allowed.Kinds.Add(timestamp ? AllowedChangeKind.LongTerm : AllowedChangeKind.Signing);
            allowed.Notes.Add(timestamp
                ? $"revision {diff.Revision}: document timestamp '{name}' (object {num}) was added in an invisible field (rule: {Name})"
                : $"revision {diff.Revision}: signature field '{name}' (object {num}) was added with its signature (rule: {Name})");
        }
    }

    private static bool HasNoArea(PdfFile file, PdfObject? rect) =>
        file.Resolve(rect) is PdfArray { Items.Count: 4 } a && a.Items.Select(i => (file.Resolve(i) as PdfNumber)?.AsDouble()).ToArray() is [{ } x1, { } y1, { } x2, { } y2]
        && (x1 == x2 || y1 == y2);

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

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed)
    {
        var catalog = diff.Before.ResolveDictionary(diff.Before.Trailer["Root"]);
        if (catalog?["AcroForm"] is not PdfReference acroFormRef) return;
        var oldForm = diff.Before.ResolveDictionary(acroFormRef);
        if (oldForm is null) return;

        if (diff.Changed.TryGetValue(acroFormRef.ObjectNumber, out var change) && change.After is PdfDictionary newForm)
        {
            var keys = RevisionDiff.ChangedKeys(oldForm, newForm);
            var fieldsOk = !keys.Contains("Fields") || SignatureChangePolicy.OnlyAppends(
                SignatureChangePolicy.ArrayItems(diff.Before, oldForm["Fields"]), SignatureChangePolicy.ArrayItems(diff.After, newForm["Fields"]), allowed.SignatureWidgets);
            var flagsOk = !keys.Contains("SigFlags") || newForm["SigFlags"] is PdfNumber { IsInteger: true } f && f.AsLong() is >= 1 and <= 3;
            if (keys.IsSubsetOf(["Fields", "SigFlags"]) && fieldsOk && flagsOk) allowed.Explained.Add(acroFormRef.ObjectNumber);
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

/// <summary>A page of the earlier revision may gain, at the end of its /Annots, the new signature widgets (and, at P=3, annotations) that belong to it; nothing else of the page may change.</summary>
internal sealed class PageSignatureWidgetRule : IAllowedChangeRule
{
    public string Name => "show new signature widgets on their page";

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed)
    {
        if (allowed.SignatureWidgets.Count == 0 && allowed.Annotations.Count == 0) return;
        var pages = SignatureChangePolicy.PageNumbers(diff.Before);
        foreach (var page in pages)
        {
            var widgetsOfPage = allowed.SignatureWidgets.Concat(allowed.Annotations)
                .Where(w => diff.Added[w] is PdfDictionary d && (d["P"] is null || (d["P"] is PdfReference p && p.ObjectNumber == page))).ToHashSet();
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
