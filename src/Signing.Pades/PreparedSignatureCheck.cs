using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Cms;
using Signing.PdfSyntax;
using Signing.Validation;
using Signing.Validation.Modifications;
using Signing.Validation.Steps;

namespace Signing.Pades;

/// <summary>
/// The signer's side of two-phase signing: before a hash goes to the token, proves that it is the
/// hash of a signature over <em>this</em> draft. The preparer (the service) sends the revision it
/// appended to the draft and the ByteRange; the check rebuilds the CAdES signed attributes from
/// the signer's own certificate and compares hashes, so nothing the preparer claims is trusted.
/// </summary>
public static class PreparedSignatureCheck
{
    /// <summary>Limits for parsing the prepared file: it comes from the network.</summary>
    public static PdfReadLimits Limits { get; } = new()
    {
        MaxFileBytes = 64L * 1024 * 1024,
        MaxObjects = 200_000,
        MaxRevisions = 100,
        MaxDecodedStreamBytes = 32 * 1024 * 1024,
        MaxParseTime = TimeSpan.FromSeconds(5),
    };

    /// <summary>
    /// Returns normally only when <paramref name="hashToSign"/> is SHA-256 of the signed attributes
    /// our signer builds for <paramref name="signer"/> over draft ‖ revision, where the revision
    /// adds exactly one signature field whose /Contents is the ByteRange gap and otherwise only
    /// what a signature adds (widget, page /Annots, form field list). Throws <see cref="SigningException"/>
    /// saying what does not match.
    /// </summary>
    public static void Check(byte[] draft, byte[] revision, long[] byteRange, byte[] hashToSign, X509Certificate2 signer)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(revision);
        ArgumentNullException.ThrowIfNull(byteRange);
        ArgumentNullException.ThrowIfNull(hashToSign);
        ArgumentNullException.ThrowIfNull(signer);
        if (revision.Length == 0) throw new SigningException("The prepared signature adds nothing to the draft.");
        var prepared = new byte[draft.Length + revision.Length];
        draft.CopyTo(prepared, 0);
        revision.CopyTo(prepared, draft.Length);

        PdfFile file;
        try
        {
            file = PdfFile.Parse(prepared, Limits);
        }
        catch (PdfFormatException e)
        {
            throw new SigningException("The prepared signature is not a readable PDF: " + e.Message);
        }

        var newSections = file.Sections.Where(s => s.Offset >= draft.Length).ToList();
        if (newSections.Count != 1) throw new SigningException($"The prepared signature must append exactly one revision to the draft, not {newSections.Count}.");

        // The one signature field the revision adds, and its ByteRange/Contents.
        var added = SignatureFields.Read(file)
            .Where(f => f.Field["V"] is PdfReference r && newSections[0].ObjectNumbers.Contains(r.ObjectNumber))
            .ToList();
        if (added.Count != 1) throw new SigningException($"The prepared revision must add exactly one signature, not {added.Count}.");
        var sigRef = (PdfReference)added[0].Field["V"]!;
        var sig = file.ResolveDictionary(sigRef) ?? throw new SigningException("The prepared signature dictionary is missing.");
        var range = ByteRangeValidation.Check(file, sigRef, sig, out var fileRange, out var contents);
        if (!range.Ok) throw new SigningException("The prepared signature's ByteRange is wrong: " + range.Problem);
        if (!fileRange.SequenceEqual(byteRange)) throw new SigningException("The ByteRange sent differs from the one in the prepared file.");
        if (fileRange[1] <= draft.Length) throw new SigningException("The prepared signature's gap lies inside the draft.");
        if (fileRange[2] + fileRange[3] != prepared.LongLength) throw new SigningException("The prepared signature does not cover the whole file.");
        if (contents is null || contents.Any(b => b != 0)) throw new SigningException("The prepared signature's /Contents is not an empty placeholder.");

        var changes = ModificationAnalysis.ChangesBeyondPlaceholder(file, draft.Length, sigRef.ObjectNumber);
        if (changes.Count > 0)
        {
            throw new SigningException("The prepared revision changes the draft beyond adding a signature: " + string.Join("; ", changes.Select(c => c.Detail)));
        }

        var digest = PadesSigner.HashByteRange(prepared, fileRange);
        var expected = SHA256.HashData(CadesSignedData.EncodeSignedAttributes(Oids.Data, digest, signer));
        if (!CryptographicOperations.FixedTimeEquals(expected, hashToSign))
        {
            throw new SigningException("The hash to sign is not the hash of a signature by this certificate over this draft.");
        }
    }
}
