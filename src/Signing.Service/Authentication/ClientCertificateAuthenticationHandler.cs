using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Signing.Service.Authorization;

namespace Signing.Service.Authentication;

/// <summary>
/// Authenticates a request by the TLS client certificate Kestrel received in the handshake
/// (<c>HttpContext.Connection.ClientCertificate</c>): builds the chain to the configured client
/// CAs, checks validity, client-auth usage and revocation by CRL, then maps the certificate to a
/// principal (NameIdentifier = SHA-256 thumbprint, Name = subject CN, Role claims from
/// <see cref="CertificateRoleMapper"/>). Challenge and forbid answer with RFC 7807 problems
/// (401/403) carrying only a short reason.
/// </summary>
public sealed partial class ClientCertificateAuthenticationHandler(
    IOptionsMonitor<ClientCertificateAuthenticationOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    CrlRevocationChecker revocationChecker,
    CertificateRoleMapper roleMapper,
    TimeProvider timeProvider)
    : AuthenticationHandler<ClientCertificateAuthenticationOptions>(options, loggerFactory, encoder)
{
    private const string GenericFailure = "The client certificate could not be validated.";

    private new ClientCertificateAuthenticationEvents Events => (ClientCertificateAuthenticationEvents)base.Events!;

    protected override Task<object> CreateEventsAsync() => Task.FromResult<object>(new ClientCertificateAuthenticationEvents());

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Without TLS or without a certificate there is nothing to authenticate; the fallback or
        // endpoint policy then challenges (401), and the staff port refuses such handshakes anyway.
        if (!Context.Request.IsHttps) return AuthenticateResult.NoResult();
        var certificate = Context.Connection.ClientCertificate;
        if (certificate == null) return AuthenticateResult.NoResult();

        try
        {
            var principal = ValidateAndBuildPrincipal(certificate);
            var validated = new ClientCertificateValidatedContext(Context, Scheme, Options, certificate) { Principal = principal };
            await Events.CertificateValidated(validated);
            if (validated.Result != null) return validated.Result;
            if (validated.Principal == null) return AuthenticateResult.Fail(new ClientCertificateRejectedException(GenericFailure));
            validated.Success();
            return validated.Result!;
        }
        catch (Exception e) when (e is ClientCertificateRejectedException or CryptographicException or InvalidOperationException or ArgumentException)
        {
            LogRejected(Logger, CertificateRoleMapper.Sha256Thumbprint(certificate), e.Message);
            var failed = new ClientCertificateAuthenticationFailedContext(Context, Scheme, Options, e);
            await Events.AuthenticationFailed(failed);
            if (failed.Result != null) return failed.Result;
            // Only our own rejection messages are written for users; library messages stay in the log.
            return AuthenticateResult.Fail(failed.Exception is ClientCertificateRejectedException
                ? failed.Exception
                : new ClientCertificateRejectedException(GenericFailure, failed.Exception));
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure is ClientCertificateRejectedException rejected
            ? rejected.Message
            : Context.Connection.ClientCertificate == null ? "A client certificate is required." : GenericFailure;
        var challenge = new ClientCertificateChallengeContext(Context, Scheme, Options, properties, reason);
        await Events.Challenge(challenge);
        if (challenge.Handled) return;
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", challenge.Reason);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var forbidden = new ClientCertificateForbiddenContext(Context, Scheme, Options, properties);
        await Events.Forbidden(forbidden);
        if (forbidden.Handled) return;
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "Your certificate does not hold a role that may do this.");
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        // Prefer the app's problem writer so its customisations (correlation id, type links) apply.
        var writer = Context.RequestServices.GetService<IProblemDetailsService>();
        if (writer != null && await writer.TryWriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem }))
            return;
        await Results.Problem(problem).ExecuteAsync(Context);
    }

    private ClaimsPrincipal ValidateAndBuildPrincipal(X509Certificate2 certificate)
    {
        var selfSigned = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
        if (selfSigned && !Options.AllowedCertificateTypes.HasFlag(CertificateTypes.SelfSigned))
            throw new ClientCertificateRejectedException("Self-signed client certificates are not accepted.");
        if (!selfSigned && !Options.AllowedCertificateTypes.HasFlag(CertificateTypes.Chained))
            throw new ClientCertificateRejectedException("CA-issued client certificates are not accepted.");

        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        if (selfSigned)
        {
            // The certificate is its own anchor: the chain then checks its self-signature, validity and usage.
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.Add(certificate);
        }
        else
        {
            policy.TrustMode = Options.ChainTrustValidationMode;
            if (Options.ChainTrustValidationMode == X509ChainTrustMode.CustomRootTrust)
                policy.CustomTrustStore.AddRange(Options.CustomTrustStore);
            policy.ExtraStore.AddRange(Options.AdditionalChainCertificates);
        }
        var online = Options.RevocationMode == X509RevocationMode.Online && !selfSigned;
        policy.RevocationMode = online ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
        policy.RevocationFlag = Options.RevocationFlag;
        // A client must not make us fetch URLs of its choosing (AIA) unless online checking is wanted.
        policy.DisableCertificateDownloads = !online;
        if (Options.ValidateCertificateUse)
            policy.ApplicationPolicy.Add(new Oid(ClientCertificateAuthenticationDefaults.ClientAuthenticationOid));
        if (!Options.ValidateValidityPeriod)
            policy.VerificationFlags |= X509VerificationFlags.IgnoreNotTimeValid;
        policy.VerificationTime = timeProvider.GetUtcNow().UtcDateTime;
        policy.VerificationTimeIgnored = false;

        var elements = new List<X509Certificate2>();
        try
        {
            var built = chain.Build(certificate);
            elements.AddRange(chain.ChainElements.Select(e => e.Certificate));
            if (!built) throw new ClientCertificateRejectedException(DescribeChainFailure(chain.ChainStatus));

            if (Options.RevocationMode != X509RevocationMode.NoCheck && !selfSigned)
                CheckRevocation(elements);

            var issuer = selfSigned || elements.Count < 2 ? null : elements[1];
            return BuildPrincipal(certificate, issuer);
        }
        finally
        {
            foreach (var element in elements)
                if (!ReferenceEquals(element, certificate)) element.Dispose();
        }
    }

    private void CheckRevocation(List<X509Certificate2> chain)
    {
        // chain[0] is the client certificate, chain[^1] the trust anchor.
        var last = Options.RevocationFlag switch
        {
            X509RevocationFlag.EndCertificateOnly => Math.Min(1, chain.Count - 1),
            X509RevocationFlag.EntireChain => chain.Count,
            _ => chain.Count - 1,
        };
        for (var i = 0; i < last; i++)
        {
            var issuer = i + 1 < chain.Count ? chain[i + 1] : chain[i];
            var result = revocationChecker.Check(chain[i], issuer);
            var whose = i == 0 ? "the client certificate" : "a CA certificate in its chain";
            switch (result.Status)
            {
                case RevocationStatus.Revoked:
                    throw new ClientCertificateRejectedException(i == 0 ? "The client certificate is revoked." : "A CA certificate in the client certificate's chain is revoked.");
                case RevocationStatus.Unknown when Options.FailWhenRevocationUnknown:
                    throw new ClientCertificateRejectedException($"Revocation status of {whose} is unknown: {result.Reason}.");
                case RevocationStatus.Unknown:
                    LogRevocationUnknownAccepted(Logger, CertificateRoleMapper.Sha256Thumbprint(chain[i]), result.Reason);
                    break;
            }
        }
    }

    private ClaimsPrincipal BuildPrincipal(X509Certificate2 certificate, X509Certificate2? issuer)
    {
        var issuerName = Options.ClaimsIssuer ?? ClientCertificateAuthenticationDefaults.AuthenticationScheme;
        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, CertificateRoleMapper.Sha256Thumbprint(certificate), ClaimValueTypes.String, issuerName),
            new(ClaimTypes.Name, string.IsNullOrEmpty(commonName) ? certificate.Subject : commonName, ClaimValueTypes.String, issuerName),
            new(ClaimTypes.X500DistinguishedName, certificate.Subject, ClaimValueTypes.String, issuerName),
            new(ClientCertificateAuthenticationDefaults.SerialNumberClaimType, certificate.SerialNumber, ClaimValueTypes.String, issuerName),
            new(ClientCertificateAuthenticationDefaults.IssuerClaimType, certificate.Issuer, ClaimValueTypes.String, issuerName),
        };
        claims.AddRange(roleMapper.RolesFor(certificate, issuer).Order(StringComparer.Ordinal)
            .Select(role => new Claim(ClaimTypes.Role, role, ClaimValueTypes.String, issuerName)));
        var identity = new ClaimsIdentity(claims, Scheme.Name, ClaimTypes.Name, ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }

    private static string DescribeChainFailure(X509ChainStatus[] statuses)
    {
        var flags = statuses.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if (flags.HasFlag(X509ChainStatusFlags.Revoked)) return "The client certificate or its CA is revoked.";
        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid)) return "The client certificate or its CA has expired or is not yet valid.";
        if (flags.HasFlag(X509ChainStatusFlags.NotValidForUsage)) return "The client certificate is not valid for client authentication.";
        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
            return "The client certificate is not issued by a trusted client CA.";
        if (flags.HasFlag(X509ChainStatusFlags.NotSignatureValid)) return "The client certificate's signature is invalid.";
        if ((flags & (X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation)) != 0)
            return "The revocation status of the client certificate is unknown.";
        return "The client certificate chain is invalid.";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client certificate {Thumbprint} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string thumbprint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Client certificate chain element {Thumbprint} accepted with unknown revocation status ({Reason}) because FailWhenRevocationUnknown is off")]
    private static partial void LogRevocationUnknownAccepted(ILogger logger, string thumbprint, string reason);
}
