using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;
using Signing.DevPki;
using Signing.DevPki.Tests;
using Signing.Testing;

namespace Signing.Timestamping.Tests;

/// <summary>The dev PKI of part A built with software keys in a temp folder, plus helpers to mint extra TSA certificates.</summary>
public sealed class TestPki : IDisposable
{
    public TestPki()
    {
        Layout = new DevLayout(RepoPaths.NewTempDirectory("tsa-pki"));
        Result = new DevPkiBuilder(Store, Layout).Build();
    }

    public InMemoryDevKeyStore Store { get; } = new();

    public DevLayout Layout { get; }

    public DevPkiResult Result { get; }

    public ISignatureKey TsaKey => Store.FindKey(DevPkiBuilder.TsaLabel)!;

    public X509Certificate2 TsaCertificate => Result.Certificates[DevPkiBuilder.TsaLabel];

    public string RootPem => Layout.CertificateFile(DevPkiBuilder.RootLabel);

    public string ChainPem => Path.Combine(Layout.PkiDirectory, DevPkiBuilder.ChainFileName);

    /// <summary>
    /// A certificate from the dev issuing CA for a fresh, exportable software RSA key (for
    /// openssl's TSA, which needs the key as a file), with the given extended key usage.
    /// </summary>
    public (X509Certificate2 Certificate, RSA Key) IssueSoftwareTsa(string commonName, X509EnhancedKeyUsageExtension? eku)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}, C=VN", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (eku != null) request.CertificateExtensions.Add(eku);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Result.IssuingCa, true, false));
        var issuingKey = Store.FindKey(DevPkiBuilder.IssuingLabel)!;
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        var cert = request.Create(Result.IssuingCa.SubjectName, issuingKey.ToSignatureGenerator(), now.AddMinutes(-5), now.AddDays(30), serial);
        return (cert, key);
    }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Layout.Home, recursive: true);
    }
}
