using System.Security.Cryptography.X509Certificates;
using Signing.PdfSyntax;

namespace Signing.Validation;

/// <summary>
/// What the verifier trusts and requires: anchors per purpose, the signer's key usage, the
/// cryptographic constraints with their dates, the validation time and the read limits. Hosts load
/// it from configuration (<see cref="Policy.ValidationPolicySettings"/>); see docs/verification-report.md, "Validation policy".
/// </summary>
public sealed record VerificationPolicy
{
    /// <summary>Roots a signer's certificate must chain to; the product ships none but the dev root in development.</summary>
    public X509Certificate2Collection SignatureTrustAnchors { get; init; } = [];

    /// <summary>Roots a TSA certificate must chain to: a separate set, because trusting a CA for signers does not make it a time authority.</summary>
    public X509Certificate2Collection TimestampTrustAnchors { get; init; } = [];

    /// <summary>Sets the same anchors for both purposes, as in development where one root issues signers and the TSA.</summary>
    public X509Certificate2Collection TrustAnchors
    {
        init
        {
            SignatureTrustAnchors = value;
            TimestampTrustAnchors = value;
        }
    }

    /// <summary>The time to validate at when no timestamp proves an earlier one; default: now.</summary>
    public DateTimeOffset? ValidationTime { get; init; }

    public PdfReadLimits Limits { get; init; } = PdfReadLimits.Default;

    /// <summary>The key usage bits a signer's certificate must carry.</summary>
    public Policy.SignerKeyUsage SignerKeyUsage { get; init; } = Policy.SignerKeyUsage.Default;

    /// <summary>Which digest algorithms and key sizes are acceptable, and until when.</summary>
    public Policy.CryptoConstraints Crypto { get; init; } = Policy.CryptoConstraints.Default;

    /// <summary>How revocation is checked, per trust anchor (default: soft-fail, online).</summary>
    public Policy.RevocationPolicy Revocation { get; init; } = Policy.RevocationPolicy.Default;
}
