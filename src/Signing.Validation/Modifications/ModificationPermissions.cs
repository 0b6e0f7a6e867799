using Signing.Core;
using Signing.PdfSyntax;

namespace Signing.Validation.Modifications;

/// <summary>DocMDP access permissions (ISO 32000-2 Table 257, /P of the DocMDP transform parameters).</summary>
public enum DocMdpPermission
{
    /// <summary>P=1: no change at all (an update adding only a DSS or a document timestamp is not a change).</summary>
    NoChanges = 1,

    /// <summary>P=2: filling in forms, instantiating page templates and signing.</summary>
    FormFillingAndSigning = 2,

    /// <summary>P=3: as 2, and creating, deleting and changing annotations.</summary>
    FormFillingSigningAndAnnotations = 3,
}

/// <summary>Which fields a FieldMDP lock covers (ISO 32000-2 Table 236 / Table 259 /Action).</summary>
public enum FieldLockAction
{
    All,
    Include,
    Exclude,
}

/// <summary>
/// A FieldMDP lock: once its signature is made, the fields it covers must not change. From a
/// field's /Lock (SigFieldLock) or a FieldMDP signature reference's /TransformParams;
/// <see cref="Permission"/> is the PDF 2.0 /P of a /Lock, which acts like DocMDP from then on.
/// </summary>
public sealed record FieldLock(FieldLockAction Action, IReadOnlyList<string> Fields, DocMdpPermission? Permission)
{
    public bool Locks(string fullyQualifiedName) => Action switch
    {
        FieldLockAction.All => true,
        FieldLockAction.Include => Fields.Any(f => Covers(f, fullyQualifiedName)),
        _ => !Fields.Any(f => Covers(f, fullyQualifiedName)),
    };

    /// <summary>
    /// Reads a SigFieldLock or FieldMDP transform parameters dictionary. An /Action this reader
    /// does not know locks everything, so a lock is never read as weaker than it was written.
    /// </summary>
    public static FieldLock? Read(PdfFile file, PdfObject? value)
    {
        if (file.ResolveDictionary(value) is not { } d) return null;
        var action = d.GetName("Action") switch
        {
            "Include" => FieldLockAction.Include,
            "Exclude" => FieldLockAction.Exclude,
            _ => FieldLockAction.All,
        };
        var fields = file.Resolve(d["Fields"]) is PdfArray a
            ? a.Items.Select(i => (file.Resolve(i) as PdfString)?.ToText()).OfType<string>().ToList()
            : [];
        if (action != FieldLockAction.All && fields.Count == 0 && d["Fields"] is null) action = FieldLockAction.All;
        return new FieldLock(action, fields, ModificationPermissions.ParsePermission(file, d["P"]));
    }

    // A lock on a non-terminal field covers its descendants (names are dot-separated paths).
    private static bool Covers(string locked, string name) =>
        name == locked || name.StartsWith(locked + ".", StringComparison.Ordinal);
}

/// <summary>A terminal signature field that carries a signature (/V), with its fully qualified name.</summary>
public sealed record SignedField(string Name, PdfDictionary Field, int? FieldObjectNumber, PdfReference? SignatureReference, PdfDictionary? Signature);

/// <summary>The signature's own transform references (/Reference in the signature dictionary, ISO 32000-2 12.8.1).</summary>
public sealed record SignatureTransforms(DocMdpPermission? DocMdp, IReadOnlyList<FieldLock> FieldLocks)
{
    public bool Certifies => DocMdp is not null;
}

/// <summary>
/// What the signatures already in a document permit (ISO 32000-2 12.8.2.2 DocMDP, 12.8.2.4
/// FieldMDP): the certification level and the field locks of signed fields. The signer asks it
/// before adding a signature; the verifier asks the same questions of each revision.
/// </summary>
public sealed class ModificationPermissions
{
    private ModificationPermissions(IReadOnlyList<SignedField> signed, SignedField? certifier, DocMdpPermission? certification, IReadOnlyList<(SignedField By, FieldLock Lock)> locks)
    {
        Signed = signed;
        Certifier = certifier;
        Certification = certification;
        Locks = locks;
    }

    /// <summary>The signed signature fields of the document, in /Fields order.</summary>
    public IReadOnlyList<SignedField> Signed { get; }

    /// <summary>The certifying signature's field, when the document is certified.</summary>
    public SignedField? Certifier { get; }

    /// <summary>The DocMDP level of the certification; null when the document is not certified.</summary>
    public DocMdpPermission? Certification { get; }

    /// <summary>The field locks that signed fields impose (their /Lock and their FieldMDP references).</summary>
    public IReadOnlyList<(SignedField By, FieldLock Lock)> Locks { get; }

    /// <summary>The strictest permission in force: the certification and any signed /Lock with /P.</summary>
    public DocMdpPermission? Strictest =>
        Locks.Select(l => l.Lock.Permission).Append(Certification).Where(p => p is not null).Min();

    /// <summary>For a state whose signatures cannot be read: as strict as P=1.</summary>
    public static ModificationPermissions NothingAllowed { get; } = new([], new SignedField("(unreadable)", new PdfDictionary(), null, null, null), DocMdpPermission.NoChanges, []);

    public static ModificationPermissions Read(PdfFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var signed = SignedFields(file);
        var catalog = file.ResolveDictionary(file.Trailer["Root"]);
        var permsDocMdp = file.ResolveDictionary(catalog?["Perms"])?["DocMDP"] as PdfReference;
        SignedField? certifier = null;
        DocMdpPermission? certification = null;
        var locks = new List<(SignedField, FieldLock)>();
        foreach (var field in signed)
        {
            var transforms = field.Signature is null ? new SignatureTransforms(null, []) : Transforms(file, field.Signature);
            var namedByPerms = permsDocMdp is not null && Equals(permsDocMdp, field.SignatureReference);

            // Either mark makes a certification: a signature that claims DocMDP is judged by it
            // even when /Perms was never written or was dropped later (stricter, never laxer).
            if (transforms.Certifies || namedByPerms)
            {
                var level = transforms.DocMdp ?? DocMdpPermission.FormFillingAndSigning;
                if (certification is null || level < certification)
                {
                    certification = level;
                    certifier = field;
                }
            }

            if (FieldLock.Read(file, field.Field["Lock"]) is { } fieldLock) locks.Add((field, fieldLock));
            locks.AddRange(transforms.FieldLocks.Select(l => (field, l)));
        }

        return new ModificationPermissions(signed, certifier, certification, locks);
    }

    /// <summary>
    /// Throws <see cref="ModificationForbiddenException"/> when a new signature in a new field
    /// named <paramref name="fieldName"/> would break what the document's signatures permit.
    /// </summary>
    public void CheckMayAddSignature(string fieldName)
    {
        if (Certification == DocMdpPermission.NoChanges)
        {
            throw new ModificationForbiddenException($"The document is certified by the signature '{Certifier!.Name}' with no changes allowed (DocMDP P=1); it cannot be signed again.");
        }

        foreach (var (by, fieldLock) in Locks)
        {
            if (fieldLock.Permission == DocMdpPermission.NoChanges)
            {
                throw new ModificationForbiddenException($"The signature '{by.Name}' locks the document against any change (field lock P=1); it cannot be signed again.");
            }

            if (fieldLock.Locks(fieldName) && Signed.Any(s => s.Name == fieldName))
            {
                throw new ModificationForbiddenException($"The field '{fieldName}' is locked by the signature '{by.Name}' (FieldMDP); it cannot be signed again.");
            }
        }
    }

    /// <summary>The DocMDP and FieldMDP references of a signature dictionary (ISO 32000-2 Table 256).</summary>
    public static SignatureTransforms Transforms(PdfFile file, PdfDictionary signature)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(signature);
        DocMdpPermission? docMdp = null;
        var locks = new List<FieldLock>();
        if (file.Resolve(signature["Reference"]) is not PdfArray references) return new SignatureTransforms(null, locks);
        foreach (var item in references.Items)
        {
            if (file.ResolveDictionary(item) is not { } reference) continue;
            switch (reference.GetName("TransformMethod"))
            {
                case "DocMDP":
                    // /P defaults to 2; a value outside 1..3 is read as the strictest (P=1).
                    var p = file.ResolveDictionary(reference["TransformParams"])?["P"];
                    var level = p is null ? DocMdpPermission.FormFillingAndSigning : ParsePermission(file, p) ?? DocMdpPermission.NoChanges;
                    docMdp = docMdp is null || level < docMdp ? level : docMdp;
                    break;
                case "FieldMDP":
                    if (FieldLock.Read(file, reference["TransformParams"]) is { } l) locks.Add(l);
                    break;
            }
        }

        return new SignatureTransforms(docMdp, locks);
    }

    /// <summary>Terminal signature fields with a /V (see <see cref="SignatureFields"/>), with their signature dictionaries.</summary>
    public static List<SignedField> SignedFields(PdfFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return SignatureFields.WithNumbers(file).Select(f => new SignedField(
            f.Name, f.Field, f.Number, f.Field["V"] as PdfReference, file.ResolveDictionary(f.Field["V"]))).ToList();
    }

    /// <summary>
    /// Every field object and widget of the AcroForm by object number, with the fully qualified
    /// name of the field it belongs to (a widget kid without /T carries its parent's name).
    /// </summary>
    public static Dictionary<int, string> FieldNames(PdfFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var names = new Dictionary<int, string>();
        var catalog = file.ResolveDictionary(file.Trailer["Root"]);
        if (file.ResolveDictionary(catalog?["AcroForm"]) is not { } acroForm || file.Resolve(acroForm["Fields"]) is not PdfArray fields) return names;
        void Walk(PdfObject item, string prefix, int depth)
        {
            if (depth > 32 || item is not PdfReference r || names.ContainsKey(r.ObjectNumber)) return;
            if (file.ResolveDictionary(item) is not { } field) return;
            var partial = (field["T"] as PdfString)?.ToText();
            var name = partial is null ? prefix : prefix.Length == 0 ? partial : prefix + "." + partial;
            names[r.ObjectNumber] = name;
            if (file.Resolve(field["Kids"]) is PdfArray kids)
            {
                foreach (var k in kids.Items) Walk(k, name, depth + 1);
            }
        }

        foreach (var f in fields.Items) Walk(f, "", 0);
        return names;
    }

    internal static DocMdpPermission? ParsePermission(PdfFile file, PdfObject? value) =>
        file.Resolve(value) is PdfNumber { IsInteger: true } n && n.AsLong() is >= 1 and <= 3 ? (DocMdpPermission)n.AsLong() : null;
}

/// <summary>The document's certification or a signature's field lock forbids the change asked for.</summary>
public sealed class ModificationForbiddenException(string message) : SigningException(message);
