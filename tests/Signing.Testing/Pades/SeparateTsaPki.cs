using System.Security.Cryptography.X509Certificates;

namespace Signing.Testing.Pades;

/// <summary>
/// A TSA under a root of its own, made by openssl rather than .NET (so its certificates are not
/// shaped by the code under test): root (CA, keyCertSign) → TSA (critical, sole timeStamping EKU).
/// Used to show that signature anchors and timestamp anchors are separate sets.
/// </summary>
public sealed class SeparateTsaPki : IDisposable
{
    private static readonly Lazy<SeparateTsaPki> SharedLazy = new(() => new SeparateTsaPki());

    public static SeparateTsaPki Shared => SharedLazy.Value;

    private SeparateTsaPki()
    {
        Directory = RepoPaths.NewTempDirectory("separate-tsa");
        string At(string name) => Path.Combine(Directory, name);
        File.WriteAllText(At("root.cnf"), """
            [ req ]
            distinguished_name = dn
            prompt = no
            [ dn ]
            CN = Signing Test Separate TSA Root
            O = Signing Tests
            C = VN
            [ v3_root ]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            """);
        File.WriteAllText(At("tsa.cnf"), """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, nonRepudiation
            extendedKeyUsage = critical, timeStamping
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """);
        ExternalTool.RunChecked("openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout", At("root.key"), "-out", RootPem,
            "-days", "3650", "-config", At("root.cnf"), "-extensions", "v3_root");
        ExternalTool.RunChecked("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", TsaKeyPem, "-out", At("tsa.csr"),
            "-subj", "/CN=Signing Test Separate TSA/O=Signing Tests/C=VN");
        ExternalTool.RunChecked("openssl", "x509", "-req", "-in", At("tsa.csr"), "-CA", RootPem, "-CAkey", At("root.key"), "-set_serial", "0x5a17",
            "-days", "1095", "-extfile", At("tsa.cnf"), "-out", TsaPem);
        Root = X509CertificateLoader.LoadCertificateFromFile(RootPem);
        Tsa = X509CertificateLoader.LoadCertificateFromFile(TsaPem);
        Client = new OpenSslTimestampClient(At("tsa"), TsaPem, TsaKeyPem, RootPem);
    }

    public string Directory { get; }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Tsa { get; }

    public OpenSslTimestampClient Client { get; }

    public string RootPem => Path.Combine(Directory, "root.pem");

    public string TsaPem => Path.Combine(Directory, "tsa.pem");

    public string TsaKeyPem => Path.Combine(Directory, "tsa.key");

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, true);
        }
        catch (IOException)
        {
        }
    }
}
