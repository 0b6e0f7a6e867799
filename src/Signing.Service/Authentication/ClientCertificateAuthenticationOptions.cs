using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;

namespace Signing.Service.Authentication;

/// <summary>
/// Options of <see cref="ClientCertificateAuthenticationHandler"/>. Names and meanings follow
/// Microsoft.AspNetCore.Authentication.Certificate (absent from our package mirror) so the handler
/// can be swapped later; the defaults differ where noted, because this service trusts only its
/// configured client CAs and checks revocation with configured CRL files.
/// </summary>
public sealed class ClientCertificateAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Accepted certificate kinds. Default <see cref="CertificateTypes.Chained"/> (Microsoft: Chained too).</summary>
    public CertificateTypes AllowedCertificateTypes { get; set; } = CertificateTypes.Chained;

    /// <summary>
    /// Require the id-kp-clientAuth extended key usage (a certificate without an EKU extension is
    /// valid for every use, as in X509Chain). Default true.
    /// </summary>
    public bool ValidateCertificateUse { get; set; } = true;

    /// <summary>Reject certificates outside their notBefore/notAfter (any chain element). Default true.</summary>
    public bool ValidateValidityPeriod { get; set; } = true;

    /// <summary>Which chain elements are checked for revocation. Default <see cref="X509RevocationFlag.ExcludeRoot"/>.</summary>
    public X509RevocationFlag RevocationFlag { get; set; } = X509RevocationFlag.ExcludeRoot;

    /// <summary>
    /// <see cref="X509RevocationMode.NoCheck"/>: no revocation check.
    /// <see cref="X509RevocationMode.Offline"/> (default here; Microsoft defaults to Online):
    /// check with the configured CRL files through <see cref="CrlRevocationChecker"/>.
    /// <see cref="X509RevocationMode.Online"/>: the CRL files as with Offline, and X509Chain also
    /// fetches CRLs/OCSP from the certificates' distribution points.
    /// </summary>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.Offline;

    /// <summary>
    /// <see cref="X509ChainTrustMode.CustomRootTrust"/> (default here; Microsoft defaults to System):
    /// only <see cref="CustomTrustStore"/> anchors chains. System: the machine's root store.
    /// </summary>
    public X509ChainTrustMode ChainTrustValidationMode { get; set; } = X509ChainTrustMode.CustomRootTrust;

    /// <summary>Trust anchors (the client CAs' roots) used with CustomRootTrust.</summary>
    public X509Certificate2Collection CustomTrustStore { get; set; } = [];

    /// <summary>Intermediate CA certificates that help build chains; they are not trusted as anchors.</summary>
    public X509Certificate2Collection AdditionalChainCertificates { get; set; } = [];

    /// <summary>
    /// When a CRL for an issuer is missing, unreadable, badly signed or stale, treat the certificate
    /// as revoked (fail closed). Default true; turning it off only logs a warning.
    /// </summary>
    public bool FailWhenRevocationUnknown { get; set; } = true;

    /// <summary>Hooks; see <see cref="ClientCertificateAuthenticationEvents"/>.</summary>
    public new ClientCertificateAuthenticationEvents Events
    {
        get => (ClientCertificateAuthenticationEvents)base.Events!;
        set => base.Events = value;
    }

    /// <summary>Fills <see cref="Events"/> with a default instance so the handler never sees null.</summary>
    public ClientCertificateAuthenticationOptions() => base.Events = new ClientCertificateAuthenticationEvents();

    public override void Validate()
    {
        base.Validate();
        if (AllowedCertificateTypes == 0 || (AllowedCertificateTypes & ~CertificateTypes.All) != 0)
            throw new ArgumentException("ClientCertificate: AllowedCertificateTypes must be Chained, SelfSigned or All.");
        if (ChainTrustValidationMode == X509ChainTrustMode.CustomRootTrust
            && AllowedCertificateTypes.HasFlag(CertificateTypes.Chained) && CustomTrustStore.Count == 0)
            throw new ArgumentException("ClientCertificate: CustomRootTrust needs at least one trusted client CA certificate (TrustedCaCertificates).");
    }
}
