using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Security;

namespace Signing.Revocation.Tests;

public sealed class SignerKeysTests
{
    private static X509Certificate2 Ca(string name, out RSA key)
    {
        key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, RSA issuerKey, string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3]);
    }

    [Fact]
    public void A_remembered_verdict_belongs_to_the_exact_certificate_and_key_it_was_made_for()
    {
        // Two CAs with the same name: only the signature tells their certificates apart.
        var genuine = Ca("CN=Dev Issuing CA", out var genuineKey);
        var impostor = Ca("CN=Dev Issuing CA", out var impostorKey);
        using (genuineKey)
        using (impostorKey)
        {
            var issued = Issue(genuine, genuineKey, "CN=Head");
            var forged = Issue(impostor, impostorKey, "CN=Head");
            for (var round = 0; round < 2; round++)
            {
                Assert.True(SignerKeys.Issued(genuine, issued));
                Assert.False(SignerKeys.Issued(genuine, forged));
                Assert.False(SignerKeys.Issued(impostor, issued));
                Assert.True(SignerKeys.Issued(impostor, forged));
                Assert.True(SignerKeys.Issued(DotNetUtilities.FromX509Certificate(genuine), DotNetUtilities.FromX509Certificate(issued)));
                Assert.False(SignerKeys.Issued(DotNetUtilities.FromX509Certificate(genuine), DotNetUtilities.FromX509Certificate(forged)));
            }
        }
    }

    [Fact]
    public void The_key_object_is_built_once_per_public_key()
    {
        var ca = Ca("CN=Key Cache CA", out var key);
        using (key)
        {
            var first = SignerKeys.Of(DotNetUtilities.FromX509Certificate(ca));
            var again = SignerKeys.Of(DotNetUtilities.FromX509Certificate(X509CertificateLoader.LoadCertificate(ca.RawData)));
            Assert.Same(first, again);
            var other = Ca("CN=Key Cache CA", out var otherKey);
            using (otherKey) Assert.NotSame(first, SignerKeys.Of(DotNetUtilities.FromX509Certificate(other)));
        }
    }
}
