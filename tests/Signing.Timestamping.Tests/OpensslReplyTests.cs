using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Timestamps;
using Signing.Testing;

namespace Signing.Timestamping.Tests;

/// <summary>Our RFC 3161 client judged on replies made by a third party: openssl's TSA (openssl ts -reply).</summary>
public sealed class OpensslReplyTests : IClassFixture<TestPki>, IDisposable
{
    private const string OpensslPolicy = "1.3.6.1.4.1.99999.3161.1";
    private readonly TestPki _pki;
    private readonly string _dir = RepoPaths.NewTempDirectory("openssl-tsa");
    private readonly byte[] _hash = SHA256.HashData("Quyết định số 123/QĐ-UBND"u8);

    public OpensslReplyTests(TestPki pki)
    {
        _pki = pki;
        var (cert, key) = pki.IssueSoftwareTsa("OpenSSL test TSA", new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], true));
        WriteTsaConfig("tsa", cert, key);
        key.Dispose();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_good_openssl_reply_is_accepted()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);

        var verified = Rfc3161Client.ValidateResponse(request, OpensslReply(request.Encode(), "tsa"));

        Assert.Equal(OpensslPolicy, verified.Info.PolicyId.Value);
        Assert.Equal(_hash, verified.Info.GetMessageHash().ToArray());
        Assert.Equal("CN=OpenSSL test TSA, C=VN", verified.SignerCertificate.Subject);
        Assert.True(Rfc3161TimestampToken.TryDecode(verified.Token, out _, out var consumed) && consumed == verified.Token.Length);
    }

    [Fact]
    public void A_reply_to_another_nonce_is_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var other = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, OpensslReply(other.Encode(), "tsa")));

        Assert.Equal("TSA reply nonce mismatch", e.Message);
    }

    [Fact]
    public void A_reply_for_another_hash_is_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var other = Rfc3161TimestampRequest.CreateFromHash(SHA256.HashData("something else"u8), HashAlgorithmName.SHA256, null, request.GetNonce(), requestSignerCertificates: true);

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, OpensslReply(other.Encode(), "tsa")));

        Assert.Equal("TSA reply message imprint does not match the request", e.Message);
    }

    [Fact]
    public void A_rejection_is_reported_with_its_failure_info()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256, new Oid("1.2.3.4.5.6"));

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, OpensslReply(request.Encode(), "tsa")));

        Assert.StartsWith("TSA refused the request: status Rejection (UnacceptedPolicy)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reply_that_is_not_der_is_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, "<html>"u8));
        Assert.Equal("TSA reply is not a DER TimeStampResp", e.Message);
    }

    [Theory]
    [InlineData(false, "lacks the timeStamping extended key usage")]
    [InlineData(true, "has a timeStamping extended key usage that is not critical")]
    public void A_token_signed_by_a_certificate_without_the_critical_timestamping_eku_is_refused(bool nonCriticalEku, string expected)
    {
        var eku = nonCriticalEku ? new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], false) : null;
        var (cert, key) = _pki.IssueSoftwareTsa("Not a TSA", eku);
        using (key)
        {
            var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
            // openssl ts -reply refuses to sign with such a certificate, so this rogue reply is made by hand.
            var reply = RogueReply(request, cert, key);

            var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));

            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_hand_made_reply_is_accepted_when_its_certificate_has_the_critical_eku()
    {
        // Control for the test above: the hand-made reply is otherwise a valid one.
        var (cert, key) = _pki.IssueSoftwareTsa("Proper TSA", new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], true));
        using (key)
        {
            var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
            Assert.Equal(cert.RawData, Rfc3161Client.ValidateResponse(request, RogueReply(request, cert, key)).SignerCertificate.RawData);
        }
    }

    private static byte[] RogueReply(Rfc3161TimestampRequest request, X509Certificate2 cert, RSA key)
    {
        var info = new Rfc3161TimestampTokenInfo(new Oid(OpensslPolicy), request.HashAlgorithmId, request.GetMessageHash(), new byte[] { 7 }, DateTimeOffset.UtcNow, nonce: request.GetNonce());
        var cms = new SignedCms(new ContentInfo(new Oid("1.2.840.113549.1.9.16.1.4"), info.Encode()));
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, cert, key) { IncludeOption = X509IncludeOption.EndCertOnly };
        // A correct ESS signing-certificate-v2 (hash only), so only the EKU is wrong.
        var ess = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (ess.PushSequence())
        using (ess.PushSequence())
        using (ess.PushSequence())
        {
            ess.WriteOctetString(SHA256.HashData(cert.RawData));
        }

        signer.SignedAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.16.2.47", ess.Encode()));
        cms.ComputeSignature(signer, silent: true);
        var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence()) w.WriteInteger(0);
            w.WriteEncodedValue(cms.Encode());
        }

        return w.Encode();
    }

    private byte[] OpensslReply(byte[] query, string name)
    {
        var queryFile = Path.Combine(_dir, $"{name}-{Guid.NewGuid():N}.tsq");
        var replyFile = Path.ChangeExtension(queryFile, ".tsr");
        File.WriteAllBytes(queryFile, query);
        ExternalTool.RunChecked("openssl", "ts", "-reply", "-config", Path.Combine(_dir, name + ".cnf"), "-queryfile", queryFile, "-out", replyFile);
        return File.ReadAllBytes(replyFile);
    }

    private void WriteTsaConfig(string name, X509Certificate2 cert, RSA key)
    {
        // Private key in the test's temp folder only; deleted with it.
        File.WriteAllText(Path.Combine(_dir, name + ".key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(_dir, name + ".pem"), cert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, name + ".cnf"), OpenSslTsaConfig.Text(
            Path.Combine(_dir, name + ".serial"),
            OpensslPolicy,
            $"signer_cert = {Path.Combine(_dir, name + ".pem")}",
            $"certs = {_pki.ChainPem}",
            $"signer_key = {Path.Combine(_dir, name + ".key")}"));
    }
}
