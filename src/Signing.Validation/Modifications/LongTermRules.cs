using Signing.PdfSyntax;

namespace Signing.Validation.Modifications;

/// <summary>
/// A /DSS (ISO 32000-2 12.8.4.3, ETSI EN 319 142-1 B-LT) added or replaced: the catalog's /DSS
/// names a dictionary of only /Type, /Certs, /OCSPs, /CRLs and /VRI, whose arrays hold streams
/// and whose /VRI entries hold only /Cert, /OCSP, /CRL, /TU and /TS. Anything else hanging from
/// it (a page, an action, a font) makes it no DSS, and the catalog change stays a finding.
/// </summary>
internal sealed class DssRule : IAllowedChangeRule
{
    private static readonly HashSet<string> DssKeys = ["Type", "Certs", "OCSPs", "CRLs", "VRI"];
    private static readonly HashSet<string> VriKeys = ["Type", "Cert", "OCSP", "CRL", "TU", "TS"];
    private static readonly HashSet<string> StreamKeys = ["Length", "Filter", "DecodeParms"];

    public string Name => "add or update the document security store (/DSS)";

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed)
    {
        var oldCatalog = diff.Before.ResolveDictionary(diff.Before.Trailer["Root"]);
        var newCatalog = diff.After.ResolveDictionary(diff.After.Trailer["Root"]);
        if (oldCatalog is null || newCatalog?["DSS"] is not { } dssEntry) return;
        var catalogChanged = oldCatalog["DSS"]?.ToString() != dssEntry.ToString();
        var oldDss = OldDssObjects(diff.Before, oldCatalog["DSS"]);
        var objects = new HashSet<int>();
        if (!IsDss(diff.After, dssEntry, objects)) return;

        // Every object the new DSS consists of is new, unchanged, or a redefined part of the old DSS.
        var changedParts = objects.Where(diff.Changed.ContainsKey).ToList();
        if (changedParts.Any(n => !oldDss.Contains(n))) return;
        if (!catalogChanged && changedParts.Count == 0 && !objects.Any(diff.Added.ContainsKey)) return;
        allowed.Explained.UnionWith(changedParts);
        allowed.NewObjectRoots.UnionWith(objects.Where(diff.Added.ContainsKey));
        if (catalogChanged) allowed.CatalogKeys.Add("DSS");
        allowed.Kinds.Add(AllowedChangeKind.LongTerm);
        allowed.Notes.Add($"revision {diff.Revision}: the /DSS (validation data: certificates, OCSP responses, CRLs, VRI) was {(oldCatalog["DSS"] is null ? "added" : "updated")} (rule: {Name})");
    }

    private static HashSet<int> OldDssObjects(PdfFile before, PdfObject? dss)
    {
        var objects = new HashSet<int>();
        if (dss is not null) IsDss(before, dss, objects);
        return objects;
    }

    /// <summary>True when <paramref name="value"/> is DSS-shaped; collects the object numbers it is made of.</summary>
    private static bool IsDss(PdfFile file, PdfObject value, HashSet<int> objects)
    {
        if (Dictionary(file, value, objects) is not { } dss || !dss.Entries.All(e => DssKeys.Contains(e.Key))) return false;
        if (dss["Type"] is { } type && type is not PdfName { Value: "DSS" }) return false;
        foreach (var key in new[] { "Certs", "OCSPs", "CRLs" })
        {
            if (dss[key] is { } list && !IsStreamArray(file, list, objects)) return false;
        }

        if (dss["VRI"] is not { } vriEntry) return true;
        if (Dictionary(file, vriEntry, objects) is not { } vri) return false;
        foreach (var (_, entry) in vri.Entries)
        {
            if (Dictionary(file, entry, objects) is not { } one || !one.Entries.All(e => VriKeys.Contains(e.Key))) return false;
            if (one["Type"] is { } t && t is not PdfName { Value: "VRI" }) return false;
            if (one["TU"] is { } tu && file.Resolve(tu) is not PdfString) return false;
            if (one["TS"] is { } ts && !IsStream(file, ts, objects)) return false;
            foreach (var key in new[] { "Cert", "OCSP", "CRL" })
            {
                if (one[key] is { } list && !IsStreamArray(file, list, objects)) return false;
            }
        }

        return true;
    }

    private static PdfDictionary? Dictionary(PdfFile file, PdfObject value, HashSet<int> objects)
    {
        if (value is PdfReference r) objects.Add(r.ObjectNumber);
        return file.Resolve(value) as PdfDictionary;
    }

    private static bool IsStreamArray(PdfFile file, PdfObject value, HashSet<int> objects)
    {
        if (value is PdfReference r) objects.Add(r.ObjectNumber);
        return file.Resolve(value) is PdfArray a && a.Items.All(i => IsStream(file, i, objects));
    }

    private static bool IsStream(PdfFile file, PdfObject value, HashSet<int> objects)
    {
        if (value is not PdfReference r || file.Resolve(r) is not PdfStream s) return false;
        objects.Add(r.ObjectNumber);
        return s.Dictionary.Entries.All(e => StreamKeys.Contains(e.Key) && e.Value is not PdfReference || e.Key == "Length");
    }
}

/// <summary>
/// In a long-term update (one that adds a DSS or a document timestamp), the XMP metadata stream
/// the catalog names may be rewritten or replaced by a new one, and the Info dictionary may be
/// rewritten with plain values. Neither is drawn on a page; outside such an update both stay findings.
/// </summary>
internal sealed class LongTermMetadataRule : IAllowedChangeRule
{
    private static readonly HashSet<string> MetadataKeys = ["Type", "Subtype", "Length", "Filter", "DecodeParms"];

    public string Name => "rewrite the metadata in a long-term update";

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed)
    {
        if (!allowed.Kinds.Contains(AllowedChangeKind.LongTerm)) return;
        var oldCatalog = diff.Before.ResolveDictionary(diff.Before.Trailer["Root"]);
        var newCatalog = diff.After.ResolveDictionary(diff.After.Trailer["Root"]);
        if (oldCatalog is null || newCatalog is null) return;

        if (newCatalog["Metadata"] is PdfReference metadata && IsMetadata(diff.After, metadata))
        {
            if (oldCatalog["Metadata"] is PdfReference same && same.Equals(metadata) && diff.Changed.ContainsKey(metadata.ObjectNumber))
            {
                allowed.Explained.Add(metadata.ObjectNumber);
                allowed.Notes.Add($"revision {diff.Revision}: the XMP metadata (object {metadata.ObjectNumber}) was rewritten (rule: {Name})");
            }
            else if (!metadata.Equals(oldCatalog["Metadata"]) && diff.Added.ContainsKey(metadata.ObjectNumber))
            {
                allowed.CatalogKeys.Add("Metadata");
                allowed.NewObjectRoots.Add(metadata.ObjectNumber);
                allowed.Notes.Add($"revision {diff.Revision}: new XMP metadata (object {metadata.ObjectNumber}) (rule: {Name})");
            }
        }

        if (diff.After.Trailer["Info"] is PdfReference info && diff.Changed.TryGetValue(info.ObjectNumber, out var change)
            && change.After is PdfDictionary newInfo && newInfo.Entries.All(e => e.Value is PdfString or PdfName or PdfNumber or PdfBoolean))
        {
            allowed.Explained.Add(info.ObjectNumber);
            allowed.Notes.Add($"revision {diff.Revision}: the Info dictionary (object {info.ObjectNumber}) was rewritten (rule: {Name})");
        }
    }

    private static bool IsMetadata(PdfFile file, PdfReference r) =>
        file.Resolve(r) is PdfStream { Dictionary: var d } && d.GetName("Type") == "Metadata" && d.GetName("Subtype") == "XML"
        && d.Entries.All(e => MetadataKeys.Contains(e.Key) && (e.Value is not PdfReference || e.Key == "Length"));
}

/// <summary>The catalog may change only in the entries the long-term rules accounted for (/DSS, /Metadata).</summary>
internal sealed class LongTermCatalogRule : IAllowedChangeRule
{
    public string Name => "point the catalog at the new DSS and metadata";

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed) =>
        CatalogRules.ExplainCatalog(diff, allowed, allowed.CatalogKeys);
}

/// <summary>
/// For the signer's prepared-hash check of a first signature: the catalog may gain its first
/// AcroForm listing only the new signature widgets (and /SigFlags), and /Perms whose only entry
/// /DocMDP names the new signature when that signature certifies (a DocMDP reference).
/// </summary>
internal sealed class FirstSignatureCatalogRule : IAllowedChangeRule
{
    public string Name => "create the AcroForm and /Perms for the first signature";

    public void Apply(RevisionDiff diff, RevisionContext context, AllowedChanges allowed)
    {
        if (diff.Before.Trailer["Root"] is not PdfReference root || !diff.Changed.TryGetValue(root.ObjectNumber, out var change)) return;
        if (change.Before is not PdfDictionary oldCatalog || change.After is not PdfDictionary newCatalog) return;
        var keys = new HashSet<string>(allowed.CatalogKeys, StringComparer.Ordinal);
        if (oldCatalog["AcroForm"] is null && newCatalog["AcroForm"] is PdfReference formRef
            && diff.Added.TryGetValue(formRef.ObjectNumber, out var formObject) && formObject is PdfDictionary form
            && form.Entries.All(e => e.Key is "Fields" or "SigFlags")
            && SignatureChangePolicy.OnlyAppends([], SignatureChangePolicy.ArrayItems(diff.After, form["Fields"]), allowed.SignatureWidgets))
        {
            keys.Add("AcroForm");
            allowed.NewObjectRoots.Add(formRef.ObjectNumber);
        }

        if (oldCatalog["Perms"] is null && diff.After.ResolveDictionary(newCatalog["Perms"]) is { } perms
            && perms.Entries.All(e => e.Key == "DocMDP") && perms["DocMDP"] is PdfReference sig
            && context.IsPassingSignature(sig.ObjectNumber) && diff.After.ResolveDictionary(sig) is { } sigDict
            && ModificationPermissions.Transforms(diff.After, sigDict).Certifies)
        {
            keys.Add("Perms");
            if (newCatalog["Perms"] is PdfReference permsRef) allowed.NewObjectRoots.Add(permsRef.ObjectNumber);
            allowed.Notes.Add($"revision {diff.Revision}: the catalog's /Perms names the certifying signature (rule: {Name})");
        }

        CatalogRules.ExplainCatalog(diff, allowed, keys);
    }
}

internal static class CatalogRules
{
    /// <summary>Marks the catalog allowed when it changed in <paramref name="keys"/> only.</summary>
    public static void ExplainCatalog(RevisionDiff diff, AllowedChanges allowed, IReadOnlySet<string> keys)
    {
        if (keys.Count == 0 || diff.Before.Trailer["Root"] is not PdfReference root || !diff.Changed.TryGetValue(root.ObjectNumber, out var change)) return;
        if (change.Before is not PdfDictionary oldCatalog || change.After is not PdfDictionary newCatalog) return;
        var changed = RevisionDiff.ChangedKeys(oldCatalog, newCatalog);
        if (changed.Count > 0 && changed.IsSubsetOf(keys)) allowed.Explained.Add(root.ObjectNumber);
    }
}
