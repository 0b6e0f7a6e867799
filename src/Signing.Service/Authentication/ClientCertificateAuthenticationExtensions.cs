using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Signing.Core;
using Signing.Revocation;
using Signing.Service.Authorization;

namespace Signing.Service.Authentication;

/// <summary>
/// The "Authentication:ClientCertificate" configuration section as files and switches; turned
/// into <see cref="CertificateAuthenticationOptions"/> and <see cref="ClientCertificateEvents"/> by
/// <see cref="ClientCertificateAuthenticationExtensions.AddClientCertificate"/>.
/// </summary>
public sealed class ClientCertificateSettings
{
    /// <summary>Configuration section bound to these settings.</summary>
    public const string ConfigurationSection = "Authentication:ClientCertificate";

    /// <summary>PEM (one or more certificates) or DER files of the trusted client CA roots.</summary>
    public List<string> TrustedCaCertificates { get; } = [];

    /// <summary>PEM or DER files of intermediate CAs that help build chains (not trusted as anchors).</summary>
    public List<string> IntermediateCertificates { get; } = [];

    public CertificateTypes AllowedCertificateTypes { get; set; } = CertificateTypes.Chained;
    public bool ValidateCertificateUse { get; set; } = true;
    public bool ValidateValidityPeriod { get; set; } = true;

    /// <summary>
    /// NoCheck: no revocation check. Offline (default): our CRL files. Online: OCSP from each
    /// certificate's AIA first, then its CRL distribution points (the service's revocation source,
    /// answers cached until their nextUpdate), then the CRL files; all through
    /// <see cref="ClientCertificateRevocation"/>, the verifier's Signing.Revocation checks.
    /// </summary>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.Offline;

    public X509RevocationFlag RevocationFlag { get; set; } = X509RevocationFlag.ExcludeRoot;

    /// <summary>CustomRootTrust (default): only the configured client CAs anchor chains. System: the machine's root store.</summary>
    public X509ChainTrustMode ChainTrustValidationMode { get; set; } = X509ChainTrustMode.CustomRootTrust;

    /// <summary>
    /// When a CRL for an issuer is missing, unreadable, badly signed or stale, refuse the
    /// certificate (fail closed). Default true; turning it off only logs a warning.
    /// </summary>
    public bool FailWhenRevocationUnknown { get; set; } = true;
}

/// <summary>Registration of Microsoft's certificate scheme with this service's rules.</summary>
public static class ClientCertificateAuthenticationExtensions
{
    /// <summary>
    /// Adds the scheme <see cref="CertificateAuthenticationDefaults.AuthenticationScheme"/> from
    /// configuration: <c>Authentication:ClientCertificate</c> (switches and certificate files),
    /// <c>Authentication:ClientCertificate:Crl</c> (CRL files) and <c>Authorization</c> (role
    /// mapping). Unreadable files and contradictions fail here, at startup.
    /// </summary>
    public static AuthenticationBuilder AddClientCertificate(this AuthenticationBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new ClientCertificateSettings();
        configuration.GetSection(ClientCertificateSettings.ConfigurationSection).Bind(settings, o => o.ErrorOnUnknownConfiguration = false);
        var crlSection = configuration.GetSection(CrlRevocationOptions.ConfigurationSection);
        var crlFiles = crlSection.GetSection(nameof(CrlRevocationOptions.Files)).Get<List<string>>() ?? [];

        if (settings.RevocationMode == X509RevocationMode.Offline && settings.FailWhenRevocationUnknown && crlFiles.Count == 0)
            throw new SigningException(
                $"{CrlRevocationOptions.ConfigurationSection}:Files is empty but RevocationMode is {settings.RevocationMode}: " +
                "every client certificate would be refused. Configure the client CAs' CRL files, or set RevocationMode to Online (OCSP and distribution points) or NoCheck.");

        var trusted = LoadCertificates(settings.TrustedCaCertificates, "TrustedCaCertificates");
        var intermediates = LoadCertificates(settings.IntermediateCertificates, "IntermediateCertificates");
        if (trusted.Count == 0 && settings.ChainTrustValidationMode == X509ChainTrustMode.CustomRootTrust
            && settings.AllowedCertificateTypes.HasFlag(CertificateTypes.Chained))
            throw new SigningException(
                $"{ClientCertificateSettings.ConfigurationSection}:TrustedCaCertificates is empty: no client certificate could be trusted. " +
                "List the client CAs' root certificate files.");

        builder.Services.TryAddSingleton(TimeProvider.System);
        // The one revocation source of the process (OCSP first, CRL fallback, cached by nextUpdate); the host may register its own first.
        builder.Services.TryAddSingleton<IRevocationSource>(sp => new OnlineRevocationSource(new OnlineRevocationOptions { Clock = sp.GetRequiredService<TimeProvider>() }));
        builder.Services.TryAddSingleton<ClientCertificateRevocation>();
        builder.Services.TryAddSingleton<CertificateRoleMapper>();
        builder.Services.Configure<CrlRevocationOptions>(crl =>
        {
            crl.Files.AddRange(crlFiles.Select(Path.GetFullPath));
            if (crlSection[nameof(CrlRevocationOptions.ReloadCheckInterval)] is { } interval)
                crl.ReloadCheckInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture);
        });
        builder.Services.Configure<RoleMappingOptions>(configuration.GetSection(RoleMappingOptions.ConfigurationSection));
        builder.Services.AddOptions<CertificateAuthenticationOptions>(CertificateAuthenticationDefaults.AuthenticationScheme)
            .Configure<ClientCertificateRevocation, CertificateRoleMapper, TimeProvider, ILogger<ClientCertificateEvents>>(
                (options, checker, mapper, time, logger) => options.Events = new ClientCertificateEvents(settings, checker, mapper, time, logger));
        return builder.AddCertificate(options =>
        {
            options.AllowedCertificateTypes = settings.AllowedCertificateTypes;
            options.ValidateCertificateUse = settings.ValidateCertificateUse;
            options.ValidateValidityPeriod = settings.ValidateValidityPeriod;
            // The handler's chain could only check revocation through the OS; the events check it
            // with Signing.Revocation instead (OCSP, CRL distribution points, the CRL files).
            options.RevocationMode = X509RevocationMode.NoCheck;
            options.RevocationFlag = settings.RevocationFlag;
            options.ChainTrustValidationMode = settings.ChainTrustValidationMode;
            options.CustomTrustStore = trusted;
            options.AdditionalChainCertificates = intermediates;
        });
    }

    private static X509Certificate2Collection LoadCertificates(List<string> paths, string key)
    {
        var collection = new X509Certificate2Collection();
        foreach (var path in paths)
        {
            var where = $"{ClientCertificateSettings.ConfigurationSection}:{key}";
            if (!File.Exists(path)) throw new SigningException($"{where}: certificate file '{path}' does not exist.");
            try
            {
                var text = File.ReadAllText(path);
                if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
                    collection.ImportFromPem(text);
                else
                    collection.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            }
            catch (CryptographicException e)
            {
                throw new SigningException($"{where}: '{path}' is not a PEM or DER certificate ({e.Message}).");
            }
        }
        return collection;
    }
}
