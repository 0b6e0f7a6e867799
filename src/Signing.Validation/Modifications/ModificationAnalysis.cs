using Signing.PdfSyntax;

namespace Signing.Validation.Modifications;

/// <summary>
/// Modification step: finds every signature any revision's AcroForm names, and judges each
/// revision against the one before it with <see cref="SignatureChangePolicy"/>.
/// </summary>
public static class ModificationAnalysis
{
    /// <summary>
    /// For the signer's prepared-hash check: the disallowed changes the revisions after
    /// <paramref name="draftLength"/> make, counting <paramref name="placeholder"/> (the not yet
    /// signed signature dictionary those revisions add) as if it were a signature that passed.
    /// </summary>
    public static List<Modification> ChangesBeyondPlaceholder(PdfFile file, long draftLength, int placeholder)
    {
        var history = RevisionHistory.Read(file);
        var draftRevision = history.RevisionEndingAt(draftLength);
        if (draftRevision is null) return [new(1, null, ModificationKind.UNCOVERED_BYTES, "the draft does not end at a revision end")];
        var found = FindSignatures(file, history);
        var findings = new List<Modification>();
        for (var r = draftRevision.Value + 1; r <= history.Count; r++) findings.AddRange(JudgeRevision(history, found, r, n => n == placeholder, SignatureChangePolicy.ForFirstSignature).Findings);
        findings.AddRange(Structural(history).Where(m => m.Revision > draftRevision));
        return findings;
    }

    /// <summary>The revision structure's anomalies as findings.</summary>
    public static IEnumerable<Modification> Structural(RevisionHistory history) => history.Anomalies.Select(a => new Modification(
        a.Revision,
        null,
        a.Kind == RevisionAnomalyKind.TrailingData ? ModificationKind.TRAILING_DATA : ModificationKind.REVISION_OUTSIDE_CHAIN,
        a.Detail));

    internal static (List<Modification> Findings, List<string> Allowed) JudgeRevision(RevisionHistory history, FoundSignatures found, int revision, Func<int, bool> isPassingSignature, SignatureChangePolicy? policy = null)
    {
        var before = history.State(revision - 1, out var beforeProblem);
        var after = history.State(revision, out var afterProblem);
        if (before is null || after is null)
        {
            return ([new(revision, null, ModificationKind.UNREADABLE_REVISION, $"revision {(before is null ? revision - 1 : revision)} cannot be read on its own: {beforeProblem ?? afterProblem}")], []);
        }

        var diff = RevisionDiff.Compare(revision, before, after);
        var (findings, allowed) = (policy ?? SignatureChangePolicy.Default).Judge(diff, isPassingSignature);
        var kept = found.KeysByRevision[revision];
        foreach (var (key, fieldNumber, name) in found.FieldsByRevision[revision - 1])
        {
            if (!kept.Contains(key)) findings.Add(new(revision, fieldNumber, ModificationKind.SIGNATURE_FIELD_REMOVED, $"the signature field '{name}' of revision {revision - 1} (or its signature) is gone"));
        }

        return (findings, allowed);
    }

    /// <summary>A signature dictionary as first seen in some revision's AcroForm.</summary>
    internal sealed record FoundSignature(string Name, PdfDictionary Field, int? FieldObjectNumber, PdfReference? SignatureReference, PdfDictionary? Signature, XrefEntry? SignatureEntry, int FirstRevision, bool InLastRevision)
    {
        /// <summary>Other fields that name the same signature dictionary (a field that borrows a signature looks signed).</summary>
        public IReadOnlyList<Modification> SharedWith { get; init; } = [];
    }

    internal sealed record FoundSignatures(
        List<FoundSignature> Signatures,
        Dictionary<int, HashSet<string>> KeysByRevision,
        Dictionary<int, List<(string Key, int? FieldObjectNumber, string Name)>> FieldsByRevision);


    /// <summary>Every signature dictionary any revision's AcroForm names, once each (identified by where its definition lies), oldest revision first.</summary>
    internal static FoundSignatures FindSignatures(PdfFile file, RevisionHistory history)
    {
        var byKey = new Dictionary<string, FoundSignature>(StringComparer.Ordinal);
        var order = new List<string>();
        var keysByRevision = new Dictionary<int, HashSet<string>>();
        var fieldsByRevision = new Dictionary<int, List<(string, int?, string)>> { [0] = [] };
        var shared = new List<(string Key, int Revision, int? Field, string Name)>();
        for (var revision = 1; revision <= history.Count; revision++)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var fields = new List<(string, int?, string)>();
            keysByRevision[revision] = keys;
            fieldsByRevision[revision] = fields;
            var state = history.State(revision, out _);
            if (state is null) continue;
            List<(string Name, PdfDictionary Field, int? Number)> sigFields;
            try
            {
                sigFields = SignatureFields.WithNumbers(state);
            }
            catch (PdfFormatException)
            {
                state.CheckTime();
                continue;
            }

            foreach (var (name, field, number) in sigFields)
            {
                var sigRef = field["V"] as PdfReference;
                PdfDictionary? sig;
                XrefEntry? entry = null;
                try
                {
                    sig = state.ResolveDictionary(field["V"]);
                }
                catch (PdfFormatException)
                {
                    state.CheckTime();
                    sig = null;
                }

                if (sigRef is not null && state.Xref.TryGetValue(sigRef.ObjectNumber, out var e)) entry = e;
                var key = entry is { IsInUse: true, InObjectStream: false } plain ? "at:" + plain.Offset
                    : sigRef is not null ? $"obj:{sigRef.ObjectNumber}:{sig}"
                    : $"direct:{name}:{sig}";
                if (!keys.Add(key)) shared.Add((key, revision, number, name));
                fields.Add((key, number, name));
                if (!byKey.ContainsKey(key))
                {
                    byKey[key] = new FoundSignature(name, field, number, sigRef, sig, entry, revision, false);
                    order.Add(key);
                }
            }
        }

        var last = keysByRevision.TryGetValue(history.Count, out var lastKeys) ? lastKeys : [];
        var list = order.Select(k => byKey[k] with
        {
            InLastRevision = last.Contains(k),
            SharedWith = shared.Where(x => x.Key == k).Select(x => new Modification(x.Revision, x.Field, ModificationKind.SIGNATURE_SHARED_BY_FIELDS, $"the signature is also the /V of field '{x.Name}', which then looks signed")).ToList(),
        }).ToList();
        return new FoundSignatures(list, keysByRevision, fieldsByRevision);
    }
}
