using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Timestamps;

namespace Signing.Testing.Pades;

/// <summary>
/// A TSA that breaks RFC 3161 §2.3 on purpose: its certificate (from the test PKI's issuing CA)
/// has the timeStamping EKU but not critical, which openssl and our own TSA refuse to sign with.
/// The token is a real one, signed by .NET's SignedCms over a TSTInfo with an ESS
/// signing-certificate-v2; only the certificate is wrong. It skips the checks
/// <see cref="ITimestampClient"/> promises, so that the verifier can be shown to make them.
/// </summary>
public sealed class NonCompliantTsa : ITimestampClient, IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly TestPki _pki;

    public NonCompliantTsa(TestPki pki)
    {
        _pki = pki;
        var request = new CertificateRequest("CN=Non-compliant TSA, O=Signing Tests, C=VN", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], critical: false));
        _certificate = pki.IssueCertificate(request, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)).CopyWithPrivateKey(_key);
    }

    public X509Certificate2 Certificate => _certificate;

    public Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default)
    {
        var info = new Rfc3161TimestampTokenInfo(new Oid("1.3.6.1.4.1.99999.1"), new Oid("2.16.840.1.101.3.4.2.1"), hash, RandomNumberGenerator.GetBytes(8), DateTimeOffset.UtcNow);
        var cms = new SignedCms(new ContentInfo(new Oid("1.2.840.113549.1.9.16.1.4"), info.Encode()), detached: false);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _certificate) { DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"), IncludeOption = X509IncludeOption.EndCertOnly };
        signer.Certificates.Add(_pki.Issuing);
        signer.SignedAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.16.2.47", SigningCertificateV2(_certificate)));
        cms.ComputeSignature(signer);
        return Task.FromResult(cms.Encode());
    }

    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 { certHash (SHA-256 by default) } }
    private static byte[] SigningCertificateV2(X509Certificate2 certificate)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.PushSequence();
        w.PushSequence();
        w.PushSequence();
        w.WriteOctetString(SHA256.HashData(certificate.RawData));
        w.PopSequence();
        w.PopSequence();
        w.PopSequence();
        return w.Encode();
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }
}
