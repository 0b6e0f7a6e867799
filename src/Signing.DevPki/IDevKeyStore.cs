using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;

namespace Signing.DevPki;

/// <summary>
/// Where the dev PKI keeps its keys and certificates, addressed by label. The real one is the
/// SoftHSM2 dev token (keys generated on it, non-extractable); tests of the PKI logic may use
/// an in-memory one.
/// </summary>
public interface IDevKeyStore
{
    ISignatureKey? FindKey(string label);

    /// <summary>Generates a key pair on the store; the private key never leaves it.</summary>
    ISignatureKey GenerateKey(DevKeySpec spec);

    X509Certificate2? FindCertificate(string label);

    /// <summary>Stores (or replaces) the certificate for the key with this label.</summary>
    void StoreCertificate(string label, X509Certificate2 certificate);
}
