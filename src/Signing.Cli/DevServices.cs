using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Timestamping;

namespace Signing.Cli;

/// <summary>Composes the embedded default: the dev token's keys, the dev PKI's certificates, the built-in TSA.</summary>
internal sealed class DevServices : IDisposable
{
    private DevServices(DevLayout layout, Pkcs11Token token)
    {
        Layout = layout;
        Token = token;
        Store = new Pkcs11KeyStore(token);
    }

    public DevLayout Layout { get; }

    public Pkcs11Token Token { get; }

    public Pkcs11KeyStore Store { get; }

    /// <summary>Opens the dev token made by `signing dev init`.</summary>
    public static DevServices Open(string? module = null, string? pinSource = null)
    {
        var layout = DevDefaults.Layout;
        var path = DevDefaults.Module(module);
        if (!File.Exists(layout.SoftHsmConfig) && module == null) throw new SigningException($"No dev token yet in {layout.Home}: run `bash hsm-config/setup.sh` (or `signing dev init`) first.");
        var token = Pkcs11Token.Open(path, Pkcs11Uri.For(token: DevLayout.TokenLabel), DevDefaults.PinSource(pinSource));
        return new DevServices(layout, token);
    }

    public X509Certificate2 Certificate(string label) =>
        File.Exists(Layout.CertificateFile(label))
            ? X509CertificateLoader.LoadCertificateFromFile(Layout.CertificateFile(label))
            : throw new SigningException($"The dev certificate '{label}' is missing from {Layout.PkiDirectory}: run `signing dev init`.");

    /// <summary>Issuing CA then root, the chain every dev end-entity certificate hangs from.</summary>
    public X509Certificate2Collection Chain()
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(Path.Combine(Layout.PkiDirectory, DevPkiBuilder.ChainFileName));
        return chain;
    }

    /// <summary>The built-in RFC 3161 TSA, signing with the dev token's "tsa" key.</summary>
    public TimestampAuthority TimestampAuthority()
    {
        var key = Store.GetSignatureKey(Pkcs11Uri.For(obj: DevPkiBuilder.TsaLabel, type: "private"));
        return new TimestampAuthority(key, Certificate(DevPkiBuilder.TsaLabel), Chain().Cast<X509Certificate2>(), new FileSerialNumberSource(Layout.TsaDirectory));
    }

    public void Dispose() => Token.Dispose();
}
