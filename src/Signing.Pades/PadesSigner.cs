using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Signing.Core;
using Signing.Core.Keys;
using Signing.Core.Timestamps;
using Signing.Pades.Appearance;
using Signing.Cms;
using Signing.PdfSyntax;
using Signing.Validation;
using Signing.Validation.Modifications;
using Signing.Timestamping;

namespace Signing.Pades;

/// <summary>
/// The state between the two phases of a signature, a plain record of bytes so a service can
/// store it while the hash travels to a USB token. Phase 1 (<see cref="PadesSigner.Prepare(byte[], SignatureRequest, TimeProvider?)"/>)
/// makes it; phase 2 (<see cref="PadesSigner.CompleteAsync"/>) consumes it.
/// </summary>
public sealed record PreparedSignature
{
    /// <summary>The input plus the incremental update, with a zero-filled /Contents placeholder.</summary>
    public required byte[] PreparedPdf { get; init; }

    /// <summary>/ByteRange: [0, start of the /Contents hex string, end of it, length of the rest].</summary>
    public required long[] ByteRange { get; init; }

    /// <summary>SHA-256 over the two ByteRange spans (the message-digest attribute).</summary>
    public required byte[] DocumentDigest { get; init; }

    /// <summary>DER SET OF the signed attributes; its SHA-256 is what the key signs.</summary>
    public required byte[] SignedAttributes { get; init; }

    /// <summary>SHA-256 of <see cref="SignedAttributes"/>: the hash to sign (CKM_RSA_PKCS with DigestInfo, CKM_ECDSA, or PSS).</summary>
    public required byte[] ToBeSignedHash { get; init; }

    /// <summary>DER of the signer certificate.</summary>
    public required byte[] SignerCertificate { get; init; }

    /// <summary>DER of every certificate put in the CMS (signer first).</summary>
    public required byte[][] Certificates { get; init; }

    public required SignatureScheme Scheme { get; init; }

    public required string FieldName { get; init; }

    /// <summary>The time written to /M and shown in the appearance (Vietnam time, +07:00).</summary>
    public required DateTimeOffset SigningTime { get; init; }

    /// <summary>How many CMS bytes the /Contents placeholder holds.</summary>
    public int ContentsCapacityBytes => (int)((ByteRange[2] - ByteRange[1] - 2) / 2);
}

/// <summary>
/// Signs PDFs as PAdES baseline signatures (ETSI EN 319 142-1, B-B / B-T) by appending
/// incremental updates; the bytes of the input are never rewritten.
/// </summary>
public static class PadesSigner
{
    public const string SubFilterCades = "ETSI.CAdES.detached";

    /// <summary>Vietnam has one time zone, UTC+07:00, without daylight saving.</summary>
    public static readonly TimeSpan VietnamOffset = TimeSpan.FromHours(7);

    private const string ByteRangePlaceholder = "[0 9999999999 9999999999 9999999999]";

    /// <summary>Phase 1: appends the signature field, widget, appearance and placeholder, and computes the hash to sign.</summary>
    public static PreparedSignature Prepare(Stream pdf, SignatureRequest request, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        using var ms = new MemoryStream();
        pdf.CopyTo(ms);
        return Prepare(ms.ToArray(), request, timeProvider);
    }

    /// <summary>Phase 1: appends the signature field, widget, appearance and placeholder, and computes the hash to sign.</summary>
    public static PreparedSignature Prepare(byte[] pdf, SignatureRequest request, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(request);
        if (request.SubFilter != SubFilterCades) throw new SigningException($"Only /SubFilter /{SubFilterCades} is supported, not '{request.SubFilter}'.");
        var signer = request.SignerCertificate;
        var scheme = request.Scheme ?? DefaultScheme(signer);
        var keyBits = CheckSchemeMatchesKey(signer, scheme);
        var signingTime = (timeProvider ?? TimeProvider.System).GetUtcNow().ToOffset(VietnamOffset);
        signingTime = signingTime.AddTicks(-(signingTime.Ticks % TimeSpan.TicksPerSecond));

        var file = PdfFile.Parse(pdf);
        var writer = new IncrementalUpdateWriter(file);
        var catalogRef = (PdfReference)file.Trailer["Root"]!;
        var catalog = file.ResolveDictionary(catalogRef)?.CloneShallow() ?? throw new PdfFormatException("The PDF is damaged: the catalog is missing.");
        var pages = file.GetPageReferences();
        if (pages.Count == 0) throw new PdfFormatException("The PDF has no pages.");
        if (request.PageIndex < 0 || request.PageIndex >= pages.Count) throw new SigningException($"Page {request.PageIndex + 1} does not exist; the PDF has {pages.Count} page(s).");
        var pageRef = pages[request.PageIndex];
        var page = file.ResolveDictionary(pageRef)!.CloneShallow();

        // AcroForm: direct in the catalog, indirect, or new.
        var acroFormRef = catalog["AcroForm"] as PdfReference;
        var acroForm = file.ResolveDictionary(catalog["AcroForm"])?.CloneShallow() ?? new PdfDictionary();
        var fields = file.Resolve(acroForm["Fields"]) is PdfArray existingFields ? new PdfArray(existingFields.Items) : new PdfArray();
        var existingNames = FieldNames(file, fields);
        var fieldName = request.FieldName ?? NextFreeName(existingNames);
        if (fieldName.Length == 0 || fieldName.Contains('.', StringComparison.Ordinal)) throw new SigningException("The signature field name must be non-empty and contain no '.'.");
        // What earlier signatures permit comes first: a refused document gets no update at all.
        var permissions = ModificationPermissions.Read(file);
        permissions.CheckMayAddSignature(fieldName);
        if (existingNames.Contains(fieldName)) throw new SigningException($"The PDF already has a field named '{fieldName}'; choose another name.");
        var certify = permissions.Signed.Count == 0 ? request.CertifyIfFirst : null;

        var sigRef = writer.Allocate();
        var widgetRef = writer.Allocate();

        // Widget (merged with its field) with an appearance stream; PDF/A wants one even when invisible.
        var box = file.Resolve(page["MediaBox"]) is PdfArray mb && mb.Items.Count == 4
            ? mb.Items.Select(i => (file.Resolve(i) as PdfNumber)?.AsDouble() ?? 0).ToArray()
            : InheritedMediaBox(file, page);
        var rect = request.Placement?.Resolve(box) ?? (box[0], box[1], 0d, 0d);
        var appearanceRef = AppearanceBuilder.Build(writer, rect.W, rect.H, request.Placement is null ? null : request.Appearance, signingTime);

        // FieldMDP: once signed, this field itself must not change (ISO 32000-2 12.7.5.5).
        SignatureField.Add(writer, file, widgetRef, pageRef, page, fields, fieldName, sigRef, rect, appearanceRef, OwnFieldLock(fieldName));
        acroForm["Fields"] = fields;
        acroForm["SigFlags"] = new PdfNumber(3); // SignaturesExist | AppendOnly
        var catalogChanged = false;
        if (acroFormRef is not null)
        {
            writer.SetObject(acroFormRef, acroForm);
        }
        else
        {
            var newAcroFormRef = writer.Allocate();
            writer.SetObject(newAcroFormRef, acroForm);
            catalog["AcroForm"] = newAcroFormRef;
            catalogChanged = true;
        }

        if (certify is not null)
        {
            // The catalog names the certification signature (ISO 32000-2 12.8.6, /Perms /DocMDP).
            var perms = file.ResolveDictionary(catalog["Perms"])?.CloneShallow() ?? new PdfDictionary();
            perms["DocMDP"] = sigRef;
            catalog["Perms"] = perms;
            catalogChanged = true;
        }

        if (catalogChanged) writer.SetObject(catalogRef, catalog);

        // The signature dictionary, with fixed-width placeholders filled in after layout.
        var certificates = new List<X509Certificate2> { signer };
        certificates.AddRange(request.Chain.Where(c => !c.RawData.AsSpan().SequenceEqual(signer.RawData)));
        var capacity = ContentsCapacity(signer, keyBits, certificates, scheme, request);
        var sigDict = new StringBuilder("<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/")
            .Append(SubFilterCades)
            .Append("/ByteRange ").Append(ByteRangePlaceholder)
            .Append("/Contents <").Append('0', capacity * 2).Append('>')
            .Append("/M ").Append(new PdfString(Encoding.ASCII.GetBytes(PdfDate(signingTime))))
            .Append("/Name ").Append(PdfString.FromText(request.SignerName ?? signer.GetNameInfo(X509NameType.SimpleName, false)));
        if (request.Reason is { Length: > 0 } reason) sigDict.Append("/Reason ").Append(PdfString.FromText(reason));
        if (request.Location is { Length: > 0 } location) sigDict.Append("/Location ").Append(PdfString.FromText(location));
        if (request.ContactInfo is { Length: > 0 } contact) sigDict.Append("/ContactInfo ").Append(PdfString.FromText(contact));
        sigDict.Append("/Reference ").Append(TransformReferences(certify, fieldName, catalogRef));
        sigDict.Append(">>");
        var sigBody = sigDict.ToString();
        writer.SetRawObject(sigRef, Encoding.ASCII.GetBytes(sigBody));

        var idSeed = SHA256.HashData(Encoding.UTF8.GetBytes($"{Convert.ToHexString(SHA256.HashData(pdf.AsSpan(0, Math.Min(pdf.Length, 4096))))}|{fieldName}|{signingTime:O}|{pdf.Length}"));
        var output = writer.Write(idSeed[..16]);
        var bytes = output.Bytes;

        var sigStart = output.BodyOffsets[sigRef.ObjectNumber];
        var contentsStart = sigStart + sigBody.IndexOf("/Contents <", StringComparison.Ordinal) + "/Contents ".Length;
        var contentsEnd = contentsStart + (capacity * 2) + 2;
        var byteRange = new[] { 0L, contentsStart, contentsEnd, bytes.LongLength - contentsEnd };
        var rangeText = string.Create(CultureInfo.InvariantCulture, $"[0 {byteRange[1]} {byteRange[2]} {byteRange[3]}]").PadRight(ByteRangePlaceholder.Length);
        var rangeAt = sigStart + sigBody.IndexOf("/ByteRange ", StringComparison.Ordinal) + "/ByteRange ".Length;
        Encoding.ASCII.GetBytes(rangeText).CopyTo(bytes, rangeAt);

        var digest = HashByteRange(bytes, byteRange);
        var signedAttributes = CadesSignedData.EncodeSignedAttributes(Oids.Data, digest, signer);
        return new PreparedSignature
        {
            PreparedPdf = bytes,
            ByteRange = byteRange,
            DocumentDigest = digest,
            SignedAttributes = signedAttributes,
            ToBeSignedHash = SHA256.HashData(signedAttributes),
            SignerCertificate = signer.RawData,
            Certificates = certificates.Select(c => c.RawData).ToArray(),
            Scheme = scheme,
            FieldName = fieldName,
            SigningTime = signingTime,
        };
    }

    /// <summary>
    /// Phase 2: checks <paramref name="signatureValue"/> against the signer's certificate (a wrong
    /// value is refused), builds the DER CMS, adds the signature timestamp when a client is given
    /// (PAdES B-T) and embeds it. Returns the signed PDF; nothing is written anywhere.
    /// </summary>
    public static async Task<byte[]> CompleteAsync(PreparedSignature prepared, byte[] signatureValue, ITimestampClient? timestampClient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(signatureValue);
        CheckPreparedState(prepared);
        // Shared parsed certificates: the same signer and CAs come back on every signature.
        var signer = CertificateCache.Load(prepared.SignerCertificate);
        var value = CheckSignatureValue(signer, prepared.Scheme, prepared.ToBeSignedHash, signatureValue);

        byte[]? token = null;
        if (timestampClient is not null)
        {
            // The signature timestamp covers the SignerInfo's signature value (ETSI EN 319 122-1 §5.3).
            var imprint = SHA256.HashData(value);
            token = await timestampClient.GetTokenAsync(imprint, HashAlgorithmName.SHA256, cancellationToken).ConfigureAwait(false);
            CheckTokenImprint(token, imprint);
        }

        var certificates = prepared.Certificates.Select(c => CertificateCache.Load(c)).ToList();
        var cms = new CadesSignedData(signer, certificates, prepared.Scheme).EncodeSignedData(Oids.Data, null, prepared.SignedAttributes, value, signatureTimestampToken: token);
        return Embed(prepared, cms);
    }

    /// <summary>Phase 2 without a timestamp (PAdES B-B).</summary>
    public static byte[] Complete(PreparedSignature prepared, byte[] signatureValue) =>
        CompleteAsync(prepared, signatureValue, null).GetAwaiter().GetResult();

    /// <summary>One call for a key the server holds (the agency seal in an HSM): prepare, sign, timestamp, embed.</summary>
    public static async Task<byte[]> SignAsync(byte[] pdf, SignatureRequest request, ISignatureKey key, ITimestampClient? timestampClient, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(request);
        if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(request.SignerCertificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new SigningException("The signing key does not belong to the signer certificate.");
        }

        var prepared = Prepare(pdf, request with { ReserveTimestamp = request.ReserveTimestamp && timestampClient is not null }, timeProvider);
        var padding = prepared.Scheme == SignatureScheme.RsaPss ? RsaPaddingMode.Pss : RsaPaddingMode.Pkcs1;
        var value = key.SignHash(prepared.ToBeSignedHash, HashAlgorithmName.SHA256, padding);
        return await CompleteAsync(prepared, value, timestampClient, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SHA-256 over the two spans of a ByteRange, streamed (no copy of the file).</summary>
    public static byte[] HashByteRange(byte[] pdf, long[] byteRange)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(byteRange);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(pdf, (int)byteRange[0], (int)byteRange[1]);
        hash.AppendData(pdf, (int)byteRange[2], (int)byteRange[3]);
        return hash.GetHashAndReset();
    }

    /// <summary>The PDF date string for /M, e.g. D:20240305101112+07'00'.</summary>
    public static string PdfDate(DateTimeOffset t)
    {
        var off = t.Offset;
        var sign = off < TimeSpan.Zero ? '-' : '+';
        off = off.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"D:{t:yyyyMMddHHmmss}{sign}{off.Hours:D2}'{off.Minutes:D2}'");
    }

    private static PdfDictionary OwnFieldLock(string fieldName) => new()
    {
        ["Type"] = new PdfName("SigFieldLock"),
        ["Action"] = new PdfName("Include"),
        ["Fields"] = new PdfArray([PdfString.FromText(fieldName)]),
    };

    /// <summary>
    /// The signature's /Reference (ISO 32000-2 Table 256): a DocMDP reference when it certifies,
    /// and a FieldMDP reference repeating the field's own lock, whose /Data is the catalog.
    /// </summary>
    private static PdfArray TransformReferences(DocMdpPermission? certify, string fieldName, PdfReference catalogRef)
    {
        var references = new PdfArray();
        if (certify is { } level)
        {
            references.Items.Add(new PdfDictionary
            {
                ["Type"] = new PdfName("SigRef"),
                ["TransformMethod"] = new PdfName("DocMDP"),
                ["TransformParams"] = new PdfDictionary { ["Type"] = new PdfName("TransformParams"), ["P"] = new PdfNumber((int)level), ["V"] = new PdfName("1.2") },
            });
        }

        var fieldParams = OwnFieldLock(fieldName);
        fieldParams["Type"] = new PdfName("TransformParams");
        fieldParams["V"] = new PdfName("1.2");
        references.Items.Add(new PdfDictionary
        {
            ["Type"] = new PdfName("SigRef"),
            ["TransformMethod"] = new PdfName("FieldMDP"),
            ["TransformParams"] = fieldParams,
            ["Data"] = catalogRef,
        });
        return references;
    }

    private static SignatureScheme DefaultScheme(X509Certificate2 cert) =>
        cert.PublicKey.Oid.Value == Oids.EcPublicKey ? SignatureScheme.Ecdsa : SignatureScheme.RsaPkcs1;

    /// <summary>Checks the scheme fits the certificate's key and returns the key size (loading the key once).</summary>
    private static int CheckSchemeMatchesKey(X509Certificate2 cert, SignatureScheme scheme)
    {
        var isEc = cert.PublicKey.Oid.Value == Oids.EcPublicKey;
        var isRsa = cert.PublicKey.Oid.Value == Oids.RsaEncryption;
        if (!isEc && !isRsa) throw new SigningException("The signer certificate has neither an RSA nor an EC key.");
        if (isEc != (scheme == SignatureScheme.Ecdsa)) throw new SigningException($"Signature scheme {scheme} does not match the certificate's key type.");
        if (isEc)
        {
            using var ec = cert.GetECDsaPublicKey()!;
            return ec.KeySize;
        }

        using var rsa = cert.GetRSAPublicKey()!;
        if (rsa.KeySize < 2048) throw new SigningException("RSA keys shorter than 2048 bits are not allowed (Circular 41/2017).");
        return rsa.KeySize;
    }

    private static int ContentsCapacity(X509Certificate2 signer, int keyBits, List<X509Certificate2> certificates, SignatureScheme scheme, SignatureRequest request)
    {
        // Measure the real DER of the CMS with a worst-case signature value, then add the
        // timestamp and revocation reserves and a margin for the attribute wrappers.
        var signatureLength = scheme == SignatureScheme.Ecdsa ? CadesSignedData.MaxEcdsaDerLength(keyBits) : (keyBits + 7) / 8;
        var dummyAttributes = CadesSignedData.EncodeSignedAttributes(Oids.Data, new byte[32], signer);
        var measured = new CadesSignedData(signer, certificates, scheme).EncodeSignedData(Oids.Data, null, dummyAttributes, new byte[signatureLength]).Length;
        var reserve = request.ReserveTimestamp ? Math.Max(0, request.TimestampReserveBytes) + 64 : 0;
        return measured + reserve + Math.Max(0, request.RevocationReserveBytes) + 64;
    }

    private static void CheckPreparedState(PreparedSignature p)
    {
        if (p.ByteRange is not { Length: 4 } br || br[0] != 0 || br[1] <= 0 || br[2] <= br[1] || br[2] + br[3] != p.PreparedPdf.LongLength
            || p.PreparedPdf[br[1]] != '<' || p.PreparedPdf[br[2] - 1] != '>')
        {
            throw new SigningException("The prepared signature is inconsistent (bad ByteRange); prepare the document again.");
        }

        if (!SHA256.HashData(p.SignedAttributes).AsSpan().SequenceEqual(p.ToBeSignedHash))
        {
            throw new SigningException("The prepared signature is inconsistent (hash of the signed attributes); prepare the document again.");
        }
    }

    /// <summary>Verifies the value over the hash with the certificate's key; returns the form CMS stores (DER for ECDSA).</summary>
    private static byte[] CheckSignatureValue(X509Certificate2 signer, SignatureScheme scheme, byte[] hash, byte[] value)
    {
        bool ok;
        var stored = value;
        if (scheme == SignatureScheme.Ecdsa)
        {
            using var ec = signer.GetECDsaPublicKey() ?? throw new SigningException("The signer certificate has no EC key.");
            var fieldBytes = (ec.KeySize + 7) / 8;
            if (value.Length == 2 * fieldBytes && ec.VerifyHash(hash, value, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                ok = true;
                stored = CadesSignedData.EcdsaP1363ToDer(value);
            }
            else
            {
                ok = ec.VerifyHash(hash, value, DSASignatureFormat.Rfc3279DerSequence);
            }
        }
        else
        {
            using var rsa = signer.GetRSAPublicKey() ?? throw new SigningException("The signer certificate has no RSA key.");
            ok = rsa.VerifyHash(hash, value, HashAlgorithmName.SHA256, scheme == SignatureScheme.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
        }

        if (!ok) throw new SigningException("The signature value does not verify with the signer's certificate; it was not made over this document's hash by this key.");
        return stored;
    }

    // The client has checked the token; this guards the embedding against a client that returns
    // a token for something else. A structural read only: no certificate parsing, no signature check.
    private static void CheckTokenImprint(byte[] token, byte[] imprint)
    {
        TstInfo info;
        try
        {
            info = TimestampToken.Read(token).Info;
        }
        catch (TimestampException)
        {
            throw new TimestampException("The TSA returned something that is not an RFC 3161 timestamp token.");
        }

        if (!info.MessageImprint.AsSpan().SequenceEqual(imprint))
        {
            throw new TimestampException("The timestamp token does not cover this signature (message imprint mismatch).");
        }
    }

    private static byte[] Embed(PreparedSignature prepared, byte[] cms)
    {
        var capacity = prepared.ContentsCapacityBytes;
        if (cms.Length > capacity)
        {
            throw new SigningException($"The signature ({cms.Length} bytes) does not fit the reserved /Contents space ({capacity} bytes); prepare again with a larger TimestampReserveBytes.");
        }

        var result = (byte[])prepared.PreparedPdf.Clone();
        var hex = Convert.ToHexString(cms);
        Encoding.ASCII.GetBytes(hex, 0, hex.Length, result, (int)prepared.ByteRange[1] + 1);
        return result;
    }

    private static HashSet<string> FieldNames(PdfFile file, PdfArray fields)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in fields.Items)
        {
            if (file.ResolveDictionary(f)?["T"] is PdfString t) names.Add(t.ToText());
        }

        return names;
    }

    private static string NextFreeName(HashSet<string> existing)
    {
        for (var i = 1; ; i++)
        {
            var name = "Signature" + i.ToString(CultureInfo.InvariantCulture);
            if (!existing.Contains(name)) return name;
        }
    }

    private static double[] InheritedMediaBox(PdfFile file, PdfDictionary page)
    {
        if (file.Resolve(file.InheritedPageAttribute(page, "MediaBox")) is PdfArray { Items.Count: 4 } mb)
        {
            return mb.Items.Select(x => (file.Resolve(x) as PdfNumber)?.AsDouble() ?? 0).ToArray();
        }

        return [0, 0, 595.28, 841.89]; // A4, the default of our documents
    }
}
