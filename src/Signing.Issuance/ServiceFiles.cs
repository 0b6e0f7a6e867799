using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using Signing.Core;
using Signing.Core.IO;
using Signing.Pades;
using Signing.Pdf.Rendering;

namespace Signing.Issuance;

/// <summary>Shared JSON settings for the service's own small state files.</summary>
internal static class ServiceJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static T? Read<T>(string path) where T : class
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Options);
        }
        catch (JsonException e)
        {
            throw new SigningException($"{path} is damaged ({e.Message.ReplaceLineEndings(" ")}).");
        }
    }

    public static void Write<T>(string path, T value) => AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(value, Options));
}

/// <summary>
/// What the service keeps about a rendered result beside the registry row (which has no room for
/// it): the slots the renderer reserved for the two signatures and the facts shown to the head
/// and on the public page. Keyed by verification code and written before the registry row, so a
/// committed document always has its facts (an orphan file from a failed create is harmless).
/// </summary>
public sealed record DocumentFacts
{
    public required string VerificationCode { get; init; }
    public required string DocumentType { get; init; }
    public required string Number { get; init; }
    public required string IssuingAgency { get; init; }
    public required string Place { get; init; }
    public required string Date { get; init; }
    public required string ApplicantName { get; init; }
    public required string DossierCode { get; init; }
    public required int PageCount { get; init; }
    public required SignatureSlot HeadSlot { get; init; }
    public required SignatureSlot SealSlot { get; init; }

    public static DocumentFacts From(RenderedResult rendered)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        var d = rendered.Decision;
        return new DocumentFacts
        {
            VerificationCode = rendered.VerificationCode,
            DocumentType = d.DocumentType,
            Number = $"{d.Number}/{d.Symbol}",
            IssuingAgency = d.IssuingAgency,
            Place = d.Place,
            Date = d.Date,
            ApplicantName = d.Applicant.Name,
            DossierCode = d.DossierCode,
            PageCount = rendered.PageCount,
            HeadSlot = rendered.HeadSlot,
            SealSlot = rendered.SealSlot,
        };
    }
}

/// <summary>Document facts as files: &lt;data&gt;/documents/&lt;code&gt;.json.</summary>
public sealed class DocumentFactsStore(string dataDirectory)
{
    private readonly string _dir = Path.Combine(dataDirectory, "documents");

    public void Save(DocumentFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        Directory.CreateDirectory(_dir);
        ServiceJson.Write(PathOf(facts.VerificationCode), facts);
    }

    /// <summary>The codes whose facts file was last written at or after <paramref name="fromUtc"/> and before <paramref name="beforeUtc"/>.</summary>
    public IReadOnlyList<string> CodesWrittenBetween(DateTime fromUtc, DateTime beforeUtc) =>
        !Directory.Exists(_dir) ? [] : Directory.EnumerateFiles(_dir, "*.json")
            .Where(f => File.GetLastWriteTimeUtc(f) is var written && written >= fromUtc && written < beforeUtc)
            .Select(f => Path.GetFileNameWithoutExtension(f)!)
            .Where(IsCode) // anything else in the folder is not ours to remove
            .ToList();

    private static bool IsCode(string name)
    {
        try
        {
            return VerificationCode.Normalize(name) == name;
        }
        catch (SigningException)
        {
            return false;
        }
    }

    public bool Delete(string verificationCode)
    {
        var path = PathOf(verificationCode);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }

    public DocumentFacts Get(string verificationCode) =>
        ServiceJson.Read<DocumentFacts>(PathOf(verificationCode))
        ?? throw new SigningException($"the facts of document {verificationCode} are missing from {_dir}");

    // Codes are Crockford base 32 with hyphens (checked by the renderer), so they are safe file names.
    private string PathOf(string code) => Path.Combine(_dir, VerificationCode.Normalize(code) + ".json");
}

/// <summary>A department head's enrolled signing certificate (from their USB token) and its chain.</summary>
public sealed record HeadEnrollment
{
    /// <summary>The head's id: SHA-256 thumbprint of their staff client certificate (the principal's NameIdentifier).</summary>
    public required string HeadId { get; init; }
    public required string Name { get; init; }
    /// <summary>DER of the signing certificate.</summary>
    public required byte[] Certificate { get; init; }
    /// <summary>DER of the CA certificates up to the anchor (embedded in each CMS).</summary>
    public required byte[][] Chain { get; init; }
    public required string CertificateSha256 { get; init; }
    public required DateTimeOffset EnrolledUtc { get; init; }
}

/// <summary>
/// Enrolments in one JSON file, &lt;data&gt;/heads.json, rewritten atomically under a lock (a
/// few dozen heads; a registry table is the later home when storage grows a port for it).
/// </summary>
public sealed class HeadEnrollmentStore(string dataDirectory)
{
    private readonly string _file = Path.Combine(dataDirectory, "heads.json");
    private readonly Lock _gate = new();

    public HeadEnrollment? Get(string headId)
    {
        lock (_gate) return Load().GetValueOrDefault(headId);
    }

    /// <summary>Every enrolled head, by name (the intake form offers them as signers).</summary>
    public IReadOnlyList<HeadEnrollment> All()
    {
        lock (_gate) return Load().Values.OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
    }

    public void Put(HeadEnrollment enrollment)
    {
        ArgumentNullException.ThrowIfNull(enrollment);
        lock (_gate)
        {
            var all = Load();
            all[enrollment.HeadId] = enrollment;
            ServiceJson.Write(_file, all);
        }
    }

    private Dictionary<string, HeadEnrollment> Load() =>
        ServiceJson.Read<Dictionary<string, HeadEnrollment>>(_file) ?? new Dictionary<string, HeadEnrollment>(StringComparer.Ordinal);
}

/// <summary>One prepared head signature waiting for the value from the head's token.</summary>
public sealed record PreparedRequest
{
    public required Guid RequestId { get; init; }
    public required Guid DocumentId { get; init; }
    /// <summary>The document version the signature was prepared on; completion needs it unchanged.</summary>
    public required long DocumentVersion { get; init; }
    public required string HeadId { get; init; }
    public required string CertificateSha256 { get; init; }
    public required string Nonce { get; init; }
    public required DateTimeOffset ExpiresUtc { get; init; }
    public required PreparedSignature Prepared { get; init; }
    public DateTimeOffset? CompletedUtc { get; init; }
}

/// <summary>
/// Prepared requests as files, &lt;data&gt;/prepared/&lt;requestId&gt;.json, so a restart between
/// prepare and complete loses nothing. A completed request keeps its file with CompletedUtc set,
/// which is what makes a replay a 409 rather than a 404.
/// </summary>
public sealed class PreparedRequestStore(string dataDirectory)
{
    private readonly string _dir = Path.Combine(dataDirectory, "prepared");

    public void Save(PreparedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Directory.CreateDirectory(_dir);
        ServiceJson.Write(Path.Combine(_dir, request.RequestId.ToString("N") + ".json"), request);
    }

    public PreparedRequest? Get(Guid requestId) => ServiceJson.Read<PreparedRequest>(Path.Combine(_dir, requestId.ToString("N") + ".json"));

    /// <summary>
    /// Removes requests completed or expired before <paramref name="settledBeforeUtc"/>: neither can
    /// be completed again (a late completion of a removed one gets 404 instead of 409/410), and the
    /// audit trail keeps each completion's request id. Returns how many were removed.
    /// </summary>
    public int RemoveSettledBefore(DateTimeOffset settledBeforeUtc)
    {
        if (!Directory.Exists(_dir)) return 0;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(_dir, "*.json").ToList())
        {
            PreparedRequest? request;
            try
            {
                request = ServiceJson.Read<PreparedRequest>(file);
            }
            catch (SigningException)
            {
                continue; // a damaged file stays for someone to look at
            }
            if (request == null) continue;
            var settled = request.CompletedUtc is { } done && done < request.ExpiresUtc ? done : request.ExpiresUtc;
            if (settled >= settledBeforeUtc) continue;
            File.Delete(file);
            removed++;
        }
        return removed;
    }
}

/// <summary>Certificate helpers shared by enrolment and the API.</summary>
internal static class Certificates
{
    public static string Sha256(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
