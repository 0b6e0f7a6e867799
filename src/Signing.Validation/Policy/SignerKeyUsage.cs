using System.Security.Cryptography.X509Certificates;

namespace Signing.Validation.Policy;

/// <summary>
/// The key usage a signer's certificate must carry: any one (or, with <see cref="All"/>, every one)
/// of <see cref="Required"/>. A certificate without a key usage extension fails: for documents with
/// legal effect the issuing CA has to have said what the key is for.
/// </summary>
public sealed record SignerKeyUsage(IReadOnlyList<X509KeyUsageFlags> Required, bool All)
{
    /// <summary>nonRepudiation or digitalSignature: the dev head and seal certificates carry both, foreign signers often only one.</summary>
    public static SignerKeyUsage Default { get; } = new([X509KeyUsageFlags.NonRepudiation, X509KeyUsageFlags.DigitalSignature], All: false);

    /// <summary>Why <paramref name="certificate"/> does not meet this rule, or null.</summary>
    public string? Problem(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (Required.Count == 0) return null;
        var extension = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        var wanted = string.Join(All ? " and " : " or ", Required.Select(Name));
        if (extension is null) return $"the signer's certificate has no key usage extension; the policy requires {wanted}";
        var has = Required.Select(r => (extension.KeyUsages & r) == r).ToList();
        var ok = All ? has.All(h => h) : has.Any(h => h);
        return ok ? null : $"the signer's certificate has key usage {extension.KeyUsages}; the policy requires {wanted}";
    }

    /// <summary>The RFC 5280 name of a key usage bit, as the policy file spells it.</summary>
    public static string Name(X509KeyUsageFlags flag) => flag switch
    {
        X509KeyUsageFlags.NonRepudiation => "nonRepudiation",
        X509KeyUsageFlags.DigitalSignature => "digitalSignature",
        X509KeyUsageFlags.KeyEncipherment => "keyEncipherment",
        X509KeyUsageFlags.DataEncipherment => "dataEncipherment",
        X509KeyUsageFlags.KeyAgreement => "keyAgreement",
        X509KeyUsageFlags.KeyCertSign => "keyCertSign",
        X509KeyUsageFlags.CrlSign => "cRLSign",
        _ => flag.ToString(),
    };
}
