using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.Logging;
using Signing.Service.Authorization;

namespace Signing.Service.Authentication;

/// <summary>
/// What this service adds to Microsoft's certificate handler, which has already checked the
/// certificate kind, the chain to the configured client CAs, validity and client-auth usage:
/// revocation through Signing.Revocation (OCSP, then CRLs, fail closed; <see cref="ClientCertificateRevocation"/>), the principal's SHA-256 thumbprint and mapped
/// roles, user-safe reasons for every refusal and the 401 problem response. The delegate
/// properties (OnCertificateValidated, OnAuthenticationFailed, OnChallenge) stay free for hosts
/// and tests: each runs after our own step, and an OnChallenge that calls HandleResponse()
/// replaces the problem response.
/// </summary>
public sealed partial class ClientCertificateEvents(
    ClientCertificateSettings settings,
    ClientCertificateRevocation revocationChecker,
    CertificateRoleMapper roleMapper,
    TimeProvider time,
    ILogger<ClientCertificateEvents> logger) : CertificateAuthenticationEvents
{
    /// <summary>Object identifier of the id-kp-clientAuth extended key usage (RFC 5280 4.2.1.12).</summary>
    public const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Shown when the reason is not ours to tell (a hook's Fail, a library exception).</summary>
    public const string GenericFailure = "The client certificate could not be validated.";

    public override async Task CertificateValidated(CertificateValidatedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var certificate = context.ClientCertificate;
        var selfSigned = IsSelfSigned(certificate);
        // The handler does not hand out its chain: build it again for the revocation issuers and the
        // issuer-based role rules. This build also keeps our rules where the handler's differ:
        // no certificate downloads unless revocation is Online, validity at our TimeProvider's time.
        using var chain = new X509Chain();
        var built = BuildChain(chain, certificate, context.Options, selfSigned);
        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        try
        {
            var refusal = !built ? DescribeChainFailure(chain.ChainStatus)
                : selfSigned || settings.RevocationMode == X509RevocationMode.NoCheck ? null
                : CheckRevocation(elements, context.Options.RevocationFlag);
            if (refusal != null)
            {
                context.Fail(new ClientCertificateRejectedException(refusal));
                return;
            }
            AddServiceClaims(context.Principal!, certificate, selfSigned || elements.Count < 2 ? null : elements[1], context.Options.ClaimsIssuer);
        }
        finally
        {
            foreach (var element in elements)
                if (!ReferenceEquals(element, certificate)) element.Dispose();
        }
        await base.CertificateValidated(context);
    }

    public override async Task AuthenticationFailed(CertificateAuthenticationFailedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var certificate = context.HttpContext.Connection.ClientCertificate;
        // The handler's own refusals carry one generic message; the reason is worked out again here.
        if (context.Exception is not ClientCertificateRejectedException && certificate != null
            && RejectionOf(certificate, context.Options) is { } reason)
            context.Exception = new ClientCertificateRejectedException(reason);
        if (certificate != null) LogRejected(logger, CertificateRoleMapper.Sha256Thumbprint(certificate), context.Exception.Message);

        await base.AuthenticationFailed(context);
        // Only our own rejection messages are written for users; library messages stay in the log.
        // Other exceptions thrown during validation are bugs: left unhandled, they become a 500.
        if (context.Result == null && context.Exception is ClientCertificateRejectedException or AuthenticationFailureException
                or CryptographicException or InvalidOperationException or ArgumentException)
            context.Fail(context.Exception as ClientCertificateRejectedException
                         ?? new ClientCertificateRejectedException(GenericFailure, context.Exception));
    }

    public override async Task Challenge(CertificateChallengeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await base.Challenge(context);
        if (context.Handled) return;
        // The handler's default challenge is a bare 403; a refused or missing certificate is a 401 with its reason.
        var result = await context.HttpContext.AuthenticateAsync(context.Scheme.Name);
        var reason = result.Failure is ClientCertificateRejectedException rejected ? rejected.Message
            : context.HttpContext.Connection.ClientCertificate == null ? "A client certificate is required."
            : GenericFailure;
        await AccessProblems.WriteAsync(context.HttpContext, 401, "Unauthorized", reason);
        context.HandleResponse();
    }

    /// <summary>The short reason <paramref name="certificate"/> is refused under <paramref name="options"/>, or null when it passes.</summary>
    private string? RejectionOf(X509Certificate2 certificate, CertificateAuthenticationOptions options)
    {
        var selfSigned = IsSelfSigned(certificate);
        if (selfSigned && !options.AllowedCertificateTypes.HasFlag(CertificateTypes.SelfSigned))
            return "Self-signed client certificates are not accepted.";
        if (!selfSigned && !options.AllowedCertificateTypes.HasFlag(CertificateTypes.Chained))
            return "CA-issued client certificates are not accepted.";
        using var chain = new X509Chain();
        try
        {
            return BuildChain(chain, certificate, options, selfSigned) ? null : DescribeChainFailure(chain.ChainStatus);
        }
        catch (CryptographicException)
        {
            // Unreadable certificate: the generic reason is all there is to say.
            return null;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
                if (!ReferenceEquals(element.Certificate, certificate)) element.Certificate.Dispose();
        }
    }

    private bool BuildChain(X509Chain chain, X509Certificate2 certificate, CertificateAuthenticationOptions options, bool selfSigned)
    {
        var policy = chain.ChainPolicy;
        if (selfSigned)
        {
            // The certificate is its own anchor: the chain then checks its self-signature, validity and usage.
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.Add(certificate);
        }
        else
        {
            policy.TrustMode = options.ChainTrustValidationMode;
            if (options.ChainTrustValidationMode == X509ChainTrustMode.CustomRootTrust)
                policy.CustomTrustStore.AddRange(options.CustomTrustStore);
            policy.ExtraStore.AddRange(options.AdditionalChainCertificates);
        }
        var online = settings.RevocationMode == X509RevocationMode.Online && !selfSigned;
        // Revocation is ours (CheckRevocation), through the same checks as the verifier's, not the OS chain's.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.RevocationFlag = options.RevocationFlag;
        // A client must not make us fetch URLs of its choosing (AIA) unless online checking is wanted.
        policy.DisableCertificateDownloads = !online;
        if (options.ValidateCertificateUse)
            policy.ApplicationPolicy.Add(new Oid(ClientAuthenticationOid));
        if (!options.ValidateValidityPeriod)
            policy.VerificationFlags |= X509VerificationFlags.IgnoreNotTimeValid;
        policy.VerificationTime = time.GetUtcNow().UtcDateTime;
        policy.VerificationTimeIgnored = false;
        return chain.Build(certificate);
    }

    /// <summary>Checks the chain's certificates (OCSP first when Online, then CRLs); the refusal reason, or null when none is revoked.</summary>
    private string? CheckRevocation(List<X509Certificate2> chain, X509RevocationFlag flag)
    {
        // chain[0] is the client certificate, chain[^1] the trust anchor.
        var last = flag switch
        {
            X509RevocationFlag.EndCertificateOnly => Math.Min(1, chain.Count - 1),
            X509RevocationFlag.EntireChain => chain.Count,
            _ => chain.Count - 1,
        };
        for (var i = 0; i < last; i++)
        {
            var issuer = i + 1 < chain.Count ? chain[i + 1] : chain[i];
            var result = revocationChecker.Check(chain[i], issuer, settings.RevocationMode == X509RevocationMode.Online);
            var whose = i == 0 ? "the client certificate" : "a CA certificate in its chain";
            switch (result.Status)
            {
                case RevocationStatus.Revoked:
                    return i == 0 ? "The client certificate is revoked." : "A CA certificate in the client certificate's chain is revoked.";
                case RevocationStatus.Unknown when settings.FailWhenRevocationUnknown:
                    return $"Revocation status of {whose} is unknown: {result.Reason}.";
                case RevocationStatus.Unknown:
                    LogRevocationUnknownAccepted(logger, CertificateRoleMapper.Sha256Thumbprint(chain[i]), result.Reason);
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// Adds to the handler's principal what the service relies on: NameIdentifier = SHA-256
    /// thumbprint, a Name even without a CN, and the Role claims from <see cref="CertificateRoleMapper"/>.
    /// </summary>
    private void AddServiceClaims(ClaimsPrincipal principal, X509Certificate2 certificate, X509Certificate2? issuer, string? claimsIssuer)
    {
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, CertificateRoleMapper.Sha256Thumbprint(certificate), ClaimValueTypes.String, claimsIssuer));
        if (string.IsNullOrEmpty(identity.Name))
            identity.AddClaim(new Claim(identity.NameClaimType, certificate.Subject, ClaimValueTypes.String, claimsIssuer));
        foreach (var role in roleMapper.RolesFor(certificate, issuer).Order(StringComparer.Ordinal))
            identity.AddClaim(new Claim(identity.RoleClaimType, role, ClaimValueTypes.String, claimsIssuer));
    }

    private static bool IsSelfSigned(X509Certificate2 certificate)
        => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

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

/// <summary>A client certificate failed a validation rule; the message is short and safe to show.</summary>
public sealed class ClientCertificateRejectedException : Exception
{
    public ClientCertificateRejectedException(string message) : base(message) { }

    public ClientCertificateRejectedException(string message, Exception inner) : base(message, inner) { }

    public ClientCertificateRejectedException() { }
}
