using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;
using Signing.Core.Timestamps;
using Signing.DevPki;
using Signing.Testing;

namespace Signing.Timestamping.Tests;

/// <summary>
/// The client reads a token once and checks its signature once (TimestampToken); these replies
/// each break one thing a token must get right, and each must be refused with that reason.
/// .NET's own Rfc3161TimestampToken serves as a second judge where it has an opinion.
/// </summary>
public sealed class TokenCheckTests : IClassFixture<TestPki>, IDisposable
{
    private const string Policy = "1.3.6.1.4.1.99999.3161.2";
    private readonly TestPki _pki;
    private readonly string _dir = RepoPaths.NewTempDirectory("token-check");
    private readonly byte[] _hash = SHA256.HashData("Kết quả giải quyết thủ tục hành chính"u8);
    private readonly X509Certificate2 _tsaCertificate;
    private readonly RSA _tsaKey;

    public TokenCheckTests(TestPki pki)
    {
        _pki = pki;
        (_tsaCertificate, _tsaKey) = pki.IssueSoftwareTsa("Token check TSA", new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], true));
    }

    public void Dispose()
    {
        _tsaKey.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_hand_made_control_reply_is_accepted()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var verified = Rfc3161Client.ValidateResponse(request, Reply(request, new Rogue()));
        Assert.Equal(_tsaCertificate.RawData, verified.SignerCertificate.RawData);
        Assert.Equal(_hash, verified.Parsed.Info.MessageImprint);
        Assert.Equal(Policy, verified.Info.PolicyId.Value);
    }

    [Fact]
    public void A_flipped_signature_byte_is_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var reply = Reply(request, new Rogue());
        reply[^1] ^= 0x01; // the SignerInfo is last and has no unsigned attributes: this is the signature value

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));

        Assert.Contains("the signature value does not verify", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_tstinfo_is_refused_by_its_message_digest()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var reply = Reply(request, new Rogue());
        var tstInfo = TimestampToken.Read(TokenOf(reply)).TstInfoDer;
        var at = reply.AsSpan().IndexOf(tstInfo);
        Assert.True(at > 0);
        var serialAt = at + tstInfo.AsSpan().IndexOf(new byte[] { 0x02, 0x01, 0x07 }); // serialNumber INTEGER 7
        reply[serialAt + 2] = 0x08;

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));

        Assert.Contains("the message-digest attribute does not match the TSTInfo", e.Message, StringComparison.Ordinal);
        Assert.False(Rfc3161TimestampToken.TryDecode(TokenOf(reply), out _, out _)); // .NET agrees
    }

    [Fact]
    public void A_token_without_an_ess_signing_certificate_is_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var reply = Reply(request, new Rogue { WithEss = false });

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));

        Assert.Contains("no ESS signing-certificate attribute", e.Message, StringComparison.Ordinal);
        Assert.False(Rfc3161TimestampToken.TryDecode(TokenOf(reply), out _, out _));
    }

    [Fact]
    public void A_token_whose_ess_names_another_certificate_is_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var reply = Reply(request, new Rogue { EssNames = _pki.Result.IssuingCa });

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));

        Assert.Contains("does not name the TSA certificate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_dated_outside_the_tsa_certificate_validity_is_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var reply = Reply(request, new Rogue { GenTime = _tsaCertificate.NotBefore.ToUniversalTime().AddDays(-1) });

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));

        Assert.Contains("not valid at the token's time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_with_two_signers_is_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var reply = Reply(request, new Rogue { Signers = 2 });

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));

        Assert.Contains("2 signers instead of one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_without_the_tsa_certificate_is_refused_because_certreq_was_set()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var reply = Reply(request, new Rogue { IncludeCertificate = false });

        var e = Assert.Throws<TimestampException>(() => Rfc3161Client.ValidateResponse(request, reply));

        Assert.Equal("TSA token does not contain the TSA certificate although it was requested", e.Message);
    }

    [Fact]
    public void Bytes_after_the_token_are_refused()
    {
        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var token = TokenOf(Reply(request, new Rogue()));

        var e = Assert.Throws<TimestampException>(() => TimestampToken.Read(token.Append((byte)0x00).ToArray()));

        Assert.StartsWith("The timestamp token is not a valid RFC 3161 TimeStampToken", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ecdsa_tsa_issues_tokens_that_openssl_dotnet_and_our_client_accept()
    {
        using var key = SoftwareSignatureKey.CreateEcdsa();
        using var publicKey = ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        var certificateRequest = new CertificateRequest("CN=ECDSA test TSA, C=VN", publicKey, HashAlgorithmName.SHA256);
        certificateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        certificateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        certificateRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], true));
        certificateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_pki.Result.IssuingCa, true, false));
        var now = DateTimeOffset.UtcNow;
        var certificate = certificateRequest.Create(_pki.Result.IssuingCa.SubjectName, _pki.Store.FindKey(DevPkiBuilder.IssuingLabel)!.ToSignatureGenerator(), now.AddMinutes(-5), now.AddDays(30), [0x42, 0x01]);
        var tsa = new TimestampAuthority(key, certificate, [_pki.Result.IssuingCa], new FileSerialNumberSource(Path.Combine(_dir, "ec-serials")));

        var request = Rfc3161Client.CreateRequest(_hash, HashAlgorithmName.SHA256);
        var reply = tsa.Respond(request.Encode());

        Assert.Equal(certificate.RawData, Rfc3161Client.ValidateResponse(request, reply).SignerCertificate.RawData);
        Assert.True(Rfc3161TimestampToken.TryDecode(TokenOf(reply), out var decoded, out _));
        Assert.True(decoded!.VerifySignatureForHash(_hash, HashAlgorithmName.SHA256, out _, []));
        var (queryFile, replyFile) = (Path.Combine(_dir, "ec.tsq"), Path.Combine(_dir, "ec.tsr"));
        File.WriteAllBytes(queryFile, request.Encode());
        File.WriteAllBytes(replyFile, reply);
        var verify = ExternalTool.RunChecked("openssl", "ts", "-verify", "-in", replyFile, "-queryfile", queryFile, "-CAfile", _pki.RootPem, "-untrusted", _pki.ChainPem);
        Assert.Contains("Verification: OK", verify.StdOut, StringComparison.Ordinal);
    }

    private static byte[] TokenOf(byte[] reply)
    {
        var resp = new AsnReader(reply, AsnEncodingRules.DER).ReadSequence();
        resp.ReadSequence();
        return resp.ReadEncodedValue().ToArray();
    }

    /// <summary>A TimeStampResp built with SignedCms, with one thing done wrong at will.</summary>
    private byte[] Reply(Rfc3161TimestampRequest request, Rogue rogue)
    {
        var info = new Rfc3161TimestampTokenInfo(new Oid(Policy), request.HashAlgorithmId, request.GetMessageHash(), new byte[] { 7 }, rogue.GenTime ?? DateTimeOffset.UtcNow, nonce: request.GetNonce());
        var cms = new SignedCms(new ContentInfo(new Oid("1.2.840.113549.1.9.16.1.4"), info.Encode()));
        for (var i = 0; i < rogue.Signers; i++)
        {
            var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _tsaCertificate, _tsaKey)
            {
                IncludeOption = rogue.IncludeCertificate ? X509IncludeOption.EndCertOnly : X509IncludeOption.None,
            };
            if (rogue.WithEss)
            {
                var ess = new AsnWriter(AsnEncodingRules.DER);
                using (ess.PushSequence())
                using (ess.PushSequence())
                using (ess.PushSequence())
                {
                    ess.WriteOctetString(SHA256.HashData((rogue.EssNames ?? _tsaCertificate).RawData));
                }

                signer.SignedAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.16.2.47", ess.Encode()));
            }

            cms.ComputeSignature(signer, silent: true);
        }

        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence()) w.WriteInteger(0);
            w.WriteEncodedValue(cms.Encode());
        }

        return w.Encode();
    }

    private sealed record Rogue
    {
        public bool WithEss { get; init; } = true;

        /// <summary>The certificate the ESS attribute names; null: the TSA certificate.</summary>
        public X509Certificate2? EssNames { get; init; }

        public DateTimeOffset? GenTime { get; init; }

        public int Signers { get; init; } = 1;

        public bool IncludeCertificate { get; init; } = true;
    }
}
