namespace Signing.Service.Authentication;

/// <summary>Names shared by the client-certificate handler, its options and the principal it builds.</summary>
public static class ClientCertificateAuthenticationDefaults
{
    /// <summary>The authentication scheme of the mutual-TLS staff port.</summary>
    public const string AuthenticationScheme = "ClientCertificate";

    /// <summary>Configuration section bound to <see cref="ClientCertificateSettings"/>.</summary>
    public const string ConfigurationSection = "Authentication:ClientCertificate";

    /// <summary>Claim with the certificate's serial number (hex, as in the certificate).</summary>
    public const string SerialNumberClaimType = "urn:signing:x509:serial";

    /// <summary>Claim with the issuer's distinguished name.</summary>
    public const string IssuerClaimType = "urn:signing:x509:issuer";

    /// <summary>Object identifier of the id-kp-clientAuth extended key usage (RFC 5280 4.2.1.12).</summary>
    public const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";
}

/// <summary>Which kinds of client certificate the handler accepts (as in Microsoft's package).</summary>
[Flags]
public enum CertificateTypes
{
    /// <summary>Certificates issued by a CA, validated against the trust store.</summary>
    Chained = 1,

    /// <summary>Self-signed certificates; only thumbprint role mappings apply to them.</summary>
    SelfSigned = 2,

    /// <summary>Both.</summary>
    All = Chained | SelfSigned,
}
