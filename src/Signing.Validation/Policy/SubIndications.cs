namespace Signing.Validation.Policy;

/// <summary>ETSI EN 319 102-1 sub-indications this verifier reports for policy and chain checks (spelled as the standard spells them).</summary>
public static class SubIndications
{
    public const string SigConstraintsFailure = "SIG_CONSTRAINTS_FAILURE";
    public const string ChainConstraintsFailure = "CHAIN_CONSTRAINTS_FAILURE";
    public const string CertificateChainGeneralFailure = "CERTIFICATE_CHAIN_GENERAL_FAILURE";
    public const string CryptoConstraintsFailure = "CRYPTO_CONSTRAINTS_FAILURE";
    public const string CryptoConstraintsFailureNoPoe = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE";
    public const string NoCertificateChainFound = "NO_CERTIFICATE_CHAIN_FOUND";
    public const string OutOfBoundsNoPoe = "OUT_OF_BOUNDS_NO_POE";
    public const string NotYetValid = "NOT_YET_VALID";
    public const string RevokedNoPoe = "REVOKED_NO_POE";
    public const string RevokedCaNoPoe = "REVOKED_CA_NO_POE";
    public const string TryLater = "TRY_LATER";
    public const string RevocationOutOfBoundsNoPoe = "REVOCATION_OUT_OF_BOUNDS_NO_POE";
}
