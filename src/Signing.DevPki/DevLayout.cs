using Signing.Core.Keys;

namespace Signing.DevPki;

/// <summary>One key of the dev token: its label (also the certificate's label and file name) and kind.</summary>
public sealed record DevKeySpec(string Label, KeyAlgorithm Algorithm, int Bits, string Purpose);

/// <summary>
/// Where setup puts the generated dev material. All of it is git-ignored and made by
/// `hsm-config/setup.sh` (`signing dev init`); SIGNING_HOME moves it (default: &lt;repo&gt;/.dev).
/// </summary>
public sealed record DevLayout(string Home)
{
    public const string TokenLabel = "signing-dev";
    public const string DefaultModulePath = "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>The agency's printed-seal key: ECDSA P-256 so the QR stays small, with its own key purpose.</summary>
    public const string PrintedSealLabel = "seal-qr";

    /// <summary>The dev agency's identifier in its printed seals (real deployments configure theirs).</summary>
    public const string PrintedSealAgencyId = "000.00.00.H29";

    /// <summary>Keys on the dev token. CA keys live there too, so no private key is ever on disk.</summary>
    public static readonly IReadOnlyList<DevKeySpec> Keys =
    [
        new("root-ca", KeyAlgorithm.Rsa, 3072, "dev root CA"),
        new("issuing-ca", KeyAlgorithm.Rsa, 3072, "dev issuing CA"),
        new("head", KeyAlgorithm.Rsa, 2048, "department head's personal signature"),
        new("seal", KeyAlgorithm.Rsa, 3072, "agency seal"),
        new("signer2", KeyAlgorithm.EcdsaP256, 256, "second signer"),
        new("tsa", KeyAlgorithm.Rsa, 2048, "built-in RFC 3161 TSA"),
        new("ocsp", KeyAlgorithm.Rsa, 2048, "OCSP responder delegated by the issuing CA"),
        new(PrintedSealLabel, KeyAlgorithm.EcdsaP256, 256, "agency printed seal in the QR code (docs/printed-seal.md)"),
    ];

    public string SoftHsmConfig => Path.Combine(Home, "softhsm2.conf");

    public string TokenDirectory => Path.Combine(Home, "tokens");

    public string UserPinFile => Path.Combine(Home, "pins", "user.pin");

    public string SoPinFile => Path.Combine(Home, "pins", "so.pin");

    /// <summary>PEM certificates (&lt;label&gt;.pem), CRLs (root-ca.crl, issuing-ca.crl), chain.pem.</summary>
    public string PkiDirectory => Path.Combine(Home, "pki");

    /// <summary>NSS database that trusts the dev root, for pdfsig.</summary>
    public string NssDatabase => Path.Combine(Home, "nssdb");

    /// <summary>The built-in TSA's persistent state (serial-number reservations).</summary>
    public string TsaDirectory => Path.Combine(Home, "tsa");

    public string CertificateFile(string label) => Path.Combine(PkiDirectory, label + ".pem");

    public string CrlFile(string caLabel) => Path.Combine(PkiDirectory, caLabel + ".crl");

    /// <summary>The PKCS#11 module: SIGNING_PKCS11_MODULE, else Debian's SoftHSM2.</summary>
    public static string ModulePath =>
        Environment.GetEnvironmentVariable("SIGNING_PKCS11_MODULE") is { Length: > 0 } m ? m : DefaultModulePath;

    /// <summary>SIGNING_HOME, else the .dev folder of the repository this runs from (found by Signing.sln).</summary>
    public static DevLayout Default()
    {
        if (Environment.GetEnvironmentVariable("SIGNING_HOME") is { Length: > 0 } home) return new DevLayout(home);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln"))) return new DevLayout(Path.Combine(dir.FullName, ".dev"));
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln"))) return new DevLayout(Path.Combine(dir.FullName, ".dev"));
        }

        return new DevLayout(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".signing"));
    }
}
