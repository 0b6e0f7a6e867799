using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using Signing.Core;
using Signing.Core.Documents;
using Signing.Pades;
using Signing.Pdf.Rendering;

namespace Signing.Issuance;

/// <summary>Shared JSON settings for the service's own state (facts and prepared requests in the registry; the old files).</summary>
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
}

/// <summary>
/// What the service keeps about a rendered result with its registry row: the slots the renderer
/// reserved for the two signatures and the facts shown to the head and on the public page.
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

/// <summary>The facts of each document, stored with its registry row in the create transaction.</summary>
public sealed class DocumentFactsStore(IDocumentRegistry registry)
{
    public static string ToJson(DocumentFacts facts) => JsonSerializer.Serialize(facts, ServiceJson.Options);

    public static DocumentFacts FromJson(string json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize<DocumentFacts>(json, ServiceJson.Options) ?? throw new SigningException($"the facts of {where} are empty");
        }
        catch (JsonException e)
        {
            throw new SigningException($"the facts of {where} are damaged ({e.Message.ReplaceLineEndings(" ")}).");
        }
    }

    public async Task<DocumentFacts> GetAsync(DocumentRecord document, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(document);
        var json = await registry.GetFactsAsync(document.Id, ct).ConfigureAwait(false)
            ?? throw new SigningException($"the facts of document {document.VerificationCode} are missing from the registry");
        return FromJson(json, "document " + document.VerificationCode);
    }

    /// <summary>The facts of each document of a page, in its order.</summary>
    public async Task<IReadOnlyList<DocumentFacts>> GetAsync(IReadOnlyList<DocumentRecord> documents, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var facts = new List<DocumentFacts>(documents.Count);
        foreach (var document in documents) facts.Add(await GetAsync(document, ct).ConfigureAwait(false));
        return facts;
    }
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

    /// <summary>The registry's row: its own columns plus this record as JSON.</summary>
    public PreparedRequestRecord ToRecord() => new()
    {
        RequestId = RequestId,
        DocumentId = DocumentId,
        DocumentVersion = DocumentVersion,
        HeadId = HeadId,
        CertificateSha256 = CertificateSha256,
        ExpiresUtc = ExpiresUtc,
        CompletedUtc = CompletedUtc,
        Payload = JsonSerializer.Serialize(this with { CompletedUtc = null }, ServiceJson.Options),
    };

    /// <summary>The request a row holds; the row's completion time is the one that counts.</summary>
    public static PreparedRequest FromRecord(PreparedRequestRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        PreparedRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<PreparedRequest>(record.Payload, ServiceJson.Options);
        }
        catch (JsonException e)
        {
            throw new SigningException($"prepared request {record.RequestId} is damaged ({e.Message.ReplaceLineEndings(" ")}).");
        }
        return (request ?? throw new SigningException($"prepared request {record.RequestId} is empty")) with { CompletedUtc = record.CompletedUtc };
    }
}

/// <summary>
/// Prepared requests in the registry, so a restart between prepare and complete loses nothing. A
/// completed request keeps its row with its completion time (set in the transaction that marks
/// the document signed), which is what makes a replay a 409 rather than a 404.
/// </summary>
public sealed class PreparedRequestStore(IPreparedRequestRegistry registry)
{
    public Task SaveAsync(PreparedRequest request, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return registry.SaveAsync(request.ToRecord(), actor, ct);
    }

    public async Task<PreparedRequest?> GetAsync(Guid requestId, CancellationToken ct) =>
        await registry.GetAsync(requestId, ct).ConfigureAwait(false) is { } record ? PreparedRequest.FromRecord(record) : null;

    /// <summary>
    /// Removes requests completed or expired before <paramref name="settledBeforeUtc"/>: neither can
    /// be completed again (a late completion of a removed one gets 404 instead of 409/410), and the
    /// audit trail keeps each completion's request id. Returns how many were removed.
    /// </summary>
    public Task<int> RemoveSettledBeforeAsync(DateTimeOffset settledBeforeUtc, CancellationToken ct) =>
        registry.RemoveSettledBeforeAsync(settledBeforeUtc, "state-sweep", ct);
}

/// <summary>Certificate helpers shared by enrolment and the API.</summary>
internal static class Certificates
{
    public static string Sha256(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
