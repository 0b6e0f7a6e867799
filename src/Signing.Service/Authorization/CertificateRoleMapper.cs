using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Signing.Core;

namespace Signing.Service.Authorization;

/// <summary>
/// The "Authorization" configuration section: which certificates hold which role.
/// <code>
/// "Authorization": {
///   "Roles": {
///     "CounterStaff": [ "CN=Nguyễn Văn A, O=UBND tỉnh Lâm Đồng, C=VN", "sha256:3F2A…(64 hex)" ],
///     "Admin": [ "9C41…(64 hex)" ]
///   },
///   "RolesByIssuerAndOu": [
///     { "Role": "Auditor", "Issuer": "CN=Signing Dev Issuing CA, O=Signing dev, C=VN", "OrganizationalUnit": "Thanh tra" }
///   ]
/// }
/// </code>
/// </summary>
public sealed class RoleMappingOptions
{
    /// <summary>Configuration section bound to these options.</summary>
    public const string ConfigurationSection = "Authorization";

    /// <summary>
    /// Role name → certificates: a SHA-256 thumbprint (64 hex digits, optional "sha256:" prefix and
    /// colons) or a full subject distinguished name as .NET prints it (most specific RDN first).
    /// </summary>
    public Dictionary<string, List<string>> Roles { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Grants a role to every certificate of a given issuing CA whose subject has the given OU.</summary>
    public List<IssuerOuRoleRule> RolesByIssuerAndOu { get; } = [];
}

/// <summary>One "issuer + subject OU → role" rule.</summary>
public sealed class IssuerOuRoleRule
{
    public string Role { get; set; } = "";

    /// <summary>Subject DN of the CA that issued the client certificate directly.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>A value of the client certificate's organizationalUnitName (2.5.4.11), compared case-insensitively.</summary>
    public string OrganizationalUnit { get; set; } = "";
}

/// <summary>
/// Turns a validated client certificate into role names from <see cref="RoleMappingOptions"/>.
/// Subject and issuer+OU rules apply only to chained certificates (anyone can put any subject
/// into a self-signed certificate); thumbprint rules apply to both. Bad configuration is
/// reported once, when the mapper is created, as a <see cref="SigningException"/>.
/// </summary>
public sealed class CertificateRoleMapper
{
    private readonly Dictionary<string, HashSet<string>> _rolesByThumbprint = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _rolesBySubject = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Role, string Issuer, string Ou)> _ouRules = [];

    public CertificateRoleMapper(IOptions<RoleMappingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = options.Value;
        foreach (var (configuredRole, entries) in config.Roles)
        {
            var role = KnownRole(configuredRole, $"Authorization:Roles:{configuredRole}");
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i]?.Trim() ?? "";
                var where = $"Authorization:Roles:{configuredRole}:{i}";
                if (entry.Length == 0) throw new SigningException($"{where} is empty.");
                if (TryParseThumbprint(entry, out var thumbprint))
                    Add(_rolesByThumbprint, thumbprint, role);
                else
                    Add(_rolesBySubject, NormaliseName(entry, where), role);
            }
        }
        for (var i = 0; i < config.RolesByIssuerAndOu.Count; i++)
        {
            var rule = config.RolesByIssuerAndOu[i];
            var where = $"Authorization:RolesByIssuerAndOu:{i}";
            var role = KnownRole(rule.Role, where + ":Role");
            if (string.IsNullOrWhiteSpace(rule.OrganizationalUnit)) throw new SigningException($"{where}:OrganizationalUnit is empty.");
            _ouRules.Add((role, NormaliseName(rule.Issuer, where + ":Issuer"), rule.OrganizationalUnit.Trim()));
        }
    }

    /// <summary>The roles of <paramref name="certificate"/>; <paramref name="issuer"/> is null for a self-signed certificate.</summary>
    public IReadOnlySet<string> RolesFor(X509Certificate2 certificate, X509Certificate2? issuer)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var roles = new HashSet<string>(StringComparer.Ordinal);
        if (_rolesByThumbprint.TryGetValue(Sha256Thumbprint(certificate), out var byThumbprint)) roles.UnionWith(byThumbprint);
        if (issuer == null) return roles;

        if (_rolesBySubject.TryGetValue(certificate.SubjectName.Name, out var bySubject)) roles.UnionWith(bySubject);
        if (_ouRules.Count > 0)
        {
            var issuerName = issuer.SubjectName.Name;
            var units = OrganizationalUnits(certificate.SubjectName);
            foreach (var (role, ruleIssuer, ou) in _ouRules)
            {
                if (string.Equals(issuerName, ruleIssuer, StringComparison.OrdinalIgnoreCase)
                    && units.Contains(ou, StringComparer.OrdinalIgnoreCase))
                    roles.Add(role);
            }
        }
        return roles;
    }

    /// <summary>Upper-case hex SHA-256 of the DER certificate, the principal's NameIdentifier.</summary>
    public static string Sha256Thumbprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    private static List<string> OrganizationalUnits(X500DistinguishedName name)
    {
        var units = new List<string>();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.11"
                && rdn.GetSingleElementValue() is { } value)
                units.Add(value);
        }
        return units;
    }

    private static string KnownRole(string configured, string where)
    {
        var role = Roles.All.FirstOrDefault(r => string.Equals(r, configured?.Trim(), StringComparison.OrdinalIgnoreCase));
        return role ?? throw new SigningException(
            $"{where}: unknown role '{configured}'; known roles are {string.Join(", ", Roles.All)}.");
    }

    private static bool TryParseThumbprint(string entry, out string thumbprint)
    {
        var hex = entry.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? entry[7..] : entry;
        hex = hex.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        var isHex = hex.Length == 64 && hex.All(char.IsAsciiHexDigit);
        if (!isHex && entry.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
            throw new SigningException($"Authorization:Roles entry '{entry}' is not a SHA-256 thumbprint (64 hex digits).");
        thumbprint = isHex ? hex.ToUpperInvariant() : "";
        return isHex;
    }

    // Round-trip through X500DistinguishedName so spacing and quoting match how a certificate's
    // subject prints; comparison is then case-insensitive like X.520 name matching.
    private static string NormaliseName(string name, string where)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new SigningException($"{where} is empty.");
        try
        {
            return new X500DistinguishedName(name).Name;
        }
        catch (CryptographicException)
        {
            throw new SigningException($"{where}: '{name}' is not a distinguished name (e.g. \"CN=Nguyễn Văn A, O=UBND, C=VN\").");
        }
    }

    private static void Add(Dictionary<string, HashSet<string>> map, string key, string role)
    {
        if (!map.TryGetValue(key, out var roles)) map[key] = roles = new HashSet<string>(StringComparer.Ordinal);
        roles.Add(role);
    }
}
