using System.Formats.Asn1;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Signing.Core.Timestamps;

namespace Signing.Timestamping;

/// <summary>How patient <see cref="Rfc3161Client"/> is.</summary>
public sealed record Rfc3161ClientOptions
{
    /// <summary>Tries per token (transport errors, timeouts and HTTP 5xx are retried; nothing else is). Ignored when <see cref="Patience"/> is set.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>Wait before the second try; doubles (with jitter) before each further one, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between two tries.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When set, tries go on for this long instead of <see cref="Attempts"/> times: a service
    /// waits out a short TSA outage and finishes the request instead of failing it.
    /// </summary>
    public TimeSpan? Patience { get; init; }

    /// <summary>Told the one-line reason of every failed try (a service's readiness shows it while retries go on).</summary>
    public Action<string>? AttemptFailed { get; init; }

    /// <summary>Time limit of one HTTP exchange.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A TSA policy to ask for (reqPolicy); null lets the TSA use its default.</summary>
    public Oid? RequestedPolicy { get; init; }
}

/// <summary>A timestamp token that matched its request and whose signature checked out.</summary>
public sealed class VerifiedTimestamp
{
    private Rfc3161TimestampTokenInfo? _info;

    public VerifiedTimestamp(byte[] token, TimestampToken parsed, X509Certificate2 signerCertificate)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentNullException.ThrowIfNull(signerCertificate);
        Token = token;
        Parsed = parsed;
        SignerCertificate = signerCertificate;
    }

    /// <summary>The DER TimeStampToken (CMS ContentInfo) exactly as the TSA sent it.</summary>
    public byte[] Token { get; }

    /// <summary>The token as read by the check (TSTInfo fields, certificates).</summary>
    public TimestampToken Parsed { get; }

    /// <summary>The TSTInfo as .NET's type, decoded on first use (the check itself does not need it).</summary>
    public Rfc3161TimestampTokenInfo Info => _info ??= Rfc3161TimestampTokenInfo.TryDecode(Parsed.TstInfoDer, out var info, out _)
        ? info
        : throw new TimestampException("The TSTInfo of a checked token cannot be decoded by .NET.");

    /// <summary>The TSA certificate (a shared instance: do not dispose).</summary>
    public X509Certificate2 SignerCertificate { get; }
}

/// <summary>
/// RFC 3161 client over HTTP. Each query carries a random 64-bit nonce and certReq=true. A reply
/// is accepted only if its status is granted, the nonce and message imprint (and the requested
/// policy) match, the signer certificate is in the token with exactly the critical timeStamping
/// EKU, and the token signature (with its ESS signing-certificate binding) verifies. Trust in the
/// TSA certificate's chain is left to validation, which knows the trust anchors.
/// </summary>
public sealed class Rfc3161Client : ITimestampClient
{
    private const int MaxReplyBytes = 1024 * 1024;
    private const string TimeStampingEku = "1.3.6.1.5.5.7.3.8";

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly Rfc3161ClientOptions _options;
    private readonly ResiliencePipeline _retries;

    public Rfc3161Client(HttpClient http, Uri tsaUrl, Rfc3161ClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(tsaUrl);
        _http = http;
        _url = tsaUrl;
        _options = options ?? new Rfc3161ClientOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Attempts, 1);
        var builder = new ResiliencePipelineBuilder();
        if (_options.Patience is { } patience) builder.AddTimeout(patience);
        var retries = _options.Patience is null ? _options.Attempts - 1 : int.MaxValue;
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TransientTsaFailure>(),
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.InitialBackoff,
                MaxDelay = _options.MaxBackoff,
            });
        }
        _retries = builder.Build();
    }

    public async Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default)
    {
        var request = CreateRequest(hash, hashAlgorithm, _options.RequestedPolicy);
        var reply = await PostAsync(request.Encode(), cancellationToken).ConfigureAwait(false);
        return ValidateResponse(request, reply).Token;
    }

    /// <summary>A TimeStampReq for <paramref name="hash"/> with a fresh random 64-bit nonce and certReq=true.</summary>
    public static Rfc3161TimestampRequest CreateRequest(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, Oid? requestedPolicy = null)
    {
        var nonce = RandomNumberGenerator.GetBytes(8);
        nonce[0] &= 0x7F; // a positive INTEGER
        nonce[0] |= 0x01; // and 8 bytes long, so a nonce is never trimmed
        try
        {
            return Rfc3161TimestampRequest.CreateFromHash(hash, hashAlgorithm, requestedPolicy, nonce, requestSignerCertificates: true);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new TimestampException($"Cannot ask for a timestamp of a {hash.Length}-byte {hashAlgorithm.Name} hash: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks a DER TimeStampResp against the request it answers (see the class remarks) and
    /// returns the token. The token is read once and its signature checked once. Throws
    /// <see cref="TimestampException"/> saying what did not match.
    /// </summary>
    public static VerifiedTimestamp ValidateResponse(Rfc3161TimestampRequest request, ReadOnlySpan<byte> timeStampResp)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (status, statusText, failure, tokenBytes) = ReadResponse(timeStampResp);
        if (status is not (PkiStatus.Granted or PkiStatus.GrantedWithMods))
        {
            var why = failure == PkiFailureInfo.None ? string.Empty : $" ({failure})";
            var text = string.IsNullOrEmpty(statusText) ? string.Empty : $": {statusText}";
            throw new TimestampException($"TSA refused the request: status {status}{why}{text}");
        }

        if (tokenBytes == null) throw new TimestampException("TSA reply says granted but carries no timestamp token");
        TimestampToken token;
        try
        {
            token = TimestampToken.Read(tokenBytes);
        }
        catch (TimestampException e)
        {
            throw new TimestampException($"TSA reply is unusable: {e.Message}", e);
        }

        var info = token.Info;
        var (sentNonce, gotNonce) = (request.GetNonce(), info.Nonce);
        if (sentNonce.HasValue != (gotNonce is not null) || (sentNonce.HasValue && !TimestampToken.SameInteger(sentNonce.Value.Span, gotNonce)))
        {
            throw new TimestampException("TSA reply nonce mismatch");
        }

        if (info.HashAlgorithmOid != request.HashAlgorithmId.Value || !info.MessageImprint.AsSpan().SequenceEqual(request.GetMessageHash().Span))
        {
            throw new TimestampException("TSA reply message imprint does not match the request");
        }

        if (request.RequestedPolicyId is { } policy && info.PolicyOid != policy.Value)
        {
            throw new TimestampException($"TSA reply policy {info.PolicyOid} is not the requested {policy.Value}");
        }

        // RFC 3161 §2.4.1: certReq was true, so the TSA certificate must be in the token.
        var signer = token.FindSignerCertificate() ?? throw new TimestampException("TSA token does not contain the TSA certificate although it was requested");
        CheckTimeStampingEku(signer);
        if (token.CheckSigner(signer) is { } problem)
        {
            throw new TimestampException($"TSA token signature or its signing-certificate binding does not verify: {problem}");
        }

        return new VerifiedTimestamp(tokenBytes, token, signer);
    }

    private async Task<byte[]> PostAsync(byte[] query, CancellationToken cancellationToken)
    {
        var attempts = 0;
        var lastProblem = "no attempt made";
        try
        {
            return await _retries.ExecuteAsync(async token =>
            {
                attempts++;
                try
                {
                    return await ExchangeAsync(query, token).ConfigureAwait(false);
                }
                catch (TransientTsaFailure e)
                {
                    lastProblem = e.Message;
                    _options.AttemptFailed?.Invoke($"TSA unreachable at {_url} (try {attempts}): {e.Message}");
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (TransientTsaFailure)
        {
            throw new TimestampException($"TSA unreachable at {_url} after {attempts} attempts: {lastProblem}");
        }
        catch (TimeoutRejectedException)
        {
            throw new TimestampException($"TSA unreachable at {_url} after {attempts} attempts in {_options.Patience!.Value.TotalSeconds:0.#} s: {lastProblem}");
        }
    }

    /// <summary>One HTTP exchange; what is worth another try (transport, timeout, 5xx) is a <see cref="TransientTsaFailure"/>.</summary>
    private async Task<byte[]> ExchangeAsync(byte[] query, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AttemptTimeout);
        try
        {
            using var content = new ByteArrayContent(query);
            content.Headers.ContentType = new MediaTypeHeaderValue(Rfc3161MediaTypes.Query);
            using var response = await _http.PostAsync(_url, content, timeout.Token).ConfigureAwait(false);
            if ((int)response.StatusCode >= 500) throw new TransientTsaFailure($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new TimestampException($"TSA at {_url} refused the query: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var type = response.Content.Headers.ContentType?.MediaType;
            if (!string.Equals(type, Rfc3161MediaTypes.Reply, StringComparison.OrdinalIgnoreCase))
            {
                throw new TimestampException($"TSA at {_url} answered with content type '{type}' instead of {Rfc3161MediaTypes.Reply}");
            }

            return await ReadLimitedAsync(response.Content, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new TransientTsaFailure(e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientTsaFailure($"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>A failed exchange that another try may fix.</summary>
    private sealed class TransientTsaFailure(string message) : Exception(message);

    private async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxReplyBytes) throw new TimestampException($"TSA reply from {_url} is larger than {MaxReplyBytes} bytes");
        using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxReplyBytes) throw new TimestampException($"TSA reply from {_url} is larger than {MaxReplyBytes} bytes");
        }

        return buffer.ToArray();
    }

    private static void CheckTimeStampingEku(X509Certificate2 signer)
    {
        var eku = signer.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault();
        if (eku == null || !eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == TimeStampingEku))
        {
            throw new TimestampException($"TSA certificate '{signer.Subject}' lacks the timeStamping extended key usage");
        }

        if (!eku.Critical) throw new TimestampException($"TSA certificate '{signer.Subject}' has a timeStamping extended key usage that is not critical");
        if (eku.EnhancedKeyUsages.Count != 1) throw new TimestampException($"TSA certificate '{signer.Subject}' has extended key usages besides timeStamping");
    }

    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
    private static (PkiStatus Status, string? Text, PkiFailureInfo Failure, byte[]? Token) ReadResponse(ReadOnlySpan<byte> der)
    {
        try
        {
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var resp = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var statusInfo = resp.ReadSequence();
            if (!statusInfo.TryReadInt32(out var status)) throw new TimestampException("TSA reply status is out of range");
            string? text = null;
            var failure = PkiFailureInfo.None;
            if (statusInfo.HasData && statusInfo.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var texts = statusInfo.ReadSequence();
                var parts = new List<string>();
                while (texts.HasData) parts.Add(texts.ReadCharacterString(UniversalTagNumber.UTF8String));
                text = string.Join(" ", parts);
            }

            if (statusInfo.HasData) failure = statusInfo.ReadNamedBitListValue<PkiFailureInfo>();
            statusInfo.ThrowIfNotEmpty();
            byte[]? token = resp.HasData ? resp.ReadEncodedValue().ToArray() : null;
            resp.ThrowIfNotEmpty();
            return ((PkiStatus)status, text, failure, token);
        }
        catch (AsnContentException e)
        {
            throw new TimestampException("TSA reply is not a DER TimeStampResp", e);
        }
    }
}
