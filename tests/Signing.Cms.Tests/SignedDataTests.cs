using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Testing;

namespace Signing.Cms.Tests;

/// <summary>The one SignedData writer and reader, judged by each other and by openssl cms.</summary>
public sealed class SignedDataTests : IDisposable
{
    private static readonly byte[] Content = "the signed bytes of a result"u8.ToArray();
    private readonly string _dir = Directory.CreateTempSubdirectory("cms-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(SignatureScheme.RsaPkcs1)]
    [InlineData(SignatureScheme.RsaPss)]
    [InlineData(SignatureScheme.Ecdsa)]
    public void A_detached_signature_reads_back_verifies_and_openssl_agrees(SignatureScheme scheme)
    {
        using var signer = SelfSigned(scheme == SignatureScheme.Ecdsa, "CN=CMS test signer");
        var cms = Sign(signer, scheme, Content);

        var read = CmsSignature.Read(cms);

        Assert.Equal(Oids.Data, read.ContentType);
        Assert.Null(read.Content);
        Assert.Same(read.Certificates[0], read.FindSignerCertificate());
        Assert.True(read.MessageDigestMatches(SHA256.HashData(Content)));
        Assert.True(read.VerifySignatureValue(read.FindSignerCertificate()!, SHA256.HashData(Content)));
        Assert.True(EssCertIds.BindSigner(read, signer));
        Assert.Equal(scheme, read.ResolveSignatureAlgorithm(out _)!.Scheme);

        var (cmsFile, contentFile, certFile) = (Path.Combine(_dir, "s.der"), Path.Combine(_dir, "c.bin"), Path.Combine(_dir, "signer.pem"));
        File.WriteAllBytes(cmsFile, cms);
        File.WriteAllBytes(contentFile, Content);
        File.WriteAllText(certFile, signer.ExportCertificatePem());
        var judge = ExternalTool.Run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", cmsFile, "-content", contentFile, "-CAfile", certFile, "-purpose", "any", "-out", "/dev/null");
        Assert.True(judge.ExitCode == 0, judge.All);
    }

    [Fact]
    public void A_changed_signature_value_or_content_does_not_verify()
    {
        using var signer = SelfSigned(ec: false, "CN=CMS test signer");
        var cms = Sign(signer, SignatureScheme.RsaPkcs1, Content);
        var read = CmsSignature.Read(cms);
        read.SignatureValue[10] ^= 1;

        Assert.False(read.VerifySignatureValue(signer, SHA256.HashData(Content)));
        Assert.False(CmsSignature.Read(cms).MessageDigestMatches(SHA256.HashData("other bytes"u8)));
    }

    [Fact]
    public void The_ess_id_must_name_the_issuer_and_the_serial_not_only_the_hash()
    {
        using var signer = SelfSigned(ec: false, "CN=CMS test signer");
        using var other = SelfSigned(ec: false, "CN=Another issuer");
        var hash = SHA256.HashData(signer.RawData);

        Assert.True(EssCertIds.Names(CertIdV2(hash, signer.IssuerName, signer.SerialNumberBytes.ToArray()), signer, isV2: true));
        Assert.True(EssCertIds.Names(CertIdV2(hash, null, null), signer, isV2: true));
        Assert.False(EssCertIds.Names(CertIdV2(hash, other.IssuerName, signer.SerialNumberBytes.ToArray()), signer, isV2: true));
        Assert.False(EssCertIds.Names(CertIdV2(hash, signer.IssuerName, [0x01, 0x02]), signer, isV2: true));
        Assert.False(EssCertIds.Names(CertIdV2(SHA256.HashData(other.RawData), signer.IssuerName, signer.SerialNumberBytes.ToArray()), signer, isV2: true));
        Assert.False(EssCertIds.Names("garbage"u8.ToArray(), signer, isV2: true));
    }

    [Fact]
    public void A_signed_attribute_that_occurs_twice_makes_the_structure_unreadable()
    {
        using var signer = SelfSigned(ec: false, "CN=CMS test signer");
        var attributes = CadesSignedData.EncodeSignedAttributes(Oids.Data, SHA256.HashData(Content), signer);
        var doubled = DoubleFirstAttribute(attributes);
        using var key = signer.GetRSAPrivateKey()!;
        var value = key.SignData(doubled, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var cms = new CadesSignedData(signer, [signer], SignatureScheme.RsaPkcs1).EncodeSignedData(Oids.Data, null, doubled, value);

        var e = Assert.Throws<CmsFormatException>(() => CmsSignature.Read(cms));
        Assert.Contains("more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_are_ignored_for_a_pdf_contents_and_refused_for_a_token()
    {
        using var signer = SelfSigned(ec: false, "CN=CMS test signer");
        var padded = Sign(signer, SignatureScheme.RsaPkcs1, Content).Concat(new byte[64]).ToArray();

        Assert.NotNull(CmsSignature.Read(padded));
        Assert.Throws<CmsFormatException>(() => CmsSignature.Read(padded, exact: true));
        Assert.Throws<CmsFormatException>(() => CmsSignature.Read("not CMS at all"u8.ToArray()));
    }

    [Theory]
    [InlineData(Oids.Sha256WithRsa, Oids.Sha256, SignatureScheme.RsaPkcs1, "SHA256", false)]
    [InlineData(Oids.RsaEncryption, Oids.Sha512, SignatureScheme.RsaPkcs1, "SHA512", false)]
    [InlineData(Oids.EcdsaWithSha384, Oids.Sha384, SignatureScheme.Ecdsa, "SHA384", false)]
    [InlineData(Oids.Sha1WithRsa, Oids.Sha1, SignatureScheme.RsaPkcs1, "SHA1", true)]
    public void Signature_algorithms_resolve_to_a_scheme_and_hash(string oid, string digestOid, SignatureScheme scheme, string hash, bool weak)
    {
        Assert.True(SignatureAlgorithm.TryResolve(oid, null, digestOid, out var algorithm, out _));
        Assert.Equal(new SignatureAlgorithm(scheme, new HashAlgorithmName(hash)), algorithm);
        Assert.Equal(weak, algorithm!.IsWeak);
    }

    [Fact]
    public void Pss_with_parameters_dotnet_cannot_check_is_refused_with_a_reason()
    {
        Assert.False(SignatureAlgorithm.TryResolve(Oids.RsaPss, null, Oids.Sha256, out _, out var missing));
        Assert.Contains("RSA-PSS", missing, StringComparison.Ordinal);
        Assert.False(SignatureAlgorithm.TryResolve("1.2.3.4", null, Oids.Sha256, out _, out var unknown));
        Assert.Contains("1.2.3.4", unknown, StringComparison.Ordinal);
    }

    private static byte[] Sign(X509Certificate2 signer, SignatureScheme scheme, byte[] content)
    {
        var attributes = CadesSignedData.EncodeSignedAttributes(Oids.Data, SHA256.HashData(content), signer);
        byte[] value;
        if (scheme == SignatureScheme.Ecdsa)
        {
            using var ec = signer.GetECDsaPrivateKey()!;
            value = ec.SignData(attributes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        else
        {
            using var rsa = signer.GetRSAPrivateKey()!;
            value = rsa.SignData(attributes, HashAlgorithmName.SHA256, scheme == SignatureScheme.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
        }

        return new CadesSignedData(signer, [signer], scheme).EncodeSignedData(Oids.Data, null, attributes, value);
    }

    private static X509Certificate2 SelfSigned(bool ec, string subject)
    {
        using var key = ec ? (AsymmetricAlgorithm)ECDsa.Create(ECCurve.NamedCurves.nistP256) : RSA.Create(2048);
        var request = key is ECDsa e ? new CertificateRequest(subject, e, HashAlgorithmName.SHA256) : new CertificateRequest(subject, (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, critical: true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 { certHash, issuerSerial OPTIONAL } }
    private static byte[] CertIdV2(byte[] hash, X500DistinguishedName? issuer, byte[]? serial)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence())
        using (w.PushSequence())
        {
            w.WriteOctetString(hash);
            if (issuer is not null)
            {
                using (w.PushSequence())
                {
                    using (w.PushSequence())
                    using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true)))
                    {
                        w.WriteEncodedValue(issuer.RawData);
                    }

                    w.WriteInteger(serial);
                }
            }
        }

        return w.Encode();
    }

    // Re-encodes the SET OF with its first attribute twice (BER order is not checked on reading).
    private static byte[] DoubleFirstAttribute(byte[] set)
    {
        var reader = new AsnReader(set, AsnEncodingRules.DER).ReadSetOf();
        var items = new List<ReadOnlyMemory<byte>>();
        while (reader.HasData) items.Add(reader.ReadEncodedValue());
        items.Insert(0, items[0]);
        var w = new AsnWriter(AsnEncodingRules.BER);
        using (w.PushSetOf()) foreach (var item in items) w.WriteEncodedValue(item.Span);
        return w.Encode();
    }
}
