using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Core.IO;
using Signing.Cms;
using Signing.Service.Client;
using CompleteRequest = Signing.Service.Contracts.CompleteRequest;
using DocumentSummary = Signing.Service.Contracts.DocumentSummary;
using EnrollRequest = Signing.Service.Contracts.EnrollRequest;

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
/// must chain to the configured CAs and match the host name. The calls go through the client generated
/// from the OpenAPI document (Signing.Service.Client); this maps its answers to what the agent works with,
/// and its failures to one-line errors.
/// </summary>
public sealed class SigningServiceClient : ISigningService, IDisposable
{
    private const string QueuePageSize = "500";
    private readonly HttpClient _http;
    private readonly SigningApiClient _api;
    private readonly Uri _base;

    public SigningServiceClient(Uri service, X509Certificate2 clientCertificate, X509Certificate2Collection serverCas, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(serverCas);
        _base = service;
        _http = PrivateCaHttpClient.Create(serverCas, clientCertificate, timeout);
        // The generated paths are relative ("api/..."): a base without a trailing slash would lose its last segment.
        _http.BaseAddress = service.AbsolutePath.EndsWith('/') ? service : new Uri(service.AbsoluteUri + "/");
        _api = new SigningApiClient(_http);
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
            var from = offset.ToString(CultureInfo.InvariantCulture);
            var page = await CallAsync("GET /api/heads/me/queue", () => _api.GetMyQueueAsync(QueuePageSize, from, ct), ct).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                var d = item.Document;
                items.Add(new QueueItem(d.Id, d.VerificationCode, d.PdfSha256 ?? "", d.Version, item.Summary));
            }

            if (!page.HasMore) return items;
            offset = items.Count;
        }
    }

    public Task<byte[]> DraftAsync(Guid id, CancellationToken ct) =>
        CallAsync($"GET /api/heads/me/documents/{id}/pdf", async () =>
        {
            using var file = await _api.GetMyDraftPdfAsync(id, ct).ConfigureAwait(false);
            using var bytes = new MemoryStream();
            await file.Stream.CopyToAsync(bytes, ct).ConfigureAwait(false);
            return bytes.ToArray();
        }, ct);

    public async Task<PreparedHash> PrepareAsync(Guid id, CancellationToken ct)
    {
        var p = await CallAsync($"POST /api/documents/{id}/prepare", () => _api.PrepareSignatureAsync(id, null, ct), ct).ConfigureAwait(false);
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
        var body = new CompleteRequest(requestId, Convert.ToBase64String(signatureValue), nonce);
        // One key per prepared request: a complete sent again after a lost answer gets the first answer, not a 409.
        var document = await CallAsync($"POST /api/documents/{id}/complete", () => _api.CompleteSignatureAsync(id, $"complete-{requestId:D}", body, ct), ct).ConfigureAwait(false);
        return document.Status;
    }

    public async Task<string> EnrollAsync(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        var body = new EnrollRequest(Convert.ToBase64String(certificate.RawData), chain.Select(c => Convert.ToBase64String(c.RawData)).ToArray());
        var enrolled = await CallAsync("POST /api/heads/enroll", () => _api.EnrollHeadAsync(null, body, ct), ct).ConfigureAwait(false);
        return enrolled.CertificateSha256;
    }

    /// <summary>One call; network failures and refusals become one-line exceptions.</summary>
    private async Task<T> CallAsync<T>(string call, Func<Task<T>> send, CancellationToken ct)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (ApiException e) when (e.IsRefusal)
        {
            var status = (HttpStatusCode)e.StatusCode;
            // Without a problem document (a proxy's HTML page, say) the status alone must do.
            throw new ServiceRefusedException(status, $"The service refused {call} ({e.StatusCode}): {e.ProblemText ?? status.ToString()}");
        }
        catch (ApiException)
        {
            throw new SigningException($"The service answered {call} with something that is not the JSON this agent expects; is the service older than this agent?");
        }
        // The body is read after the headers, so a connection lost on the way fails as an IOException, not in SendAsync.
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ServiceUnreachableException($"The service at {_base.GetLeftPart(UriPartial.Authority)} cannot be reached ({e.Message.TrimEnd('.')}).");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ServiceUnreachableException($"The service at {_base.GetLeftPart(UriPartial.Authority)} did not answer in time.");
        }
    }

    public void Dispose() => _http.Dispose();
}
