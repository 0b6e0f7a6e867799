using Signing.PdfSyntax;

namespace Signing.Validation.Modifications;

/// <summary>
/// What one revision changed, object by object, against the file as the revision before it left
/// it: every object number in use, free or broken in either state is compared, so an update is
/// judged by what readers see, not by what its own cross-reference section claims to touch.
/// </summary>
internal sealed class RevisionDiff
{
    private RevisionDiff(int revision, PdfFile before, PdfFile after)
    {
        Revision = revision;
        Before = before;
        After = after;
    }

    public int Revision { get; }

    public PdfFile Before { get; }

    public PdfFile After { get; }

    /// <summary>Objects new in this revision (number → definition).</summary>
    public Dictionary<int, PdfObject> Added { get; } = [];

    /// <summary>Objects of the earlier revision whose definition differs now.</summary>
    public Dictionary<int, (PdfObject Before, PdfObject After)> Changed { get; } = [];

    /// <summary>Changes no rule can allow, found while comparing (freed, broken, unreadable, swapped trailer).</summary>
    public List<Modification> Findings { get; } = [];

    /// <summary>Object numbers the earlier revision referred to without defining them, or had freed.</summary>
    public HashSet<int> UndefinedInBefore { get; } = [];

    public static RevisionDiff Compare(int revision, PdfFile before, PdfFile after)
    {
        var diff = new RevisionDiff(revision, before, after);
        if (!Equals(before.Trailer["Root"], after.Trailer["Root"]))
        {
            diff.Findings.Add(new(revision, (after.Trailer["Root"] as PdfReference)?.ObjectNumber, ModificationKind.TRAILER_CHANGED, "the trailer /Root points at another catalog"));
        }

        if (!Equals(before.Trailer["Info"], after.Trailer["Info"]))
        {
            diff.Findings.Add(new(revision, (after.Trailer["Info"] as PdfReference)?.ObjectNumber, ModificationKind.TRAILER_CHANGED, "the trailer /Info points at another dictionary"));
        }

        var numbers = before.Xref.Keys.Union(after.Xref.Keys).Order();
        foreach (var num in numbers)
        {
            after.CheckTime();
            var oldInUse = before.Xref.TryGetValue(num, out var oldEntry) && oldEntry.IsInUse;
            var newInUse = after.Xref.TryGetValue(num, out var newEntry) && newEntry.IsInUse;
            var oldBroken = !oldInUse && oldEntry.IsBroken;
            var newBroken = !newInUse && newEntry.IsBroken;
            if (newBroken && !oldBroken)
            {
                diff.Findings.Add(new(revision, num, ModificationKind.BROKEN_XREF_ENTRY, $"object {num} is listed as in use at offset 0 or outside the file"));
                continue;
            }

            if (!oldInUse && !newInUse) continue;
            var oldObject = oldInUse ? Read(before, num, out _) : null;
            if (!newInUse)
            {
                if (oldObject is not null) diff.Findings.Add(new(revision, num, ModificationKind.OBJECT_FREED, $"object {num} ({Describe(oldObject)}) was freed"));
                continue;
            }

            var newObject = Read(after, num, out var problem);
            if (newObject is null)
            {
                diff.Findings.Add(new(revision, num, ModificationKind.UNREADABLE_REVISION, $"object {num} cannot be read: {problem}"));
                continue;
            }

            if (oldObject is null)
            {
                if (IsContainer(newObject)) continue;
                diff.Added[num] = newObject;
                if (before.Xref.ContainsKey(num)) diff.UndefinedInBefore.Add(num);
            }
            else if (!SameObject(before, oldObject, after, newObject))
            {
                diff.Changed[num] = (oldObject, newObject);
            }
        }

        if (diff.Added.Count > 0) CollectDanglingReferences(before, diff);
        return diff;
    }

    private static PdfObject? Read(PdfFile file, int num, out string? problem)
    {
        problem = null;
        try
        {
            return file.GetObject(num);
        }
        catch (PdfFormatException e)
        {
            // Out of time is not a property of this object: let it end the whole verification.
            file.CheckTime();
            problem = e.Message;
            return null;
        }
    }

    /// <summary>Cross-reference streams and object streams hold other objects; what they hold is compared, not them.</summary>
    private static bool IsContainer(PdfObject o) => o is PdfStream s && s.Dictionary.GetName("Type") is "XRef" or "ObjStm";

    /// <summary>References in the earlier revision to numbers it did not define: filling one later changes what an old object shows without touching it.</summary>
    private static void CollectDanglingReferences(PdfFile before, RevisionDiff diff)
    {
        var references = new List<int>();
        foreach (var (num, entry) in before.Xref)
        {
            before.CheckTime();
            if (!entry.IsInUse) continue;
            var o = Read(before, num, out _);
            if (o is not null) AddReferences(o, references);
        }

        foreach (var (_, value) in before.Trailer.Entries) AddReferences(value, references);
        foreach (var r in references)
        {
            if (diff.Added.ContainsKey(r)) diff.UndefinedInBefore.Add(r);
        }
    }

    /// <summary>The object numbers an object refers to directly (arrays and dictionaries are bounded by the parser's nesting limit).</summary>
    public static List<int> References(PdfObject? o)
    {
        var references = new List<int>();
        AddReferences(o, references);
        return references;
    }

    private static void AddReferences(PdfObject? o, List<int> references)
    {
        switch (o)
        {
            case PdfReference r:
                references.Add(r.ObjectNumber);
                break;
            case PdfStream s:
                AddReferences(s.Dictionary, references);
                break;
            case PdfDictionary d:
                foreach (var (_, v) in d.Entries) AddReferences(v, references);
                break;
            case PdfArray a:
                foreach (var item in a.Items) AddReferences(item, references);
                break;
        }
    }

    public static bool SameObject(PdfFile oldFile, PdfObject a, PdfFile newFile, PdfObject b)
    {
        // The states of one file share the definitions that read alike in both (PdfFile.ParsePrefix).
        if (ReferenceEquals(a, b)) return true;
        if (a is PdfStream sa && b is PdfStream sb)
        {
            return sa.Dictionary.ToString() == sb.Dictionary.ToString()
                && oldFile.Data.AsSpan((int)sa.DataOffset, sa.DataLength).SequenceEqual(newFile.Data.AsSpan((int)sb.DataOffset, sb.DataLength));
        }

        if (a is PdfStream || b is PdfStream) return false;
        return a.ToString() == b.ToString();
    }

    /// <summary>The keys whose values differ between two dictionaries (present in one only, or different).</summary>
    public static HashSet<string> ChangedKeys(PdfDictionary a, PdfDictionary b)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in a.Entries)
        {
            if (b[k] is not { } other || other.ToString() != v.ToString()) keys.Add(k);
        }

        foreach (var (k, _) in b.Entries)
        {
            if (a[k] is null) keys.Add(k);
        }

        return keys;
    }

    public static PdfDictionary? AsDictionary(PdfObject? o) => o switch
    {
        PdfStream s => s.Dictionary,
        PdfDictionary d => d,
        _ => null,
    };

    public static string Describe(PdfObject o)
    {
        var d = AsDictionary(o);
        var type = d?.GetName("Type");
        var subtype = d?.GetName("Subtype");
        return (type, subtype, o) switch
        {
            ({ } t, { } s, _) => $"/{t} /{s}",
            ({ } t, null, _) => "/" + t,
            (null, { } s, _) => "/" + s,
            (_, _, PdfStream) => "stream",
            (_, _, PdfDictionary) => "dictionary",
            _ => o.GetType().Name.Replace("Pdf", "", StringComparison.Ordinal).ToLowerInvariant(),
        };
    }
}
