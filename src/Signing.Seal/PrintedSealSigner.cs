using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Core.Keys;

namespace Signing.Seal;

/// <summary>Signs the printed seal of a result; the renderer calls it before any PAdES signature exists.</summary>
public interface IPrintedSealSigner
{
    /// <summary>The issuing agency's identifier that goes into every seal.</summary>
    string AgencyId { get; }

    /// <summary>The seal key's certificate (with the printed-seal key purpose), which verifiers trust.</summary>
    System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate { get; }

    /// <summary>The COSE_Sign1 message (tagged, payload embedded) over the seal's CBOR payload.</summary>
    byte[] Sign(PrintedSeal seal);
}

/// <summary>
/// Signs seals as COSE_Sign1 (RFC 9052) with ES256 on the agency's dedicated seal key, which stays
/// on its token or HSM: .NET's COSE library hashes on the host and the key signs only the hash.
/// The protected header names the key by <see cref="SealKeyId"/> of its certificate.
/// </summary>
public sealed class PrintedSealSigner : IPrintedSealSigner
{
    private readonly ISignatureKey _key;
    private readonly byte[] _kid;

    public PrintedSealSigner(ISignatureKey key, X509Certificate2 certificate, string agencyId)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentException.ThrowIfNullOrWhiteSpace(agencyId);
        if (key.Algorithm != KeyAlgorithm.EcdsaP256) throw new SigningException($"the printed-seal key {key.Locator} must be ECDSA P-256 (a small QR), not {key.Algorithm}");
        if (!certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw new SigningException($"the certificate '{certificate.Subject}' does not belong to the printed-seal key {key.Locator}");
        }

        if (!SealCertificates.HasSealPurpose(certificate))
        {
            throw new SigningException($"the certificate '{certificate.Subject}' lacks the printed-seal key purpose {SealOids.PrintedSealKeyPurpose}");
        }

        _key = key;
        _kid = SealKeyId.Of(certificate);
        Certificate = certificate;
        AgencyId = agencyId;
    }

    public string AgencyId { get; }

    public X509Certificate2 Certificate { get; }

    public byte[] Sign(PrintedSeal seal)
    {
        var payload = SealPayload.Encode(seal);
        var headers = new CoseHeaderMap { { CoseHeaderLabel.KeyIdentifier, CoseHeaderValue.FromBytes(_kid) } };
        using var ecdsa = (ECDsa)_key.ToAsymmetricAlgorithm();
        return CoseSign1Message.SignEmbedded(payload, new CoseSigner(ecdsa, HashAlgorithmName.SHA256, headers));
    }
}

/// <summary>The key id of a seal certificate: the first 8 bytes of the SHA-256 of its DER (as the EU DCC does).</summary>
public static class SealKeyId
{
    public const int Length = 8;

    public static byte[] Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return SHA256.HashData(certificate.RawData)[..Length];
    }
}
