using System.Security.Cryptography.X509Certificates;

namespace Signing.Testing.ForeignSigners;

/// <summary>One signer's key and certificate as files, for tools that read files (openssl, mutool, node, java).</summary>
public sealed record ForeignKey(string Name, string KeyPem, string CertificatePem, string Pkcs12, string Pkcs12Password);

/// <summary>
/// A throw-away PKI made by openssl (not by .NET, not by our DevPki) in a temp directory: a test
/// CA, signers with RSA-2048, RSA-1024 (too weak on purpose) and EC P-256 keys, and a TSA with the
/// critical timeStamping EKU. The CA is the one trust anchor of every verdict on foreign files:
/// ours, pdfsig's (an NSS database trusting only it) and mutool's. Nothing here is committed.
/// </summary>
public sealed class ForeignPki
{
    private const string Password = "foreign-test";
    private static readonly Lazy<ForeignPki> SharedLazy = new(() => new ForeignPki());

    public static ForeignPki Shared => SharedLazy.Value;

    private ForeignPki()
    {
        Directory = RepoPaths.NewTempDirectory("foreign-pki");
        File.WriteAllText(ConfigPath, """
            [ req ]
            distinguished_name = dn
            prompt = no
            [ dn ]
            CN = unused
            [ v3_ca ]
            basicConstraints = critical,CA:true
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            [ v3_signer ]
            basicConstraints = critical,CA:false
            keyUsage = critical,digitalSignature,nonRepudiation
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            [ v3_tsa ]
            basicConstraints = critical,CA:false
            keyUsage = critical,digitalSignature
            extendedKeyUsage = critical,timeStamping
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """);
        var caKey = Path.Combine(Directory, "ca.key");
        OpenSsl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", caKey);
        OpenSsl("req", "-x509", "-new", "-key", caKey, "-out", CaPem, "-days", "30", "-subj", "/CN=Foreign Test CA/O=Signing Tests/C=VN",
            "-config", ConfigPath, "-extensions", "v3_ca");
        Rsa = Issue("rsa", "Foreign RSA Signer", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "v3_signer", caKey, 0x1001);
        Ec = Issue("ec", "Foreign ECDSA Signer", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "v3_signer", caKey, 0x1002);
        WeakRsa = Issue("rsa1024", "Foreign Weak RSA Signer", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], "v3_signer", caKey, 0x1003);
        Tsa = Issue("tsa", "Foreign Test TSA", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "v3_tsa", caKey, 0x2001);
        // The CA's CRL (nothing revoked), for long-term files that must validate offline.
        File.WriteAllText(Path.Combine(Directory, "index.txt"), "");
        File.WriteAllText(Path.Combine(Directory, "crlnumber"), "01\n");
        var crlPem = Path.Combine(Directory, "ca.crl.pem");
        var caConfig = Path.Combine(Directory, "ca.cnf");
        File.WriteAllText(caConfig, $"""
            [ ca ]
            default_ca = test_ca
            [ test_ca ]
            database = {Path.Combine(Directory, "index.txt")}
            crlnumber = {Path.Combine(Directory, "crlnumber")}
            default_md = sha256
            default_crl_days = 30
            """);
        OpenSsl("ca", "-gencrl", "-config", caConfig, "-keyfile", caKey, "-cert", CaPem, "-out", crlPem);
        OpenSsl("crl", "-in", crlPem, "-outform", "DER", "-out", CrlDer);
        File.Delete(caKey);

        File.WriteAllText(TsaSerial, "01\n");
        File.WriteAllText(TsaConfig, OpenSslTsaConfig.Text(TsaSerial, "1.3.6.1.4.1.99999.2"));

        System.IO.Directory.CreateDirectory(NssDirectory);
        ExternalTool.RunChecked("certutil", "-N", "-d", "sql:" + NssDirectory, "--empty-password");
        ExternalTool.RunChecked("certutil", "-A", "-d", "sql:" + NssDirectory, "-n", "foreign-ca", "-t", "CT,C,C", "-i", CaPem);
    }

    public string Directory { get; }

    public string CaPem => Path.Combine(Directory, "ca.pem");

    /// <summary>The test CA's CRL (DER, valid 30 days, nothing revoked).</summary>
    public string CrlDer => Path.Combine(Directory, "ca.crl");

    /// <summary>An NSS database that trusts only the test CA (pdfsig -nssdir).</summary>
    public string NssDirectory => Path.Combine(Directory, "nssdb");

    /// <summary>The `openssl ts -reply` configuration of the test TSA.</summary>
    public string TsaConfig => Path.Combine(Directory, "tsa.cnf");

    public ForeignKey Rsa { get; }

    public ForeignKey Ec { get; }

    /// <summary>RSA with 1024 bits: the verifier must not rely on it.</summary>
    public ForeignKey WeakRsa { get; }

    public ForeignKey Tsa { get; }

    private string ConfigPath => Path.Combine(Directory, "openssl.cnf");

    private string TsaSerial => Path.Combine(Directory, "tsa.serial");

    /// <summary>The trust anchors for our verifier: the test CA alone (a fresh collection; the caller owns it).</summary>
    public X509Certificate2Collection TrustAnchors() => [X509CertificateLoader.LoadCertificateFromFile(CaPem)];

    private ForeignKey Issue(string name, string commonName, string[] keyOptions, string extensions, string caKey, int serial)
    {
        var key = Path.Combine(Directory, name + ".key");
        var csr = Path.Combine(Directory, name + ".csr");
        var cert = Path.Combine(Directory, name + ".pem");
        var p12 = Path.Combine(Directory, name + ".p12");
        OpenSsl(["genpkey", .. keyOptions, "-out", key]);
        OpenSsl("req", "-new", "-key", key, "-subj", $"/CN={commonName}/O=Signing Tests/C=VN", "-config", ConfigPath, "-out", csr);
        OpenSsl("x509", "-req", "-in", csr, "-CA", CaPem, "-CAkey", caKey, "-set_serial", "0x" + serial.ToString("X", System.Globalization.CultureInfo.InvariantCulture),
            "-days", "30", "-extfile", ConfigPath, "-extensions", extensions, "-out", cert);

        // 3DES/SHA-1 PBE: the one PKCS#12 protection node-forge (@signpdf) and mupdf both read.
        OpenSsl("pkcs12", "-export", "-in", cert, "-inkey", key, "-certfile", CaPem, "-out", p12, "-passout", "pass:" + Password,
            "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1");
        return new ForeignKey(name, key, cert, p12, Password);
    }

    private static void OpenSsl(params string[] arguments) => ExternalTool.RunChecked("openssl", arguments);
}
