using Signing.Pades;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;
using Signing.Testing;

namespace Signing.Testing.Pades;

/// <summary>A signer's certificate and its key (the key stays behind ISignatureKey, as on a token).</summary>
public sealed record TestSigner(X509Certificate2 Certificate, SoftwareSignatureKey Key);

/// <summary>
/// A throw-away PKI in a temp directory, made with .NET's CertificateRequest: root → issuing CA →
/// signers (RSA head, RSA seal, ECDSA P-256), and a TSA certificate with a critical timeStamping
/// EKU. Files: root.pem, chain.pem (issuing CA), tsa.pem, tsa.key, tsa-chain.pem, and an NSS
/// database (nssdb/) that trusts the root, for pdfsig.
/// </summary>
public sealed class TestPki : IDisposable
{
    private const X509KeyUsageFlags SignerUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation;
    private static readonly Lazy<TestPki> SharedLazy = new(() => new TestPki());
    private readonly X509Certificate2 _issuingWithKey;

    public static TestPki Shared => SharedLazy.Value;

    private TestPki()
    {
        Directory = RepoPaths.NewTempDirectory("pades-pki");
        var now = DateTimeOffset.UtcNow;
        using var rootKey = RSA.Create(3072);
        Root = CaRequest("CN=Signing Test Root CA, O=Signing Tests, C=VN", rootKey).CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        using var issuingKey = RSA.Create(3072);
        var issuingReq = CaRequest("CN=Signing Test Issuing CA, O=Signing Tests, C=VN", issuingKey);
        issuingReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        Issuing = issuingReq.Create(Root, now.AddDays(-1), now.AddYears(5), Serial());

        _issuingWithKey = Issuing.CopyWithPrivateKey(issuingKey);
        var issuingWithKey = _issuingWithKey;
        Head = NewSigner("CN=Nguyễn Văn A, O=UBND Tỉnh Lâm Đồng, C=VN", SoftwareSignatureKey.CreateRsa(2048, "software:head"), issuingWithKey, now.AddDays(-1), now.AddYears(2), SignerUsage);
        Seal = NewSigner("CN=UBND Tỉnh Lâm Đồng, O=UBND Tỉnh Lâm Đồng, C=VN", SoftwareSignatureKey.CreateRsa(3072, "software:seal"), issuingWithKey, now.AddDays(-1), now.AddYears(2), SignerUsage);
        Ecdsa = NewSigner("CN=Trần Thị B, O=Sở Tư pháp, C=VN", SoftwareSignatureKey.CreateEcdsa(KeyAlgorithm.EcdsaP256, "software:ec"), issuingWithKey, now.AddDays(-1), now.AddYears(2), SignerUsage);

        TsaKey = RSA.Create(2048);
        var tsaReq = new CertificateRequest("CN=Signing Test TSA, O=Signing Tests, C=VN", TsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        tsaReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        tsaReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        tsaReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], critical: true));
        tsaReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(tsaReq.PublicKey, false));
        tsaReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Issuing, true, false));
        Tsa = tsaReq.Create(issuingWithKey, now.AddDays(-1), now.AddYears(3), Serial());

        File.WriteAllText(RootPem, Root.ExportCertificatePem());
        File.WriteAllText(ChainPem, Issuing.ExportCertificatePem());
        File.WriteAllText(TsaPem, Tsa.ExportCertificatePem());
        File.WriteAllText(TsaKeyPem, TsaKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(TsaChainPem, Tsa.ExportCertificatePem() + "\n" + Issuing.ExportCertificatePem());

        System.IO.Directory.CreateDirectory(NssDirectory);
        ExternalTool.RunChecked("certutil", "-N", "-d", "sql:" + NssDirectory, "--empty-password");
        ExternalTool.RunChecked("certutil", "-A", "-d", "sql:" + NssDirectory, "-n", "root", "-t", "CT,C,C", "-i", RootPem);
    }

    public string Directory { get; }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Issuing { get; }

    public TestSigner Head { get; }

    public TestSigner Seal { get; }

    public TestSigner Ecdsa { get; }

    public X509Certificate2 Tsa { get; }

    public RSA TsaKey { get; }

    public string RootPem => Path.Combine(Directory, "root.pem");

    public string ChainPem => Path.Combine(Directory, "chain.pem");

    public string TsaPem => Path.Combine(Directory, "tsa.pem");

    public string TsaKeyPem => Path.Combine(Directory, "tsa.key");

    public string TsaChainPem => Path.Combine(Directory, "tsa-chain.pem");

    public string NssDirectory => Path.Combine(Directory, "nssdb");

    public X509Certificate2Collection TrustAnchors => [Root];

    public SignatureRequest RequestFor(TestSigner signer) => new()
    {
        SignerCertificate = signer.Certificate,
        Chain = [Issuing, Root],
        TimestampReserveBytes = PlaceholderSizing.TimestampReserveFor([Tsa, Issuing]),
    };

    /// <summary>
    /// An RSA-2048 signer from the issuing CA with the validity and key usage a test needs: expired,
    /// not yet valid, or without the usage a policy requires (not nested in the CA's validity on purpose).
    /// </summary>
    public TestSigner IssueSigner(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, X509KeyUsageFlags keyUsage) =>
        NewSigner(subject, SoftwareSignatureKey.CreateRsa(2048, "software:odd"), _issuingWithKey, notBefore, notAfter, keyUsage);

    /// <summary>Issues <paramref name="request"/> from the issuing CA as it stands, e.g. a TSA certificate that breaks a rule.</summary>
    public X509Certificate2 IssueCertificate(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Issuing, true, false));
        return request.Create(_issuingWithKey.SubjectName, X509SignatureGenerator.CreateForRSA(_issuingWithKey.GetRSAPrivateKey()!, RSASignaturePadding.Pkcs1), notBefore, notAfter, Serial());
    }

    private static CertificateRequest CaRequest(string subject, RSA key)
    {
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req;
    }

    private static TestSigner NewSigner(string subject, SoftwareSignatureKey key, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, X509KeyUsageFlags keyUsage)
    {
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        var req = new CertificateRequest(new X500DistinguishedName(subject), publicKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var generator = X509SignatureGenerator.CreateForRSA(issuer.GetRSAPrivateKey()!, RSASignaturePadding.Pkcs1);
        var cert = req.Create(issuer.SubjectName, generator, notBefore, notAfter, Serial());
        return new TestSigner(cert, key);
    }

    private static byte[] Serial()
    {
        var s = RandomNumberGenerator.GetBytes(16);
        s[0] &= 0x7F;
        s[0] |= 0x01;
        return s;
    }

    public void Dispose()
    {
        TsaKey.Dispose();
        _issuingWithKey.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, true);
        }
        catch (IOException)
        {
        }
    }
}
