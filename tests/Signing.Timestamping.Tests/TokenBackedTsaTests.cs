using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Signing.DevPki;
using Signing.Pkcs11;
using Signing.Testing;
using Signing.Timestamping.Http;

namespace Signing.Timestamping.Tests;

/// <summary>The built-in TSA signing with its key on a real SoftHSM2 token, judged by openssl.</summary>
public sealed class TokenBackedTsaTests : IDisposable
{
    private readonly Pkcs11Token _token;
    private readonly DevLayout _layout = new(RepoPaths.NewTempDirectory("tsa-token"));

    public TokenBackedTsaTests()
    {
        _token = SoftHsm.CreateToken("tsa-" + Guid.NewGuid().ToString("N")[..8]).Open();
    }

    [Fact]
    public async Task Replies_over_http_verify_with_openssl_ts_and_our_client()
    {
        var store = new Pkcs11KeyStore(_token);
        var pki = new DevPkiBuilder(new Pkcs11DevKeyStore(store), _layout).Build();
        var key = store.GetSignatureKey(Pkcs11Uri.For(obj: DevPkiBuilder.TsaLabel, type: "private"));
        var tsa = new TimestampAuthority(key, pki.Certificates[DevPkiBuilder.TsaLabel], [pki.IssuingCa], new FileSerialNumberSource(_layout.TsaDirectory));

        await using var app = TimestampHttpServer.Build(tsa, "http://127.0.0.1:0");
        await app.StartAsync();
        var url = new Uri(app.Urls.First() + "/tsa");

        // openssl makes the query; our server answers over HTTP; openssl judges the reply.
        var dir = RepoPaths.NewTempDirectory("tsq");
        var data = Path.Combine(dir, "data.txt");
        await File.WriteAllTextAsync(data, "Giấy chứng nhận quyền sử dụng đất");
        ExternalTool.RunChecked("openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", Path.Combine(dir, "q.tsq"));
        using var http = new HttpClient();
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(dir, "q.tsq")));
        content.Headers.ContentType = new(Rfc3161MediaTypes.Query);
        using var response = await http.PostAsync(url, content);
        response.EnsureSuccessStatusCode();
        await File.WriteAllBytesAsync(Path.Combine(dir, "r.tsr"), await response.Content.ReadAsByteArrayAsync());
        var verify = ExternalTool.RunChecked("openssl", "ts", "-verify", "-in", Path.Combine(dir, "r.tsr"), "-queryfile", Path.Combine(dir, "q.tsq"),
            "-CAfile", _layout.CertificateFile("root-ca"), "-untrusted", Path.Combine(_layout.PkiDirectory, DevPkiBuilder.ChainFileName));
        Assert.Contains("Verification: OK", verify.All, StringComparison.Ordinal);

        // Our client accepts the same server's token for a hash of its own.
        var hash = SHA256.HashData("ký số"u8);
        var token = await new Rfc3161Client(http, url).GetTokenAsync(hash, HashAlgorithmName.SHA256);
        Assert.True(Rfc3161TimestampToken.TryDecode(token, out var decoded, out _));
        Assert.True(decoded!.VerifySignatureForHash(hash, HashAlgorithmName.SHA256, out X509Certificate2? signer, []));
        Assert.Equal(pki.Certificates[DevPkiBuilder.TsaLabel].Thumbprint, signer!.Thumbprint);
        Directory.Delete(dir, recursive: true);
    }

    public void Dispose()
    {
        _token.Dispose();
        Directory.Delete(_layout.Home, recursive: true);
    }
}
