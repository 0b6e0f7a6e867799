using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Signing.Core;
using Signing.Core.IO;
using Signing.Cms;
using Contract = Signing.Service.Contracts;
using DocumentSummary = Signing.Service.Contracts.DocumentSummary;

namespace Signing.Agent;

/// <summary>A document waiting in the head's queue.</summary>
public sealed record QueueItem(Guid Id, string VerificationCode, string DraftSha256, long Version, DocumentSummary Summary);

/// <summary>Phase 1's answer: the hash to sign, and what the agent needs to check it (the revision appended to the draft and its ByteRange).</summary>
public sealed record PreparedHash(
    Guid RequestId, byte[] Hash, SignatureScheme Scheme, DocumentSummary Summary, string Nonce, DateTimeOffset ExpiresAt,
    string CertificateSha256, string DraftSha256, byte[] Revision, long[] ByteRange);

/// <summary>The service as the agent uses it (an interface so one test can put a dishonest service in its place).</summary>
public interface ISigningService
{
    Task<IReadOnlyList<QueueItem>> QueueAsync(CancellationToken ct);

    Task<byte[]> DraftAsync(Guid id, CancellationToken ct);

    Task<PreparedHash> PrepareAsync(Guid id, CancellationToken ct);

    /// <summary>Phase 2; returns the document's new status.</summary>
    Task<string> CompleteAsync(Guid id, Guid requestId, string nonce, byte[] signatureValue, CancellationToken ct);

    Task<string> EnrollAsync(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, CancellationToken ct);
}

/// <summary>The service refused a call; the message is the problem's detail.</summary>
public sealed class ServiceRefusedException(HttpStatusCode status, string message) : SigningException(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>The service cannot be reached (network down, TLS refused, timeout).</summary>
public sealed class ServiceUnreachableException(string message) : SigningException(message);

/// <summary>
/// The staff API over mutual TLS: the head's client certificate, and a server certificate that
/// must chain to the configured CAs and match the host name.
/// </summary>
public sealed class SigningServiceClient : ISigningService, IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly Uri _base;

    public SigningServiceClient(Uri service, X509Certificate2 clientCertificate, X509Certificate2Collection serverCas, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(serverCas);
        _base = service;
        _http = PrivateCaHttpClient.Create(serverCas, clientCertificate, timeout);
    }

    public static SigningServiceClient FromSettings(AgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var cas = new X509Certificate2Collection();
        foreach (var file in settings.ServerCaFiles)
        {
            try
            {
                cas.ImportFromPemFile(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new SigningException($"The service CA file {file} cannot be read ({e.GetType().Name}).");
            }
        }

        if (cas.Count == 0) throw new SigningException("No service CA certificate is configured; run `signing-agent setup` again.");
        return new SigningServiceClient(settings.Service, LoadClientCertificate(settings.ClientCertificate, settings.ClientCertificatePasswordFile), cas);
    }

    public static X509Certificate2 LoadClientCertificate(string path, string? passwordFile)
    {
        try
        {
            var password = passwordFile is null ? null : File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
            if (!certificate.HasPrivateKey) throw new SigningException($"The client certificate file {path} holds no private key.");
            return certificate;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new SigningException($"The client certificate {path} cannot be opened ({e.Message.TrimEnd('.')}); check the file and its password file.");
        }
    }

    public async Task<IReadOnlyList<QueueItem>> QueueAsync(CancellationToken ct)
    {
        var items = new List<QueueItem>();
        for (var offset = 0; ; )
        {
            var page = await SendAsync<Contract.QueuePage>(HttpMethod.Get, $"/api/heads/me/queue?limit=500&offset={offset}", null, ct).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                var d = item.Document;
                items.Add(new QueueItem(d.Id, d.VerificationCode, d.PdfSha256 ?? "", d.Version, item.Summary));
            }

            if (!page.HasMore) return items;
            offset = items.Count;
        }
    }

    public async Task<byte[]> DraftAsync(Guid id, CancellationToken ct)
    {
        using var response = await RawAsync(HttpMethod.Get, $"/api/heads/me/documents/{id}/pdf", null, ct).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
    }

    public async Task<PreparedHash> PrepareAsync(Guid id, CancellationToken ct)
    {
        var p = await SendAsync<Contract.PreparedSignature>(HttpMethod.Post, $"/api/documents/{id}/prepare", null, ct).ConfigureAwait(false);
        try
        {
            return new PreparedHash(p.RequestId, Convert.FromBase64String(p.Hash), Enum.Parse<SignatureScheme>(p.SignatureScheme), p.Summary, p.Nonce,
                p.ExpiresAt, p.CertificateSha256, p.DraftSha256, Convert.FromBase64String(p.Revision), p.ByteRange.ToArray());
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NullReferenceException)
        {
            throw new SigningException($"The service's prepare answer for document {id} is incomplete or malformed ({e.Message}); is the service older than this agent?");
        }
    }

    public async Task<string> CompleteAsync(Guid id, Guid requestId, string nonce, byte[] signatureValue, CancellationToken ct)
    {
        var body = JsonContent.Create(new Contract.CompleteRequest(requestId, Convert.ToBase64String(signatureValue), nonce), options: Web);
        // One key per prepared request: a complete sent again after a lost answer gets the first answer, not a 409.
        var document = await SendAsync<Contract.DocumentView>(HttpMethod.Post, $"/api/documents/{id}/complete", body, ct, idempotencyKey: $"complete-{requestId:D}").ConfigureAwait(false);
        return document.Status;
    }

    public async Task<string> EnrollAsync(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        var body = JsonContent.Create(new Contract.EnrollRequest(Convert.ToBase64String(certificate.RawData), chain.Select(c => Convert.ToBase64String(c.RawData)).ToArray()), options: Web);
        var enrolled = await SendAsync<Contract.Enrollment>(HttpMethod.Post, "/api/heads/enroll", body, ct).ConfigureAwait(false);
        return enrolled.CertificateSha256;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken ct, string? idempotencyKey = null)
    {
        using var response = await RawAsync(method, path, content, ct, idempotencyKey).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Web) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new SigningException($"The service answered {method} {path} with something that is not the JSON this agent expects; is the service older than this agent?");
        }
    }

    /// <summary>One call; network failures and problem responses become one-line exceptions.</summary>
    private async Task<HttpResponseMessage> RawAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, path)) { Content = content };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ServiceUnreachableException($"The service at {_base.GetLeftPart(UriPartial.Authority)} cannot be reached ({e.Message.TrimEnd('.')}).");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ServiceUnreachableException($"The service at {_base.GetLeftPart(UriPartial.Authority)} did not answer in time.");
        }

        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            string? detail = null;
            try
            {
                using var problem = JsonDocument.Parse(text);
                detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : problem.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
            }
            catch (JsonException)
            {
                // Not a problem document (a proxy's HTML page, say): the status alone must do.
            }

            throw new ServiceRefusedException(response.StatusCode, $"The service refused {method} {path} ({(int)response.StatusCode}): {detail ?? response.ReasonPhrase}");
        }
    }

    public void Dispose() => _http.Dispose();
}
