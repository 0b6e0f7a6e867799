using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Signing.Service.Authentication;

/// <summary>
/// Hooks of <see cref="ClientCertificateAuthenticationHandler"/>, with the semantics of
/// Microsoft's CertificateAuthenticationEvents plus OnForbidden.
/// </summary>
public class ClientCertificateAuthenticationEvents
{
    /// <summary>
    /// After the certificate passed chain, validity, usage and revocation checks and a principal
    /// (thumbprint, name, mapped roles) was built. May replace <c>Principal</c>, call <c>Fail</c>
    /// to reject, or <c>Success</c>/<c>NoResult</c>; untouched means success with the principal.
    /// </summary>
    public Func<ClientCertificateValidatedContext, Task> OnCertificateValidated { get; set; } = _ => Task.CompletedTask;

    /// <summary>
    /// When the certificate was rejected or validation threw. <c>Exception</c> holds the reason;
    /// a handler may still call <c>Success</c> (rarely wise) or <c>Fail</c> with another reason.
    /// </summary>
    public Func<ClientCertificateAuthenticationFailedContext, Task> OnAuthenticationFailed { get; set; } = _ => Task.CompletedTask;

    /// <summary>Before the 401 problem response; call <c>HandleResponse()</c> to write your own.</summary>
    public Func<ClientCertificateChallengeContext, Task> OnChallenge { get; set; } = _ => Task.CompletedTask;

    /// <summary>Before the 403 problem response; call <c>HandleResponse()</c> to write your own.</summary>
    public Func<ClientCertificateForbiddenContext, Task> OnForbidden { get; set; } = _ => Task.CompletedTask;

    public virtual Task CertificateValidated(ClientCertificateValidatedContext context) => OnCertificateValidated(context);

    public virtual Task AuthenticationFailed(ClientCertificateAuthenticationFailedContext context) => OnAuthenticationFailed(context);

    public virtual Task Challenge(ClientCertificateChallengeContext context) => OnChallenge(context);

    public virtual Task Forbidden(ClientCertificateForbiddenContext context) => OnForbidden(context);
}

/// <summary>Context of <see cref="ClientCertificateAuthenticationEvents.OnCertificateValidated"/>.</summary>
public sealed class ClientCertificateValidatedContext(
    HttpContext context, AuthenticationScheme scheme, ClientCertificateAuthenticationOptions options, X509Certificate2 clientCertificate)
    : ResultContext<ClientCertificateAuthenticationOptions>(context, scheme, options)
{
    public X509Certificate2 ClientCertificate { get; } = clientCertificate;
}

/// <summary>Context of <see cref="ClientCertificateAuthenticationEvents.OnAuthenticationFailed"/>.</summary>
public sealed class ClientCertificateAuthenticationFailedContext(
    HttpContext context, AuthenticationScheme scheme, ClientCertificateAuthenticationOptions options, Exception exception)
    : ResultContext<ClientCertificateAuthenticationOptions>(context, scheme, options)
{
    /// <summary>Why the certificate was rejected (<see cref="ClientCertificateRejectedException"/> for policy failures).</summary>
    public Exception Exception { get; set; } = exception;
}

/// <summary>Context of <see cref="ClientCertificateAuthenticationEvents.OnChallenge"/> (401).</summary>
public sealed class ClientCertificateChallengeContext(
    HttpContext context, AuthenticationScheme scheme, ClientCertificateAuthenticationOptions options, AuthenticationProperties properties,
    string reason)
    : PropertiesContext<ClientCertificateAuthenticationOptions>(context, scheme, options, properties)
{
    /// <summary>The short, user-safe reason that goes into the problem's detail.</summary>
    public string Reason { get; set; } = reason;

    /// <summary>True once an event wrote the response itself.</summary>
    public bool Handled { get; private set; }

    /// <summary>Skip the default 401 problem response.</summary>
    public void HandleResponse() => Handled = true;
}

/// <summary>Context of <see cref="ClientCertificateAuthenticationEvents.OnForbidden"/> (403).</summary>
public sealed class ClientCertificateForbiddenContext(
    HttpContext context, AuthenticationScheme scheme, ClientCertificateAuthenticationOptions options, AuthenticationProperties properties)
    : PropertiesContext<ClientCertificateAuthenticationOptions>(context, scheme, options, properties)
{
    /// <summary>True once an event wrote the response itself.</summary>
    public bool Handled { get; private set; }

    /// <summary>Skip the default 403 problem response.</summary>
    public void HandleResponse() => Handled = true;
}

/// <summary>A client certificate failed a validation rule; the message is short and safe to show.</summary>
public sealed class ClientCertificateRejectedException : Exception
{
    public ClientCertificateRejectedException(string message) : base(message) { }

    public ClientCertificateRejectedException(string message, Exception inner) : base(message, inner) { }

    public ClientCertificateRejectedException() { }
}
