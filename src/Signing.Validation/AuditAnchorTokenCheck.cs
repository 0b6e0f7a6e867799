using Signing.Core.Documents;
using Signing.Validation.Steps;

namespace Signing.Validation;

/// <summary>
/// Judges audit anchors' tokens with the timestamp step the PDF verifier uses: signature, ESS
/// binding, the TSA certificate's EKU, chain to <see cref="VerificationPolicy.TimestampTrustAnchors"/>
/// at genTime, its revocation and key strength under the policy, and the SHA-256 imprint.
/// </summary>
public sealed class AuditAnchorTokenCheck(VerificationPolicy policy) : IAuditAnchorTokenCheck
{
    public AuditAnchorTokenVerdict Check(byte[] token, byte[] expectedImprint)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(expectedImprint);
        ArgumentNullException.ThrowIfNull(policy);
        var check = TimestampValidation.CheckStandaloneToken(token, expectedImprint, policy, policy.ValidationTime ?? DateTimeOffset.UtcNow,
            "its token does not timestamp this seq with the chain hash recomputed from the log: the chain was rewritten after it was anchored");
        return new AuditAnchorTokenVerdict(check.Valid ? null : check.Problem ?? "the timestamp token is not valid", check.Time);
    }
}
