using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;
using Signing.Pkcs11;
using Signing.Seal;
using Signing.Testing;
using Signing.Testing.Seal;

namespace Signing.Seal.Tests;

/// <summary>
/// A SoftHSM2 token with the agency's P-256 seal key and a second P-256 key that is not the seal
/// key, and a test CA that certifies them.
/// </summary>
public sealed class SealTokenFixture : IDisposable
{
    public SealTokenFixture()
    {
        // One token per fixture instance: each test class that uses the fixture gets its own.
        Token = SoftHsm.CreateToken("seal-" + Guid.NewGuid().ToString("N")[..8]).Open();
        var store = new Pkcs11KeyStore(Token);
        SealKey = store.GenerateKeyPair("seal-qr", [1], KeyAlgorithm.EcdsaP256, 256);
        OtherKey = store.GenerateKeyPair("other", [2], KeyAlgorithm.EcdsaP256, 256);
        Pki = new SealPki();
        var now = DateTimeOffset.UtcNow;
        SealCertificate = Pki.Issue(SealKey, now.AddDays(-1), now.AddYears(2));
        Signer = new PrintedSealSigner(SealKey, SealCertificate, "000.00.00.H29");
    }

    public Pkcs11Token Token { get; }

    public ISignatureKey SealKey { get; }

    public ISignatureKey OtherKey { get; }

    public SealPki Pki { get; }

    public X509Certificate2 SealCertificate { get; }

    public PrintedSealSigner Signer { get; }

    public SealCertificates Trusted() => new([SealCertificate, Pki.Ca]);

    public static PrintedSeal Sample(string code = "ANHM-PQ3J-DV0", DateOnly? sealedOn = null) => new()
    {
        AgencyId = "000.00.00.H29",
        AgencyName = "SỞ XÂY DỰNG",
        Template = "giay-phep",
        Number = "87",
        Symbol = "GPXD",
        IssuedOn = new DateOnly(2024, 2, 9),
        DossierCode = "000.20.30.H29-240201-0042",
        VerificationCode = code,
        KeyFields =
        [
            new("Được cấp cho", "Issued to", "Ông Nguyễn Hữu Thắng và Bà Lê Thị Ngọc Ánh"),
            new("Diện tích", null, "96,5 m²"),
        ],
        CheckOnlineAfter = new DateOnly(2025, 2, 8),
        SealedOn = sealedOn ?? DateOnly.FromDateTime(DateTime.UtcNow.AddHours(7)),
    };

    public void Dispose()
    {
        Pki.Dispose();
        Token.Dispose();
    }
}
