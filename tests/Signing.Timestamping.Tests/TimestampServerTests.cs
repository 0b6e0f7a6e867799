using System.Net;
using System.Net.Http.Headers;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using Signing.Core.Timestamps;
using Signing.Testing;
using Signing.Timestamping.Http;

namespace Signing.Timestamping.Tests;

/// <summary>Our TSA over HTTP, judged by openssl ts -verify against the dev chain.</summary>
public sealed class TimestampServerTests(TsaServerFixture server) : IClassFixture<TsaServerFixture>, IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("tsa-http");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("tsa")]
    [InlineData("")]
    public async Task An_openssl_query_posted_over_http_gets_a_reply_that_openssl_verifies(string path)
    {
        var data = Path.Combine(_dir, "quyet-dinh.txt");
        await File.WriteAllTextAsync(data, "Quyết định số 123/QĐ-UBND — Đà Lạt");
        var query = Path.Combine(_dir, "q.tsq");
        ExternalTool.RunChecked("openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query);

        var reply = await PostAsync(path, await File.ReadAllBytesAsync(query));
        var replyFile = Path.Combine(_dir, "reply.tsr");
        await File.WriteAllBytesAsync(replyFile, reply);

        var verify = ExternalTool.RunChecked("openssl", "ts", "-verify", "-in", replyFile, "-queryfile", query, "-CAfile", server.Pem("root-ca"), "-untrusted", server.Pki.ChainPem);
        Assert.Contains("Verification: OK", verify.StdOut, StringComparison.Ordinal);
        var byData = ExternalTool.RunChecked("openssl", "ts", "-verify", "-in", replyFile, "-data", data, "-CAfile", server.Pem("root-ca"), "-untrusted", server.Pki.ChainPem);
        Assert.Contains("Verification: OK", byData.StdOut, StringComparison.Ordinal);

        var text = ExternalTool.RunChecked("openssl", "ts", "-reply", "-in", replyFile, "-text").StdOut;
        Assert.Contains("Status: Granted.", text, StringComparison.Ordinal);
        Assert.Contains("Policy OID: " + TimestampAuthorityOptions.DevPolicyOid, text, StringComparison.Ordinal);
        Assert.Contains("Accuracy: 0x01 seconds", text, StringComparison.Ordinal);
        Assert.Matches(@"Serial number: 0x[0-9A-F]+", text);
        var queryNonce = System.Text.RegularExpressions.Regex.Match(ExternalTool.RunChecked("openssl", "ts", "-query", "-in", query, "-text").StdOut, "Nonce: (0x[0-9A-F]+)").Groups[1].Value;
        Assert.NotEmpty(queryNonce);
        Assert.Contains("Nonce: " + queryNonce, text, StringComparison.Ordinal);
        Assert.Contains("TSA: DirName:", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_carries_an_ess_cert_id_v2_binding_the_tsa_certificate_with_issuer_and_serial()
    {
        var request = Rfc3161Client.CreateRequest(SHA256.HashData("x"u8), HashAlgorithmName.SHA256);
        var verified = Rfc3161Client.ValidateResponse(request, await PostAsync("tsa", request.Encode()));

        var cms = new SignedCms();
        cms.Decode(verified.Token);
        var signerInfo = Assert.Single(cms.SignerInfos.Cast<SignerInfo>());
        Assert.Equal("2.16.840.1.101.3.4.2.1", signerInfo.DigestAlgorithm.Value);
        var attrs = signerInfo.SignedAttributes.Cast<CryptographicAttributeObject>().Select(a => a.Oid.Value).ToList();
        Assert.Contains("1.2.840.113549.1.9.3", attrs); // content-type
        Assert.Contains("1.2.840.113549.1.9.4", attrs); // message-digest
        var ess = signerInfo.SignedAttributes.Cast<CryptographicAttributeObject>().Single(a => a.Oid.Value == "1.2.840.113549.1.9.16.2.47");
        // Let openssl parse it: certHash = SHA-256 of the TSA certificate, issuerSerial = the issuing CA's name and the serial.
        var essFile = Path.Combine(_dir, "ess.der");
        await File.WriteAllBytesAsync(essFile, ess.Values[0].RawData);
        var parsed = ExternalTool.RunChecked("openssl", "asn1parse", "-inform", "DER", "-in", essFile).StdOut;
        Assert.Contains(Convert.ToHexString(SHA256.HashData(server.Pki.TsaCertificate.RawData)), parsed, StringComparison.Ordinal);
        Assert.Contains(server.Pki.TsaCertificate.SerialNumber, parsed, StringComparison.Ordinal);
        Assert.Contains("Signing Dev Issuing CA", parsed, StringComparison.Ordinal);
        Assert.Equal(server.Pki.TsaCertificate.RawData, verified.SignerCertificate.RawData);
        Assert.Contains(cms.Certificates.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>(), c => c.Subject == server.Pki.Result.IssuingCa.Subject);
    }

    [Fact]
    public async Task Our_client_gets_a_verified_token_from_our_server()
    {
        var client = new Rfc3161Client(server.Http, new Uri(server.Url, "/tsa"));
        var hash = SHA384.HashData("Giấy chứng nhận"u8);

        var token = await client.GetTokenAsync(hash, HashAlgorithmName.SHA384);

        Assert.True(Rfc3161TimestampToken.TryDecode(token, out var decoded, out _));
        Assert.Equal(hash, decoded!.TokenInfo.GetMessageHash().ToArray());
        Assert.Equal(1_000_000, decoded.TokenInfo.AccuracyInMicroseconds);
        Assert.InRange(decoded.TokenInfo.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Without_cert_req_the_token_carries_no_certificate_and_openssl_still_verifies_with_the_certificate_given()
    {
        var data = Path.Combine(_dir, "d.txt");
        await File.WriteAllTextAsync(data, "no cert");
        var query = Path.Combine(_dir, "nocert.tsq");
        ExternalTool.RunChecked("openssl", "ts", "-query", "-data", data, "-sha512", "-no_nonce", "-out", query);
        var replyFile = Path.Combine(_dir, "nocert.tsr");
        await File.WriteAllBytesAsync(replyFile, await PostAsync("tsa", await File.ReadAllBytesAsync(query)));

        var untrusted = Path.Combine(_dir, "untrusted.pem");
        await File.WriteAllTextAsync(untrusted, await File.ReadAllTextAsync(server.Pem("tsa")) + await File.ReadAllTextAsync(server.Pki.ChainPem));
        var verify = ExternalTool.RunChecked("openssl", "ts", "-verify", "-in", replyFile, "-queryfile", query, "-CAfile", server.Pem("root-ca"), "-untrusted", untrusted);
        Assert.Contains("Verification: OK", verify.StdOut, StringComparison.Ordinal);
        var token = Path.Combine(_dir, "nocert.tst");
        ExternalTool.RunChecked("openssl", "ts", "-reply", "-in", replyFile, "-token_out", "-out", token);
        var cms = new SignedCms();
        cms.Decode(await File.ReadAllBytesAsync(token));
        Assert.Empty(cms.Certificates);
    }

    [Fact]
    public async Task An_unsupported_hash_algorithm_is_rejected_with_bad_alg()
    {
        var data = Path.Combine(_dir, "md5.txt");
        await File.WriteAllTextAsync(data, "md5 is broken");
        var query = Path.Combine(_dir, "md5.tsq");
        ExternalTool.RunChecked("openssl", "ts", "-query", "-data", data, "-md5", "-cert", "-out", query);
        var replyFile = Path.Combine(_dir, "md5.tsr");
        await File.WriteAllBytesAsync(replyFile, await PostAsync("tsa", await File.ReadAllBytesAsync(query)));

        var text = ExternalTool.RunChecked("openssl", "ts", "-reply", "-in", replyFile, "-text").StdOut;
        Assert.Contains("Status: Rejected.", text, StringComparison.Ordinal);
        Assert.Contains("Failure info: unrecognized or unsupported algorithm identifier", text, StringComparison.Ordinal);
        Assert.Contains("1.2.840.113549.2.5", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_is_answered_with_a_bad_request_rejection_not_an_http_error()
    {
        using var content = new ByteArrayContent("not a TimeStampReq"u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        using var response = await server.Http.PostAsync(new Uri(server.Url, "/tsa"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/timestamp-reply", response.Content.Headers.ContentType?.MediaType);
        var replyFile = Path.Combine(_dir, "garbage.tsr");
        await File.WriteAllBytesAsync(replyFile, await response.Content.ReadAsByteArrayAsync());

        var text = ExternalTool.RunChecked("openssl", "ts", "-reply", "-in", replyFile, "-text").StdOut;
        Assert.Contains("Status: Rejected.", text, StringComparison.Ordinal);
        Assert.Contains("transaction not permitted or supported", text, StringComparison.OrdinalIgnoreCase); // openssl's name for badRequest
    }

    [Fact]
    public async Task An_unoffered_policy_is_rejected_with_unaccepted_policy()
    {
        var request = Rfc3161Client.CreateRequest(SHA256.HashData("p"u8), HashAlgorithmName.SHA256, new Oid("1.2.3.4"));
        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, PostAsync("tsa", request.Encode()).GetAwaiter().GetResult()));
        Assert.StartsWith("TSA refused the request: status Rejection (UnacceptedPolicy)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_imprint_length_is_rejected_with_bad_data_format()
    {
        var request = Rfc3161TimestampRequest.CreateFromHash(new byte[20], HashAlgorithmName.SHA256, nonce: new byte[] { 1, 2 }, requestSignerCertificates: true);
        var reply = await PostAsync("tsa", request.Encode());
        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));
        Assert.Contains("(BadDataFormat)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_content_type_gets_415()
    {
        using var content = new ByteArrayContent(Rfc3161Client.CreateRequest(new byte[32], HashAlgorithmName.SHA256).Encode());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await server.Http.PostAsync(new Uri(server.Url, "/tsa"), content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_gets_413()
    {
        using var content = new ByteArrayContent(new byte[TimestampHttpServer.MaxQueryBytes + 1]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        using var response = await server.Http.PostAsync(new Uri(server.Url, "/tsa"), content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Serial_numbers_of_consecutive_tokens_differ_and_grow()
    {
        var serials = new List<BigInteger>();
        for (var i = 0; i < 3; i++)
        {
            var request = Rfc3161Client.CreateRequest(SHA256.HashData([(byte)i]), HashAlgorithmName.SHA256);
            var info = Rfc3161Client.ValidateResponse(request, await PostAsync("tsa", request.Encode())).Info;
            serials.Add(new BigInteger(info.GetSerialNumber().Span, isUnsigned: false, isBigEndian: true));
        }

        Assert.True(serials[0] < serials[1] && serials[1] < serials[2]);
    }

    private async Task<byte[]> PostAsync(string path, byte[] query)
    {
        using var content = new ByteArrayContent(query);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        using var response = await server.Http.PostAsync(new Uri(server.Url, "/" + path), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/timestamp-reply", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
