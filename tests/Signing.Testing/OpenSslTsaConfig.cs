namespace Signing.Testing;

/// <summary>
/// The one openssl.cnf section `openssl ts -reply` answers with, for every test that runs openssl as
/// the outside TSA: SHA-256 signer digest, SHA-2 imprints, one-second accuracy, the TSA name, and an
/// ESSCertIDv2 (SHA-256) naming the TSA certificate alone.
/// </summary>
public static class OpenSslTsaConfig
{
    /// <param name="serialFile">The file openssl keeps the next serial number in.</param>
    /// <param name="policyOid">The TSA policy the tokens name.</param>
    /// <param name="signerLines">Extra lines naming signer_cert, signer_key and certs, when the command line does not.</param>
    public static string Text(string serialFile, string policyOid, params string[] signerLines) => $"""
        [ tsa ]
        default_tsa = tsa_config1
        [ tsa_config1 ]
        serial = {serialFile}
        crypto_device = builtin
        {string.Join("\n", signerLines)}
        signer_digest = sha256
        default_policy = {policyOid}
        digests = sha256, sha384, sha512
        accuracy = secs:1
        ordering = no
        tsa_name = yes
        ess_cert_id_chain = no
        ess_cert_id_alg = sha256
        """;
}
