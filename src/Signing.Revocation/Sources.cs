using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Security;

namespace Signing.Revocation;

internal static class Serials
{
    public static Org.BouncyCastle.Math.BigInteger Of(X509Certificate2 certificate) => DotNetUtilities.FromX509Certificate(certificate).SerialNumber;
}

/// <summary>
/// Revocation data that travels with a document (a PDF's /DSS, a CMS's revocation values):
/// OCSP responses and CRLs as DER, checked against each certificate when asked. Nothing is fetched.
/// </summary>
public sealed class EmbeddedRevocationData : IRevocationSource
{
    public EmbeddedRevocationData(IEnumerable<byte[]> ocspResponses, IEnumerable<byte[]> crls)
    {
        OcspResponses = ocspResponses?.ToList() ?? throw new ArgumentNullException(nameof(ocspResponses));
        Crls = crls?.ToList() ?? throw new ArgumentNullException(nameof(crls));
    }

    public static EmbeddedRevocationData Empty { get; } = new([], []);

    public IReadOnlyList<byte[]> OcspResponses { get; }

    public IReadOnlyList<byte[]> Crls { get; }

    public bool IsEmpty => OcspResponses.Count == 0 && Crls.Count == 0;

    public RevocationLookup Find(X509Certificate2 certificate, X509Certificate2 issuer, DateTimeOffset now)
    {
        var answers = new List<RevocationAnswer>();
        var problems = new List<string>();
        foreach (var response in OcspResponses)
        {
            var (answer, problem) = Ocsp.Check(response, certificate, issuer);
            if (answer is not null) answers.Add(answer);
            else if (problem is not "the OCSP response does not name this certificate") problems.Add("embedded OCSP: " + problem);
        }

        foreach (var crl in Crls)
        {
            var (answer, problem) = Crl.Check(crl, certificate, issuer);
            if (answer is not null) answers.Add(answer);
            else if (problem is not "the CRL is not the issuer's") problems.Add("embedded CRL: " + problem);
        }

        if (answers.Count == 0 && problems.Count == 0) problems.Add("no embedded OCSP response or CRL covers this certificate");
        return new RevocationLookup(answers.OrderByDescending(a => a.ThisUpdate).ToList(), problems);
    }
}

/// <summary>Limits of <see cref="OnlineRevocationSource"/>.</summary>
public sealed record OnlineRevocationOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public int MaxOcspResponseBytes { get; init; } = 64 * 1024;

    public int MaxCrlBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>How long a failed fetch is remembered, so that a dead responder does not cost a timeout per signature.</summary>
    public TimeSpan FailureMemory { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Answers without nextUpdate are kept this long.</summary>
    public TimeSpan DefaultCacheTime { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// Fetches revocation data from the certificate's own URLs: OCSP first (POST, with a nonce), the
/// CRL distribution points as fallback, each with a timeout and a size limit. An OCSP answer is
/// cached per certificate and a CRL per URL until their nextUpdate; failures for a short while.
/// Thread-safe; one instance per process is meant to be shared.
/// </summary>
public sealed class OnlineRevocationSource : IRevocationSource, IDisposable
{
    private readonly HttpClient _http;
    private readonly OnlineRevocationOptions _options;
    private readonly ConcurrentDictionary<string, (RevocationAnswer Answer, DateTimeOffset Until)> _ocsp = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (byte[] Crl, DateTimeOffset Until)> _crls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Problem, DateTimeOffset Until)> _failures = new(StringComparer.Ordinal);
    private long _fetches;

    public OnlineRevocationSource(OnlineRevocationOptions? options = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? new OnlineRevocationOptions();
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false }) { Timeout = _options.Timeout };
    }

    /// <summary>How many HTTP requests were made (tests and the benchmark read it to see the cache work).</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    public RevocationLookup Find(X509Certificate2 certificate, X509Certificate2 issuer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        var problems = new List<string>();
        var ocspUrls = CertificateLocations.OcspUrls(certificate);
        var crlUrls = CertificateLocations.CrlUrls(certificate);
        if (ocspUrls.Count == 0 && crlUrls.Count == 0) return RevocationLookup.None("the certificate names no OCSP responder and no CRL distribution point");
        var wallClock = _options.Clock.GetUtcNow();
        var certKey = Convert.ToHexString(SHA256.HashData(certificate.RawDataMemory.Span)) + "|" + Convert.ToHexString(SHA256.HashData(issuer.RawDataMemory.Span));
        foreach (var url in ocspUrls)
        {
            var key = url.AbsoluteUri + "|" + certKey;
            if (_ocsp.TryGetValue(key, out var cached) && wallClock < cached.Until) return new([cached.Answer], problems);
            if (RecentFailure(key, wallClock) is { } failed)
            {
                problems.Add(failed);
                continue;
            }

            var nonce = RandomNumberGenerator.GetBytes(16);
            var (bytes, fetchProblem) = Fetch(url, Ocsp.Request(certificate, issuer, nonce), _options.MaxOcspResponseBytes);
            var (answer, problem) = bytes is null ? (null, fetchProblem) : Ocsp.Check(bytes, certificate, issuer, nonce);
            if (answer is null)
            {
                Remember(key, $"OCSP {url}: {problem}", wallClock, problems);
                continue;
            }

            _ocsp[key] = (answer, answer.NextUpdate is { } next && next > wallClock ? next : wallClock + _options.DefaultCacheTime);
            return new([answer], problems);
        }

        foreach (var url in crlUrls)
        {
            var key = url.AbsoluteUri;
            byte[]? crl = null;
            if (_crls.TryGetValue(key, out var cached) && wallClock < cached.Until) crl = cached.Crl;
            else if (RecentFailure(key, wallClock) is { } failed)
            {
                problems.Add(failed);
                continue;
            }

            if (crl is null)
            {
                var (bytes, fetchProblem) = Fetch(url, null, _options.MaxCrlBytes);
                if (bytes is null)
                {
                    Remember(key, $"CRL {url}: {fetchProblem}", wallClock, problems);
                    continue;
                }

                crl = bytes;
            }

            var (answer, problem) = Crl.Check(crl, certificate, issuer);
            if (answer is null)
            {
                problems.Add($"CRL {url}: {problem}");
                continue;
            }

            _crls[key] = (crl, answer.NextUpdate is { } next && next > wallClock ? next : wallClock + _options.DefaultCacheTime);
            return new([answer], problems);
        }

        return new([], problems);
    }

    private string? RecentFailure(string key, DateTimeOffset now) => _failures.TryGetValue(key, out var f) && now < f.Until ? f.Problem : null;

    private void Remember(string key, string problem, DateTimeOffset now, List<string> problems)
    {
        _failures[key] = (problem, now + _options.FailureMemory);
        problems.Add(problem);
    }

    /// <summary>GET (body null) or POST an OCSP request; the answer is read up to <paramref name="maxBytes"/>.</summary>
    private (byte[]? Bytes, string? Problem) Fetch(Uri url, byte[]? ocspRequest, int maxBytes)
    {
        Interlocked.Increment(ref _fetches);
        using var request = new HttpRequestMessage(ocspRequest is null ? HttpMethod.Get : HttpMethod.Post, url);
        if (ocspRequest is not null)
        {
            request.Content = new ByteArrayContent(ocspRequest);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(Ocsp.RequestMediaType);
        }

        try
        {
            using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.OK) return (null, $"HTTP {(int)response.StatusCode}");
            if (response.Content.Headers.ContentLength > maxBytes) return (null, $"the answer is larger than {maxBytes} bytes");
            using var stream = response.Content.ReadAsStream();
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > maxBytes) return (null, $"the answer is larger than {maxBytes} bytes");
                buffer.Write(chunk, 0, read);
            }

            return (buffer.ToArray(), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or OperationCanceledException)
        {
            return (null, e is TaskCanceledException or OperationCanceledException ? $"no answer within {_options.Timeout.TotalSeconds:0.#} s" : "unreachable (" + e.Message.ReplaceLineEndings(" ") + ")");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Asks each source in turn and answers with the first that has an answer (e.g. the network, then a local responder).</summary>
public sealed class FirstAnswerSource(params IRevocationSource[] sources) : IRevocationSource
{
    public RevocationLookup Find(X509Certificate2 certificate, X509Certificate2 issuer, DateTimeOffset now)
    {
        var problems = new List<string>();
        foreach (var source in sources)
        {
            var lookup = source.Find(certificate, issuer, now);
            if (lookup.Answers.Count > 0) return lookup with { Problems = [.. problems, .. lookup.Problems] };
            problems.AddRange(lookup.Problems);
        }

        return new RevocationLookup([], problems);
    }
}
