using System.Security.Cryptography.X509Certificates;
using Signing.Testing;

namespace Signing.DevPki.Tests;

/// <summary>One dev hierarchy built with software keys, shared by the read-only tests.</summary>
public sealed class BuiltDevPki : IDisposable
{
    public BuiltDevPki()
    {
        Layout = new DevLayout(RepoPaths.NewTempDirectory("devpki"));
        Result = new DevPkiBuilder(Store, Layout).Build();
    }

    public InMemoryDevKeyStore Store { get; } = new();

    public DevLayout Layout { get; }

    public DevPkiResult Result { get; }

    public string Pem(string label) => Layout.CertificateFile(label);

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Layout.Home, recursive: true);
    }
}

public sealed class DevPkiBuilderTests(BuiltDevPki pki) : IClassFixture<BuiltDevPki>
{
    public static readonly TheoryData<string> EndEntities = new() { "head", "seal", "signer2", "tsa", "seal-qr" };
    public static readonly TheoryData<string> DocumentSigners = new() { "head", "seal", "signer2" };

    [Fact]
    public void Every_key_of_the_layout_gets_a_key_and_a_certificate_for_it()
    {
        foreach (var spec in DevLayout.Keys)
        {
            var key = pki.Store.FindKey(spec.Label);
            Assert.NotNull(key);
            Assert.Equal(spec.Algorithm, key.Algorithm);
            var cert = pki.Store.FindCertificate(spec.Label);
            Assert.NotNull(cert);
            Assert.Equal(key.ExportSubjectPublicKeyInfo(), cert.PublicKey.ExportSubjectPublicKeyInfo());
            Assert.True(File.Exists(pki.Pem(spec.Label)), spec.Label + ".pem missing");
        }

        Assert.Equal(DevLayout.Keys.Count, pki.Result.GeneratedKeys.Count);
    }

    [Theory]
    [MemberData(nameof(EndEntities))]
    public void End_entity_chains_to_the_dev_root_with_dotnet(string label)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pki.Result.Root);
        chain.ChainPolicy.ExtraStore.Add(pki.Result.IssuingCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var ok = chain.Build(pki.Result.Certificates[label]);
        Assert.True(ok, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);
    }

    [Theory]
    [MemberData(nameof(EndEntities))]
    public void Openssl_verifies_the_end_entity_against_root_and_issuing_ca(string label)
    {
        var r = ExternalTool.RunChecked("openssl", "verify", "-x509_strict", "-CAfile", pki.Pem("root-ca"), "-untrusted", pki.Pem("issuing-ca"), pki.Pem(label));
        Assert.Contains(": OK", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Openssl_verifies_the_chain_file_and_the_tsa_certificate_for_timestamp_signing()
    {
        var chainFile = Path.Combine(pki.Layout.PkiDirectory, DevPkiBuilder.ChainFileName);
        var r = ExternalTool.RunChecked("openssl", "verify", "-purpose", "timestampsign", "-CAfile", pki.Pem("root-ca"), "-untrusted", chainFile, pki.Pem("tsa"));
        Assert.Contains(": OK", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Vietnamese_subject_is_utf8_and_survives_openssl()
    {
        var r = ExternalTool.RunChecked("openssl", "x509", "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus_space,show_type", "-in", pki.Pem("head"));
        Assert.Contains("CN=UTF8STRING:Nguyễn Văn An", r.StdOut.Replace(" = ", "=", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("O=UTF8STRING:Ủy ban nhân dân tỉnh Lâm Đồng", r.StdOut.Replace(" = ", "=", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("L=UTF8STRING:Đà Lạt", r.StdOut.Replace(" = ", "=", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("C=PRINTABLESTRING:VN", r.StdOut.Replace(" = ", "=", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Nguyễn Văn An", pki.Result.Certificates["head"].GetNameInfo(X509NameType.SimpleName, false), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DocumentSigners))]
    public void Document_signers_have_critical_nonrepudiation_and_digital_signature_only(string label)
    {
        var cert = pki.Result.Certificates[label];
        var ku = Assert.Single(cert.Extensions.OfType<X509KeyUsageExtension>());
        Assert.True(ku.Critical);
        Assert.Equal(X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.DigitalSignature, ku.KeyUsages);
        var bc = Assert.Single(cert.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(bc.Critical);
        Assert.False(bc.CertificateAuthority);
        Assert.Empty(cert.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        AssertIdentifiersAndCrlPoint(cert, "issuing-ca");
    }

    [Fact]
    public void Tsa_certificate_has_exactly_the_critical_timestamping_eku()
    {
        var cert = pki.Result.Certificates["tsa"];
        var eku = Assert.Single(cert.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.True(eku.Critical);
        Assert.Equal(["1.3.6.1.5.5.7.3.8"], eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        var text = ExternalTool.RunChecked("openssl", "x509", "-noout", "-text", "-in", pki.Pem("tsa")).StdOut;
        Assert.Matches(@"X509v3 Extended Key Usage: critical\s+Time Stamping", text);
        Assert.Matches(@"X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation", text);
    }

    [Fact]
    public void Printed_seal_certificate_is_p256_with_only_its_own_critical_key_purpose()
    {
        var cert = pki.Result.Certificates[DevLayout.PrintedSealLabel];
        var eku = Assert.Single(cert.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.True(eku.Critical);
        Assert.Equal([Signing.Seal.SealOids.PrintedSealKeyPurpose], eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        using var ec = cert.GetECDsaPublicKey();
        Assert.Equal(256, ec!.KeySize);
        var text = ExternalTool.RunChecked("openssl", "x509", "-noout", "-text", "-in", pki.Pem(DevLayout.PrintedSealLabel)).StdOut;
        Assert.Matches(@"X509v3 Extended Key Usage: critical\s+2\.25\.188322222564177860874018033224422836726", text);
        Assert.Contains("prime256v1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Cas_have_critical_basic_constraints_with_path_lengths_and_cert_and_crl_signing()
    {
        var root = pki.Result.Root;
        var issuing = pki.Result.IssuingCa;
        var rootBc = Assert.Single(root.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(rootBc is { Critical: true, CertificateAuthority: true, HasPathLengthConstraint: true, PathLengthConstraint: 1 });
        var issuingBc = Assert.Single(issuing.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(issuingBc is { Critical: true, CertificateAuthority: true, HasPathLengthConstraint: true, PathLengthConstraint: 0 });
        foreach (var ca in new[] { root, issuing })
        {
            var ku = Assert.Single(ca.Extensions.OfType<X509KeyUsageExtension>());
            Assert.True(ku.Critical);
            Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, ku.KeyUsages);
        }

        AssertIdentifiersAndCrlPoint(issuing, "root-ca");
        Assert.Equal(root.SubjectName.RawData, root.IssuerName.RawData);
    }

    [Fact]
    public void Validity_is_ten_five_and_two_years_and_serials_are_positive_16_bytes()
    {
        static double Years(X509Certificate2 c) => (c.NotAfter - c.NotBefore).TotalDays / 365.25;
        Assert.InRange(Years(pki.Result.Root), 9.99, 10.01);
        Assert.InRange(Years(pki.Result.IssuingCa), 4.99, 5.01);
        Assert.InRange(Years(pki.Result.Certificates["head"]), 1.99, 2.01);
        var serials = pki.Result.Certificates.Values.Select(c => c.SerialNumberBytes.ToArray()).ToList();
        Assert.All(serials, s => Assert.Equal(16, s.Length));
        Assert.All(serials, s => Assert.True(s[0] is >= 0x40 and < 0x80)); // big-endian: positive, no leading zero
        Assert.Equal(serials.Count, serials.Select(Convert.ToHexString).Distinct().Count());
    }

    [Theory]
    [InlineData("root-ca")]
    [InlineData("issuing-ca")]
    public void Openssl_verifies_the_crl_signature(string ca)
    {
        var r = ExternalTool.RunChecked("openssl", "crl", "-inform", "DER", "-in", pki.Layout.CrlFile(ca), "-CAfile", pki.Pem(ca), "-noout", "-verify", "-crlnumber", "-nextupdate");
        Assert.Contains("verify OK", r.All, StringComparison.Ordinal);
        Assert.Contains("crlNumber=", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Openssl_crl_check_passes_the_whole_chain()
    {
        // openssl verify -CRLfile wants PEM; convert our DER files in the test's own folder.
        var dir = RepoPaths.NewTempDirectory("devpki-crl");
        var crls = Path.Combine(dir, "crls.pem");
        var pem = string.Concat(new[] { "root-ca", "issuing-ca" }.Select(ca =>
            ExternalTool.RunChecked("openssl", "crl", "-inform", "DER", "-in", pki.Layout.CrlFile(ca), "-outform", "PEM").StdOut));
        File.WriteAllText(crls, pem);
        var r = ExternalTool.RunChecked("openssl", "verify", "-crl_check_all", "-CRLfile", crls, "-CAfile", pki.Pem("root-ca"), "-untrusted", pki.Pem("issuing-ca"), pki.Pem("seal"));
        Assert.Contains(": OK", r.StdOut, StringComparison.Ordinal);
        Directory.Delete(dir, true);
    }

    private static void AssertIdentifiersAndCrlPoint(X509Certificate2 cert, string issuerLabel)
    {
        Assert.Single(cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        Assert.Single(cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>());
        var cdp = cert.Extensions["2.5.29.31"];
        Assert.NotNull(cdp);
        Assert.Contains($"http://127.0.0.1:{DevPkiOptions.DefaultCrlPort}/crl/{issuerLabel}.crl", System.Text.Encoding.ASCII.GetString(cdp.RawData), StringComparison.Ordinal);
    }
}
