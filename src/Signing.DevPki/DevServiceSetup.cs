using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Signing.Core;
using Signing.Core.IO;

namespace Signing.DevPki;

/// <summary>One staff role of the service and the dev client certificate made for it.</summary>
public sealed record DevServiceRole(string Role, string FileName, string CommonName);

/// <summary>What the service set-up points at: the token, its PIN file, the module, and the sample images.</summary>
public sealed record DevServiceOptions
{
    public string TokenLabel { get; init; } = DevLayout.TokenLabel;

    /// <summary>The seal/TSA token's PIN file (default: the dev token's).</summary>
    public string? PinFile { get; init; }

    public string ModulePath { get; init; } = DevLayout.ModulePath;

    public int StaffPort { get; init; } = 8443;

    public int PublicPort { get; init; } = 8444;
}

/// <summary>
/// The dev material the issuance service needs, made idempotently from the dev PKI: a TLS server
/// certificate (SAN localhost, 127.0.0.1, ::1) and one client certificate per staff role, each a
/// PKCS#12 file with a random password in a file next to it (both mode 600), and a service
/// configuration (<see cref="ConfigFile"/>) that maps those client certificates to their roles by
/// SHA-256 thumbprint and points at the dev token, PKI, CRLs and the data directory. A file is
/// re-issued only when it is missing, unreadable, no longer chains to the current dev CA, or
/// expires within 30 days; the configuration is rewritten only when its content changes.
/// </summary>
public sealed class DevServiceSetup
{
    /// <summary>The roles of the service (names as its configuration spells them).</summary>
    public static readonly IReadOnlyList<DevServiceRole> Roles =
    [
        new("CounterStaff", "counter-staff", "Dev Counter Staff"),
        new("DepartmentHead", "department-head", "Dev Department Head"),
        new("SealOperator", "seal-operator", "Dev Seal Operator"),
        new("Auditor", "auditor", "Dev Auditor"),
        new("Admin", "admin", "Dev Admin"),
    ];

    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly DevLayout _layout;
    private readonly IDevKeyStore _store;
    private readonly DevServiceOptions _options;

    public DevServiceSetup(DevLayout layout, IDevKeyStore store, DevServiceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(store);
        _layout = layout;
        _store = store;
        _options = options ?? new DevServiceOptions();
    }

    public string TlsDirectory => Path.Combine(_layout.Home, "tls");

    /// <summary>The seal and signature images the dev configuration draws (<see cref="DevSamples"/>).</summary>
    public string ImagesDirectory => Path.Combine(_layout.Home, "images");

    public string ServerPkcs12 => Path.Combine(TlsDirectory, "server.p12");

    public string ClientPkcs12(DevServiceRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return Path.Combine(TlsDirectory, "clients", role.FileName + ".p12");
    }

    /// <summary>The password file of a PKCS#12 file (same name, ".password").</summary>
    public static string PasswordFileOf(string pkcs12Path) => Path.ChangeExtension(pkcs12Path, ".password");

    /// <summary>The service configuration (appsettings format).</summary>
    public string ConfigFile => Path.Combine(_layout.Home, "service.json");

    /// <summary>The registry, blobs, previews and logs of the dev service.</summary>
    public string DataDirectory => Path.Combine(_layout.Home, "data");

    /// <summary>Makes or refreshes everything; <paramref name="log"/> hears what changed.</summary>
    public void Ensure(Action<string>? log = null)
    {
        log ??= _ => { };
        var root = _store.FindCertificate(DevPkiBuilder.RootLabel);
        var issuing = _store.FindCertificate(DevPkiBuilder.IssuingLabel);
        if (root == null || issuing == null)
            throw new SigningException("The dev PKI does not exist yet; run `signing dev init` (hsm-config/setup.sh) first.");
        var builder = new DevPkiBuilder(_store, _layout);

        if (!IsCurrent(ServerPkcs12, root, issuing))
        {
            builder.IssueTlsServerCertificate(ServerPkcs12, NewPassword(ServerPkcs12));
            log($"issued the TLS server certificate {ServerPkcs12}");
        }

        var thumbprints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in Roles)
        {
            var path = ClientPkcs12(role);
            if (!IsCurrent(path, root, issuing))
            {
                builder.IssueTlsClientCertificate(role.CommonName, path, NewPassword(path));
                log($"issued the {role.Role} client certificate {path}");
            }
            using var client = Load(path)!;
            thumbprints[role.Role] = Convert.ToHexString(client.GetCertHash(HashAlgorithmName.SHA256));
        }

        DevSamples.WriteImages(ImagesDirectory);
        if (AtomicFile.WriteIfChanged(ConfigFile, Configuration(thumbprints))) log($"wrote {ConfigFile}");
    }

    /// <summary>Loads a PKCS#12 file made here, with its password file; null when either is missing or unreadable.</summary>
    public static X509Certificate2? Load(string pkcs12Path)
    {
        try
        {
            var password = File.ReadAllText(PasswordFileOf(pkcs12Path));
            return X509CertificateLoader.LoadPkcs12FromFile(pkcs12Path, password, X509KeyStorageFlags.Exportable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return null;
        }
    }

    private static bool IsCurrent(string pkcs12Path, X509Certificate2 root, X509Certificate2 issuing)
    {
        using var certificate = Load(pkcs12Path);
        if (certificate is not { HasPrivateKey: true }) return false;
        if (certificate.NotAfter.ToUniversalTime() < DateTime.UtcNow + RenewBefore) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(issuing);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate) && chain.ChainElements[1].Certificate.RawData.AsSpan().SequenceEqual(issuing.RawData);
    }

    // The password goes to its file first: a crash before the PKCS#12 is written leaves a pair that
    // does not load, which the next run re-issues.
    private static string NewPassword(string pkcs12Path)
    {
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        Directory.CreateDirectory(Path.GetDirectoryName(pkcs12Path)!);
        AtomicFile.WriteText(PasswordFileOf(pkcs12Path), password, secret: true);
        return password;
    }

    private byte[] Configuration(IReadOnlyDictionary<string, string> thumbprints)
    {
        var pki = _layout.PkiDirectory;
        var root = _layout.CertificateFile(DevPkiBuilder.RootLabel);
        var issuing = _layout.CertificateFile(DevPkiBuilder.IssuingLabel);
        var roles = new JsonObject();
        foreach (var (role, thumbprint) in thumbprints) roles[role] = new JsonArray("sha256:" + thumbprint);
        var seal = new JsonObject
        {
            ["KeyUri"] = $"pkcs11:token={_options.TokenLabel};object=seal;type=private",
            ["PinSource"] = "file:" + (_options.PinFile ?? _layout.UserPinFile),
            ["ChainFile"] = Path.Combine(pki, DevPkiBuilder.ChainFileName),
            ["Image"] = Path.Combine(ImagesDirectory, "seal.png"),
        };
        var heads = new JsonObject { ["PrepareLifetime"] = "00:05:00", ["SignatureImage"] = Path.Combine(ImagesDirectory, "signature.png") };

        var config = new JsonObject
        {
            ["Service"] = new JsonObject
            {
                ["Listeners"] = new JsonObject
                {
                    ["Staff"] = new JsonObject { ["Address"] = "127.0.0.1", ["Port"] = _options.StaffPort },
                    ["Public"] = new JsonObject { ["Address"] = "127.0.0.1", ["Port"] = _options.PublicPort },
                },
                ["ServerCertificate"] = new JsonObject { ["Path"] = ServerPkcs12, ["PasswordFile"] = PasswordFileOf(ServerPkcs12) },
            },
            ["Authentication"] = new JsonObject
            {
                ["ClientCertificate"] = new JsonObject
                {
                    ["TrustedCaCertificates"] = new JsonArray(root),
                    ["IntermediateCertificates"] = new JsonArray(issuing),
                    ["Crl"] = new JsonObject { ["Files"] = new JsonArray(_layout.CrlFile(DevPkiBuilder.IssuingLabel), _layout.CrlFile(DevPkiBuilder.RootLabel)) },
                },
            },
            ["Authorization"] = new JsonObject { ["Roles"] = roles },
            ["Signing"] = new JsonObject
            {
                ["DataDirectory"] = DataDirectory,
                ["Pkcs11"] = new JsonObject { ["Module"] = _options.ModulePath },
                ["Seal"] = seal,
                ["PrintedSeal"] = new JsonObject
                {
                    ["KeyUri"] = $"pkcs11:token={_options.TokenLabel};object={DevLayout.PrintedSealLabel};type=private",
                    ["AgencyId"] = DevLayout.PrintedSealAgencyId,
                },
                ["Tsa"] = new JsonObject { ["Url"] = "", ["KeyUri"] = $"pkcs11:token={_options.TokenLabel};object={DevPkiBuilder.TsaLabel};type=private" },
                ["TrustAnchors"] = new JsonArray(root),
                ["Intermediates"] = new JsonArray(issuing),
                ["VerificationBaseUrl"] = $"https://127.0.0.1:{_options.PublicPort}",
                ["Heads"] = heads,
                ["Verify"] = new JsonObject { ["MaxUploadBytes"] = 20 * 1024 * 1024, ["PermitsPerMinute"] = 30 },
            },
        };
        return Encoding.UTF8.GetBytes(config.ToJsonString(Indented) + "\n");
    }
}
