using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// One SoftHSM2 token per test process with a dev PKI built on it (root, issuing CA, head, seal,
/// TSA keys generated on the token), a PIN file, and settings pointing the service at them.
/// Each service instance gets its own temp data directory (SQLite registry, blobs, previews).
/// </summary>
public sealed class IssuanceBackend
{
    private static readonly Lazy<IssuanceBackend> Shared = new(() => new IssuanceBackend(), LazyThreadSafetyMode.ExecutionAndPublication);

    public static IssuanceBackend Instance => Shared.Value;

    public TestToken Token { get; }
    public DevLayout Layout { get; }
    public string PinFile { get; }
    public Pkcs11Token Session { get; }
    public X509Certificate2 HeadCertificate { get; }
    public X509Certificate2Collection Chain { get; } = new();
    public Signing.Testing.DevPki.LoopbackRevocation Revocation { get; } = new();

    private IssuanceBackend()
    {
        Token = SoftHsm.CreateToken("svc-" + Guid.NewGuid().ToString("N")[..8]);
        Layout = new DevLayout(RepoPaths.NewTempDirectory("service-pki"));
        Session = Token.Open();
        var store = new Pkcs11DevKeyStore(new Pkcs11KeyStore(Session));
        new DevPkiBuilder(store, Layout, Revocation.Options).Build();
        // The certificates name this server's port; pdfsig asks its OCSP responder when judging our results.
        Revocation.Start(store, Layout);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Revocation.DisposeAsync().AsTask().GetAwaiter().GetResult();
        PinFile = Path.Combine(Layout.Home, "seal.pin");
        Signing.Core.IO.AtomicFile.WriteText(PinFile, Token.UserPin, secret: true);
        HeadCertificate = X509CertificateLoader.LoadCertificateFromFile(Layout.CertificateFile("head"));
        Chain.ImportFromPemFile(Path.Combine(Layout.PkiDirectory, DevPkiBuilder.ChainFileName));
    }

    public string KeyUri(string label) => $"pkcs11:token={Token.Label};object={label};type=private";

    /// <summary>The head's signature over a prepared hash, made on the token as the desk agent would.</summary>
    public byte[] SignAsHead(byte[] hash) =>
        new Pkcs11KeyStore(Session).GetSignatureKey(Pkcs11Uri.For(obj: "head", type: "private")).SignHash(hash, HashAlgorithmName.SHA256, RsaPaddingMode.Pkcs1);

    /// <summary>One more signature by the head after <paramref name="pdf"/>, in a new field and revision: a change the verifier allows.</summary>
    public byte[] SignAgainAsHead(byte[] pdf) => Signing.Pades.PadesSigner.SignAsync(
        pdf,
        new Signing.Pades.SignatureRequest { SignerCertificate = HeadCertificate, Chain = [.. Chain], FieldName = "LaterSignature", Placement = new Signing.Pades.SignaturePlacement(60, 60, 120, 40) },
        new Pkcs11KeyStore(Session).GetSignatureKey(Pkcs11Uri.For(obj: "head", type: "private")),
        null).GetAwaiter().GetResult();

    public Dictionary<string, string?> Settings(string? dataDirectory = null) => new()
    {
        ["Signing:DataDirectory"] = dataDirectory ?? RepoPaths.NewTempDirectory("service-data"),
        ["Signing:Pkcs11:Module"] = SoftHsm.ModulePath,
        ["Signing:Seal:KeyUri"] = KeyUri("seal"),
        ["Signing:Seal:PinSource"] = "file:" + PinFile,
        ["Signing:Seal:ChainFile"] = Path.Combine(Layout.PkiDirectory, DevPkiBuilder.ChainFileName),
        ["Signing:Seal:Image"] = Path.Combine(RepoPaths.Samples, "images", "seal.png"),
        ["Signing:Heads:SignatureImage"] = Path.Combine(RepoPaths.Samples, "images", "signature.png"),
        ["Signing:PrintedSeal:KeyUri"] = KeyUri(DevLayout.PrintedSealLabel),
        ["Signing:PrintedSeal:AgencyId"] = DevLayout.PrintedSealAgencyId,
        ["Signing:Tsa:KeyUri"] = KeyUri("tsa"),
        ["Signing:TrustAnchors:0"] = Layout.CertificateFile(DevPkiBuilder.RootLabel),
        ["Signing:Intermediates:0"] = Layout.CertificateFile(DevPkiBuilder.IssuingLabel),
        ["Signing:VerificationBaseUrl"] = "https://verify.test.example",
        ["Signing:Verify:PermitsPerMinute"] = "1000",
    };
}

/// <summary>The system clock plus an offset a test can move forward (expiry tests).</summary>
public sealed class AdjustableTime : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
