using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Service.Authorization;

namespace Signing.Service.Tests;

/// <summary>
/// A throw-away PKI in a temp directory, made with .NET's CertificateRequest and software ECDSA
/// keys: root → issuing CA → client certificates (one per role plus bad ones) and a TLS server
/// certificate for 127.0.0.1/localhost, DER CRLs for both CAs (the issuing CA's revokes one
/// client), and an unrelated CA for "unknown issuer" cases.
/// </summary>
public sealed class TestPki : IDisposable
{
    public const string ServerPassword = "test-server-pfx";
    public static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    public static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    public string Directory { get; }
    public X509Certificate2 Root { get; }
    public X509Certificate2 Issuing { get; }
    public X509Certificate2 OtherRoot { get; }
    public IReadOnlyDictionary<string, X509Certificate2> RoleClients { get; }
    public X509Certificate2 NoRole { get; }
    public X509Certificate2 Revoked { get; }
    public X509Certificate2 Expired { get; }
    public X509Certificate2 WithoutClientAuthEku { get; }
    public X509Certificate2 FromUnknownCa { get; }
    public X509Certificate2 SelfSigned { get; }

    public string RootPem => Path.Combine(Directory, "root.pem");
    public string IssuingPem => Path.Combine(Directory, "issuing.pem");
    public string RootCrl => Path.Combine(Directory, "root.crl");
    public string IssuingCrl => Path.Combine(Directory, "issuing.crl");
    public string ServerPfx => Path.Combine(Directory, "server.pfx");

    public static string SubjectOf(string role) => $"CN={role} Person, OU={(role == Roles.Auditor ? "Audit" : "Staff")}, O=UBND Test, C=VN";

    public TestPki()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("signing-auth-pki-").FullName;
        var now = DateTimeOffset.UtcNow;
        Root = CreateCa("CN=Test Client Root, O=Signing tests, C=VN", issuer: null, now);
        Issuing = CreateCa("CN=Test Client Issuing CA, O=Signing tests, C=VN", Root, now);
        OtherRoot = CreateCa("CN=Unrelated Root, O=Elsewhere, C=VN", issuer: null, now);

        RoleClients = Roles.All.ToDictionary(r => r, r => CreateLeaf(SubjectOf(r), Issuing, now.AddDays(-1), now.AddDays(30), ClientAuth));
        NoRole = CreateLeaf("CN=Nobody, OU=Staff, O=UBND Test, C=VN", Issuing, now.AddDays(-1), now.AddDays(30), ClientAuth);
        Revoked = CreateLeaf(SubjectOf(Roles.CounterStaff).Replace("CN=", "CN=Revoked ", StringComparison.Ordinal), Issuing, now.AddDays(-1), now.AddDays(30), ClientAuth);
        Expired = CreateLeaf("CN=Expired Person, OU=Staff, O=UBND Test, C=VN", Issuing, now.AddDays(-30), now.AddDays(-1), ClientAuth);
        WithoutClientAuthEku = CreateLeaf("CN=Server Only, OU=Staff, O=UBND Test, C=VN", Issuing, now.AddDays(-1), now.AddDays(30), ServerAuth);
        FromUnknownCa = CreateLeaf(SubjectOf(Roles.Admin), OtherRoot, now.AddDays(-1), now.AddDays(30), ClientAuth);
        SelfSigned = CreateSelfSignedLeaf(SubjectOf(Roles.Admin), now);

        File.WriteAllText(RootPem, Root.ExportCertificatePem());
        File.WriteAllText(IssuingPem, Issuing.ExportCertificatePem());
        File.WriteAllBytes(RootCrl, BuildCrl(Root, [], now.AddMinutes(-5), now.AddDays(7), 1));
        File.WriteAllBytes(IssuingCrl, BuildCrl(Issuing, [Revoked], now.AddMinutes(-5), now.AddDays(7), 1));

        var server = CreateLeaf("CN=localhost, O=Signing tests, C=VN", Issuing, now.AddDays(-1), now.AddDays(30), ServerAuth, serverSan: true);
        File.WriteAllBytes(ServerPfx, server.Export(X509ContentType.Pkcs12, ServerPassword));
    }

    /// <summary>DER CRL of <paramref name="issuer"/> listing <paramref name="revoked"/>.</summary>
    public static byte[] BuildCrl(X509Certificate2 issuer, IEnumerable<X509Certificate2> revoked, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, long number)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
            builder.AddEntry(certificate, thisUpdate, X509RevocationReason.KeyCompromise);
        return builder.Build(issuer, new BigInteger(number), nextUpdate, HashAlgorithmName.SHA256, thisUpdate: thisUpdate);
    }

    /// <summary>Accepts the server certificate only when it chains to <see cref="Root"/>.</summary>
    public bool ValidateServer(X509Certificate2? certificate)
    {
        if (certificate == null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Root);
        chain.ChainPolicy.ExtraStore.Add(Issuing);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* a still-open file on a busy runner is not worth failing a test for */ }
    }

    private static X509Certificate2 CreateCa(string subject, X509Certificate2? issuer, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer == null) return request.CreateSelfSigned(now.AddDays(-90), now.AddYears(5));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var issued = request.Create(issuer, now.AddDays(-60), now.AddYears(4), Serial());
        return issued.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 CreateLeaf(string subject, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, Oid eku, bool serverSan = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([eku], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (serverSan)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }
        using var issued = request.Create(issuer, notBefore, notAfter, Serial());
        // Round-trip through PKCS#12 so the key is a persisted-style key SslStream accepts everywhere.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12, "x"), "x", X509KeyStorageFlags.Exportable);
    }

    private static X509Certificate2 CreateSelfSignedLeaf(string subject, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClientAuth], false));
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12, "x"), "x", X509KeyStorageFlags.Exportable);
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }
}
