using System.Security.Cryptography.X509Certificates;
using System.Text;
using Signing.Core.Keys;
using Signing.Pkcs11;

namespace Signing.DevPki;

/// <summary>The dev PKI's keys on the SoftHSM2 dev token: generated there, non-extractable, found by label.</summary>
public sealed class Pkcs11DevKeyStore(Pkcs11KeyStore store) : IDevKeyStore
{
    public ISignatureKey? FindKey(string label)
    {
        try
        {
            return store.GetSignatureKey(Pkcs11Uri.For(obj: label, type: "private"));
        }
        catch (Pkcs11NotFoundException)
        {
            return null;
        }
    }

    public ISignatureKey GenerateKey(DevKeySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return store.GenerateKeyPair(spec.Label, IdFor(spec.Label), spec.Algorithm, spec.Bits);
    }

    public X509Certificate2? FindCertificate(string label) => store.FindCertificate(Pkcs11Uri.For(obj: label, type: "cert"));

    public void StoreCertificate(string label, X509Certificate2 certificate) => store.ImportCertificate(label, IdFor(label), certificate);

    /// <summary>Key, public key and certificate share CKA_ID; the label's bytes keep it readable in listings.</summary>
    public static byte[] IdFor(string label) => Encoding.UTF8.GetBytes(label);
}
