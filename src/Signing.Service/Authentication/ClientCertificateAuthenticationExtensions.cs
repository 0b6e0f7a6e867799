using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Signing.Core;
using Signing.Service.Authorization;

namespace Signing.Service.Authentication;

/// <summary>
/// The "Authentication:ClientCertificate" configuration section as files and switches; turned
/// into <see cref="ClientCertificateAuthenticationOptions"/> by
/// <see cref="ClientCertificateAuthenticationExtensions.AddClientCertificate(AuthenticationBuilder, IConfiguration)"/>.
/// </summary>
public sealed class ClientCertificateSettings
{
    /// <summary>PEM (one or more certificates) or DER files of the trusted client CA roots.</summary>
    public List<string> TrustedCaCertificates { get; } = [];

    /// <summary>PEM or DER files of intermediate CAs that help build chains (not trusted as anchors).</summary>
    public List<string> IntermediateCertificates { get; } = [];

    public CertificateTypes AllowedCertificateTypes { get; set; } = CertificateTypes.Chained;
    public bool ValidateCertificateUse { get; set; } = true;
    public bool ValidateValidityPeriod { get; set; } = true;
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.Offline;
    public X509RevocationFlag RevocationFlag { get; set; } = X509RevocationFlag.ExcludeRoot;
    public X509ChainTrustMode ChainTrustValidationMode { get; set; } = X509ChainTrustMode.CustomRootTrust;
    public bool FailWhenRevocationUnknown { get; set; } = true;
}

/// <summary>Registration of the client-certificate scheme.</summary>
public static class ClientCertificateAuthenticationExtensions
{
    /// <summary>Adds the scheme <see cref="ClientCertificateAuthenticationDefaults.AuthenticationScheme"/> configured in code.</summary>
    public static AuthenticationBuilder AddClientCertificate(
        this AuthenticationBuilder builder, Action<ClientCertificateAuthenticationOptions>? configure = null)
        => builder.AddClientCertificate(ClientCertificateAuthenticationDefaults.AuthenticationScheme, configure);

    /// <summary>Adds the scheme under <paramref name="scheme"/> configured in code.</summary>
    public static AuthenticationBuilder AddClientCertificate(
        this AuthenticationBuilder builder, string scheme, Action<ClientCertificateAuthenticationOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<CrlRevocationChecker>();
        builder.Services.TryAddSingleton<CertificateRoleMapper>();
        builder.Services.AddOptions<CrlRevocationOptions>();
        builder.Services.AddOptions<RoleMappingOptions>();
        return builder.AddScheme<ClientCertificateAuthenticationOptions, ClientCertificateAuthenticationHandler>(scheme, configure);
    }

    /// <summary>
    /// Adds the scheme from configuration: <c>Authentication:ClientCertificate</c> (switches and
    /// certificate files), <c>Authentication:ClientCertificate:Crl</c> (CRL files) and
    /// <c>Authorization</c> (role mapping). Unreadable files and contradictions fail here, at startup.
    /// </summary>
    public static AuthenticationBuilder AddClientCertificate(this AuthenticationBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(ClientCertificateAuthenticationDefaults.ConfigurationSection);
        var settings = new ClientCertificateSettings();
        section.Bind(settings, o => o.ErrorOnUnknownConfiguration = false);
        var crlSection = configuration.GetSection(CrlRevocationOptions.ConfigurationSection);
        var crlFiles = crlSection.GetSection(nameof(CrlRevocationOptions.Files)).Get<List<string>>() ?? [];

        if (settings.RevocationMode != X509RevocationMode.NoCheck && settings.FailWhenRevocationUnknown && crlFiles.Count == 0)
            throw new SigningException(
                $"{CrlRevocationOptions.ConfigurationSection}:Files is empty but RevocationMode is {settings.RevocationMode}: " +
                "every client certificate would be refused. Configure the client CAs' CRL files or set RevocationMode to NoCheck.");

        var trusted = LoadCertificates(settings.TrustedCaCertificates, "TrustedCaCertificates");
        var intermediates = LoadCertificates(settings.IntermediateCertificates, "IntermediateCertificates");
        if (trusted.Count == 0 && settings.ChainTrustValidationMode == X509ChainTrustMode.CustomRootTrust
            && settings.AllowedCertificateTypes.HasFlag(CertificateTypes.Chained))
            throw new SigningException(
                $"{ClientCertificateAuthenticationDefaults.ConfigurationSection}:TrustedCaCertificates is empty: no client certificate could be trusted. " +
                "List the client CAs' root certificate files.");

        builder.Services.Configure<CrlRevocationOptions>(crl =>
        {
            crl.Files.AddRange(crlFiles.Select(Path.GetFullPath));
            if (crlSection[nameof(CrlRevocationOptions.ReloadCheckInterval)] is { } interval)
                crl.ReloadCheckInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture);
        });
        builder.Services.Configure<RoleMappingOptions>(configuration.GetSection(RoleMappingOptions.ConfigurationSection));
        return builder.AddClientCertificate(options =>
        {
            options.AllowedCertificateTypes = settings.AllowedCertificateTypes;
            options.ValidateCertificateUse = settings.ValidateCertificateUse;
            options.ValidateValidityPeriod = settings.ValidateValidityPeriod;
            options.RevocationMode = settings.RevocationMode;
            options.RevocationFlag = settings.RevocationFlag;
            options.ChainTrustValidationMode = settings.ChainTrustValidationMode;
            options.FailWhenRevocationUnknown = settings.FailWhenRevocationUnknown;
            options.CustomTrustStore = trusted;
            options.AdditionalChainCertificates = intermediates;
        });
    }

    private static X509Certificate2Collection LoadCertificates(List<string> paths, string key)
    {
        var collection = new X509Certificate2Collection();
        foreach (var path in paths)
        {
            var where = $"{ClientCertificateAuthenticationDefaults.ConfigurationSection}:{key}";
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
