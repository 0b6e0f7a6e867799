using Signing.Testing.Pades;

namespace Signing.Validation.Tests.Steps;

/// <summary>What the step tests share: the test PKI, "now", the default policy to its root, and verifying a one-signature file.</summary>
public abstract class SignedFileChecks
{
    protected static readonly TestPki Pki = TestPki.Shared;
    protected static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    protected static VerificationPolicy DefaultPolicy => new() { TrustAnchors = Pki.TrustAnchors };

    protected static SignatureVerification VerifyOnly(byte[] pdf, VerificationPolicy policy) => Assert.Single(PdfSignatureVerifier.Verify(pdf, policy).Signatures);
}
