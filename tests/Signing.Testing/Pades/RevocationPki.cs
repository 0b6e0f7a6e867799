using System.Security.Cryptography.X509Certificates;
using Signing.Core.Timestamps;
using Signing.DevPki;
using Signing.Pades;
using Signing.Pades.LongTerm;
using Signing.Pkcs11;
using Signing.Revocation;
using Signing.Timestamping;

namespace Signing.Testing.Pades;

/// <summary>
/// The dev PKI on a fresh SoftHSM2 token, with its revocation: the dev OCSP responders (asked in
/// process through <see cref="Source"/>), `Revoke`, the TSA and the head's key; for tests that sign,
/// revoke and extend to B-LT/B-LTA with the real responder and CRLs.
/// </summary>
public sealed class RevocationPki : IDisposable
{
    private readonly TestToken _testToken;
    private readonly Pkcs11Token _token;

    public RevocationPki()
    {
        _testToken = SoftHsm.CreateToken("ltv-" + Guid.NewGuid().ToString("N")[..8]);
        _token = _testToken.Open();
        Layout = new DevLayout(RepoPaths.NewTempDirectory("ltv-pki"));
        Store = new Pkcs11DevKeyStore(new Pkcs11KeyStore(_token));
        Result = new DevPkiBuilder(Store, Layout).Build();
        Source = new DevRevocationSource(new DevOcspResponder(Store, Layout), Store);
        var tsa = new TimestampAuthority(Store.FindKey(DevPkiBuilder.TsaLabel)!, Result.Certificates[DevPkiBuilder.TsaLabel], [Result.IssuingCa, Result.Root], new FileSerialNumberSource(Layout.TsaDirectory));
        Tsa = new InProcessTimestampClient(tsa);
    }

    public DevLayout Layout { get; }

    public Pkcs11DevKeyStore Store { get; }

    public DevPkiResult Result { get; }

    /// <summary>The dev OCSP responders, in process.</summary>
    public IRevocationSource Source { get; }

    public ITimestampClient Tsa { get; }

    public X509Certificate2 Root => Result.Root;

    public X509Certificate2Collection Anchors => [Result.Root];

    public X509Certificate2 Certificate(string label) => Result.Certificates[label];

    /// <summary>Revokes a dev certificate on its CA's CRL (and so in the OCSP answers).</summary>
    public void Revoke(string label, X509RevocationReason? reason = null, DateTimeOffset? at = null) =>
        new DevPkiBuilder(Store, Layout).Revoke(Certificate(label), reason, at);

    /// <summary>The test PDF signed by <paramref name="label"/> (B-B without a timestamp, else B-T), then extended to <paramref name="level"/>.</summary>
    public async Task<byte[]> SignAsync(PadesLevel level, string label = "head", byte[]? pdf = null)
    {
        var request = new SignatureRequest { SignerCertificate = Certificate(label), Chain = [Result.IssuingCa, Result.Root] };
        var tsa = level == PadesLevel.BB ? null : Tsa;
        var signed = await PadesSigner.SignAsync(pdf ?? TestPdfs.Classic, request, Store.FindKey(label)!, tsa);
        return await LongTermUpdate.ExtendAsync(signed, level, Source, tsa);
    }

    public void Dispose()
    {
        _token.Dispose();
        try
        {
            Directory.Delete(Layout.Home, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is not a test failure.
        }
    }
}
