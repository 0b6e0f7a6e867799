using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Signing.Core;
using Signing.Core.IO;
using Signing.Core.Keys;

namespace Signing.DevPki;

/// <summary>What one <see cref="DevPkiBuilder.Build"/> run found and did.</summary>
/// <param name="Certificates">The current certificate of every label in <see cref="DevLayout.Keys"/>.</param>
/// <param name="GeneratedKeys">Labels whose key pair was generated in this run.</param>
/// <param name="IssuedCertificates">Labels whose certificate was (re)issued in this run.</param>
public sealed record DevPkiResult(
    IReadOnlyDictionary<string, X509Certificate2> Certificates,
    IReadOnlyList<string> GeneratedKeys,
    IReadOnlyList<string> IssuedCertificates)
{
    public X509Certificate2 Root => Certificates[DevPkiBuilder.RootLabel];

    public X509Certificate2 IssuingCa => Certificates[DevPkiBuilder.IssuingLabel];
}

/// <summary>
/// Makes (and keeps current) the dev CA hierarchy: root CA → issuing CA → the end entities of
/// <see cref="DevLayout.Keys"/> (head, seal, second signer: nonRepudiation + digitalSignature;
/// TSA: critical EKU timeStamping; printed seal: critical EKU of its own). Every key is generated in, and signs through, the
/// <see cref="IDevKeyStore"/>, so no private key of this hierarchy touches the disk.
/// Output in <see cref="DevLayout.PkiDirectory"/>: &lt;label&gt;.pem, chain.pem (issuing CA then root),
/// and DER CRLs root-ca.crl / issuing-ca.crl (DER because that is what a CRL distribution point
/// serves per RFC 5280 and what NSS/pdfsig fetch; read them with <c>openssl crl -inform DER</c>).
/// </summary>
public sealed class DevPkiBuilder
{
    public const string RootLabel = "root-ca";
    public const string IssuingLabel = "issuing-ca";
    public const string TsaLabel = "tsa";
    public const string OcspLabel = "ocsp";

    /// <summary>File name of the issuing CA + root bundle in the PKI folder.</summary>
    public const string ChainFileName = "chain.pem";

    private static readonly TimeSpan BackdateForClockSkew = TimeSpan.FromMinutes(5);
    private static readonly Oid TimeStampingEku = new("1.3.6.1.5.5.7.3.8", "Time Stamping");
    private static readonly Oid ClientAuthEku = new("1.3.6.1.5.5.7.3.2", "Client Authentication");
    private static readonly Oid ServerAuthEku = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid OcspSigningEku = new(Revocation.CertificateLocations.OcspSigningEkuOid, "OCSP Signing");
    private const string AuthorityInfoAccessOid = "1.3.6.1.5.5.7.1.1";
    private static readonly Oid PrintedSealEku = new(Signing.Seal.SealOids.PrintedSealKeyPurpose, "Printed seal");

    private readonly IDevKeyStore _store;
    private readonly DevLayout _layout;
    private readonly DevPkiOptions _options;

    public DevPkiBuilder(IDevKeyStore store, DevLayout layout, DevPkiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(layout);
        _store = store;
        _layout = layout;
        _options = options ?? new DevPkiOptions();
    }

    private enum Kind
    {
        Root,
        IssuingCa,
        DocumentSigner,
        TimestampAuthority,
        OcspResponder,
        PrintedSeal,
    }

    private sealed record Profile(Kind Kind, X500DistinguishedName Subject, TimeSpan Validity);

    /// <summary>
    /// Idempotently brings the hierarchy up to date: generates missing keys, (re)issues a
    /// certificate that is missing, no longer matches its key or subject, or no longer chains to
    /// the current CA, writes the PEM files that changed, and always writes fresh CRLs (the CRL
    /// number grows and revocations already listed are kept).
    /// </summary>
    public DevPkiResult Build()
    {
        Directory.CreateDirectory(_layout.PkiDirectory);
        var generated = new List<string>();
        var keys = new Dictionary<string, ISignatureKey>(StringComparer.Ordinal);
        foreach (var spec in DevLayout.Keys)
        {
            _ = ProfileOf(spec.Label); // fail before touching the store if a label has no profile
            var key = _store.FindKey(spec.Label);
            if (key == null)
            {
                key = _store.GenerateKey(spec);
                generated.Add(spec.Label);
            }

            keys[spec.Label] = key;
        }

        var issued = new List<string>();
        var certs = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);

        // Parents before children: the root, the issuing CA, then the end entities.
        var root = Ensure(RootLabel, keys[RootLabel], issuerLabel: null, issuer: null, issuerKey: null, root: null, issued);
        certs[RootLabel] = root;
        var issuing = Ensure(IssuingLabel, keys[IssuingLabel], RootLabel, root, keys[RootLabel], root, issued);
        certs[IssuingLabel] = issuing;
        foreach (var spec in DevLayout.Keys)
        {
            if (spec.Label is RootLabel or IssuingLabel) continue;
            certs[spec.Label] = Ensure(spec.Label, keys[spec.Label], IssuingLabel, issuing, keys[IssuingLabel], root, issued);
        }

        foreach (var (label, cert) in certs)
        {
            AtomicFile.WriteIfChanged(_layout.CertificateFile(label), Pem(cert));
        }

        AtomicFile.WriteIfChanged(Path.Combine(_layout.PkiDirectory, ChainFileName), [.. Pem(issuing), .. Pem(root)]);

        WriteCrl(RootLabel, root, keys[RootLabel], startFresh: generated.Contains(RootLabel));
        WriteCrl(IssuingLabel, issuing, keys[IssuingLabel], startFresh: generated.Contains(IssuingLabel));

        return new DevPkiResult(certs, generated, issued);
    }

    /// <summary>
    /// Issues a TLS client certificate (EKU clientAuth) for a staff member's mTLS login, with a
    /// fresh software key (not a signing key), and writes it with its key and the issuing CA as a
    /// PKCS#12 file (AES-256/SHA-256 PBES2). Needs a built hierarchy.
    /// </summary>
    public X509Certificate2 IssueTlsClientCertificate(string commonName, string pkcs12Path, string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCountryOrRegion("VN");
        subject.AddOrganizationName("Ủy ban nhân dân tỉnh Lâm Đồng");
        subject.AddCommonName(commonName);
        return IssueTls(subject.Build(), ClientAuthEku, san: null, pkcs12Path, password);
    }

    /// <summary>
    /// Issues a TLS server certificate (EKU serverAuth; SAN localhost, 127.0.0.1, ::1 plus
    /// <paramref name="extraDnsNames"/>) with a software key, written as PKCS#12 like
    /// <see cref="IssueTlsClientCertificate"/>.
    /// </summary>
    public X509Certificate2 IssueTlsServerCertificate(string pkcs12Path, string password, IEnumerable<string>? extraDnsNames = null)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        foreach (var name in extraDnsNames ?? []) san.AddDnsName(name);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCountryOrRegion("VN");
        subject.AddOrganizationName("Signing dev");
        subject.AddCommonName("localhost");
        return IssueTls(subject.Build(), ServerAuthEku, san.Build(), pkcs12Path, password);
    }

    private X509Certificate2 IssueTls(X500DistinguishedName subject, Oid eku, X509Extension? san, string pkcs12Path, string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pkcs12Path);
        ArgumentNullException.ThrowIfNull(password);
        var issuing = _store.FindCertificate(IssuingLabel);
        var issuingKey = _store.FindKey(IssuingLabel);
        if (issuing == null || issuingKey == null)
        {
            throw new SigningException("The dev issuing CA does not exist yet; build the dev PKI first (signing dev init).");
        }

        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([eku], false));
        if (san != null) request.CertificateExtensions.Add(san);
        AddIdentifiersAndCrlPoint(request, issuing, IssuingLabel);

        var now = _options.Clock.GetUtcNow();
        var notAfter = Min(now + TimeSpan.FromDays(365), issuing.NotAfter);
        using var unkeyed = request.Create(issuing.SubjectName, issuingKey.ToSignatureGenerator(), now - BackdateForClockSkew, notAfter, NewSerialNumber());
        var cert = unkeyed.CopyWithPrivateKey(rsa);
        var bundle = new X509Certificate2Collection { cert, issuing };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pkcs12Path))!);
        AtomicFile.Write(pkcs12Path, bundle.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password), secret: true);
        return cert;
    }

    /// <summary>
    /// Revokes <paramref name="certificate"/> (issued by the dev root or issuing CA) by listing it on
    /// its CA's CRL, which the dev OCSP responder also answers from. Idempotent: a certificate already
    /// listed keeps its first entry, and false is returned.
    /// </summary>
    public bool Revoke(X509Certificate2 certificate, X509RevocationReason? reason = null, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var (caLabel, caCert, caKey) = IssuerOf(certificate);
        var crlPath = _layout.CrlFile(caLabel);
        if (File.Exists(crlPath) && Revocation.Crl.Check(File.ReadAllBytes(crlPath), certificate, caCert).Answer is { Status: Revocation.CertificateStatus.Revoked }) return false;
        var when = at ?? _options.Clock.GetUtcNow();
        WriteCrl(caLabel, caCert, caKey, startFresh: false, b => b.AddEntry(certificate, when, reason));
        return true;
    }

    /// <summary>The dev CA that issued <paramref name="certificate"/>, with its certificate and key.</summary>
    public (string Label, X509Certificate2 Certificate, ISignatureKey Key) IssuerOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var label in new[] { IssuingLabel, RootLabel })
        {
            var ca = _store.FindCertificate(label);
            var key = _store.FindKey(label);
            if (ca is null || key is null || !ca.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)) continue;
            if (ca.RawData.AsSpan().SequenceEqual(certificate.RawData)) continue; // the root is its own issuer, and cannot be revoked
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_store.FindCertificate(RootLabel)!);
            if (label == IssuingLabel) chain.ChainPolicy.ExtraStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
            if (chain.Build(certificate)) return (label, ca, key);
        }

        throw new SigningException($"'{certificate.Subject}' was not issued by the current dev root or issuing CA.");
    }

    private X509Certificate2 Ensure(string label, ISignatureKey key, string? issuerLabel, X509Certificate2? issuer, ISignatureKey? issuerKey, X509Certificate2? root, List<string> issued)
    {
        var profile = ProfileOf(label);
        var existing = _store.FindCertificate(label);
        if (existing != null && IsCurrent(existing, key, profile, issuer, root)) return existing;

        var cert = Issue(profile, key, issuer, issuerKey ?? key, issuerLabel ?? label);
        _store.StoreCertificate(label, cert);
        issued.Add(label);
        return cert;
    }

    private bool IsCurrent(X509Certificate2 cert, ISignatureKey key, Profile profile, X509Certificate2? issuer, X509Certificate2? root)
    {
        if (!cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo())) return false;
        if (!cert.SubjectName.RawData.AsSpan().SequenceEqual(profile.Subject.RawData)) return false;
        var now = _options.Clock.GetUtcNow();
        if (now < cert.NotBefore.ToUniversalTime() || now > cert.NotAfter.ToUniversalTime()) return false;
        if (issuer == null || root == null) return true; // the root: its key and name match

        // Certificates issued before the revocation URLs were written get them now.
        var issuerLabel = ReferenceEquals(issuer, root) ? RootLabel : IssuingLabel;
        if (!(cert.Extensions[AuthorityInfoAccessOid]?.RawData ?? []).AsSpan().SequenceEqual(AuthorityInfoAccess(issuerLabel).RawData)) return false;

        // Chain building checks the signature, names and validity against the current CA certificates.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(issuer);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.LocalDateTime;
        return chain.Build(cert)
            && chain.ChainElements.Count >= 2
            && chain.ChainElements[1].Certificate.RawData.AsSpan().SequenceEqual(issuer.RawData);
    }

    private X509Certificate2 Issue(Profile profile, ISignatureKey key, X509Certificate2? issuer, ISignatureKey signingKey, string issuerLabel)
    {
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        var request = new CertificateRequest(profile.Subject, publicKey, HashAlgorithmName.SHA256);
        var extensions = request.CertificateExtensions;
        switch (profile.Kind)
        {
            case Kind.Root:
                extensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
                extensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
                break;
            case Kind.IssuingCa:
                extensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
                extensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
                break;
            case Kind.DocumentSigner:
                extensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
                extensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.DigitalSignature, true));
                break;
            case Kind.TimestampAuthority:
                extensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
                extensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
                // RFC 3161 §2.3: exactly one EKU, timeStamping, and critical.
                extensions.Add(new X509EnhancedKeyUsageExtension([TimeStampingEku], true));
                break;
            case Kind.OcspResponder:
                extensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
                extensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
                extensions.Add(new X509EnhancedKeyUsageExtension([OcspSigningEku], false));
                // RFC 6960 §4.2.2.2.1: clients trust this certificate for its lifetime, so it is short-lived.
                extensions.Add(new X509Extension(Revocation.CertificateLocations.OcspNoCheckOid, [0x05, 0x00], false));
                break;
            case Kind.PrintedSeal:
                extensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
                extensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
                // Its own key purpose, critical: the seal key signs printed seals and nothing else.
                extensions.Add(new X509EnhancedKeyUsageExtension([PrintedSealEku], true));
                break;
        }

        var now = _options.Clock.GetUtcNow();
        var notBefore = now - BackdateForClockSkew;
        DateTimeOffset notAfter;
        byte[] serial = NewSerialNumber();
        if (issuer == null)
        {
            var ski = new X509SubjectKeyIdentifierExtension(publicKey, false);
            extensions.Add(ski);
            extensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
            notAfter = now + profile.Validity;
            return request.Create(profile.Subject, signingKey.ToSignatureGenerator(), notBefore, notAfter, serial);
        }

        AddIdentifiersAndCrlPoint(request, issuer, issuerLabel);
        notAfter = Min(now + profile.Validity, issuer.NotAfter); // never outlive the issuer
        return request.Create(issuer.SubjectName, signingKey.ToSignatureGenerator(), notBefore, notAfter, serial);
    }

    private void AddIdentifiersAndCrlPoint(CertificateRequest request, X509Certificate2 issuer, string issuerLabel)
    {
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([_options.CrlUrl(issuerLabel).AbsoluteUri]));
        request.CertificateExtensions.Add(AuthorityInfoAccess(issuerLabel));
    }

    private X509AuthorityInformationAccessExtension AuthorityInfoAccess(string issuerLabel) =>
        new([_options.OcspUrl(issuerLabel).AbsoluteUri], [_options.CaIssuersUrl(issuerLabel).AbsoluteUri], critical: false);

    private void WriteCrl(string caLabel, X509Certificate2 caCert, ISignatureKey caKey, bool startFresh, Action<CertificateRevocationListBuilder>? addEntries = null)
    {
        var path = _layout.CrlFile(caLabel);
        CertificateRevocationListBuilder builder = new();
        BigInteger lastNumber = BigInteger.Zero;
        if (!startFresh && File.Exists(path))
        {
            try
            {
                // Keeps the revocations already listed and lets the CRL number grow (RFC 5280 §5.2.3).
                builder = CertificateRevocationListBuilder.Load(File.ReadAllBytes(path), out lastNumber);
            }
            catch (CryptographicException e)
            {
                throw new SigningException($"{path} is not a readable DER CRL ({e.Message}); delete it to start a fresh one.", e);
            }
        }

        addEntries?.Invoke(builder);
        var now = _options.Clock.GetUtcNow();
        var aki = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCert, includeKeyIdentifier: true, includeIssuerAndSerial: false);
        var crl = builder.Build(caCert.SubjectName, caKey.ToSignatureGenerator(), lastNumber + 1, now + _options.CrlValidity, HashAlgorithmName.SHA256, aki, now);
        AtomicFile.Write(path, crl);
    }

    private static Profile ProfileOf(string label)
    {
        const string DevOrganization = "Môi trường phát triển Signing (không dùng thật)";
        return label switch
        {
            RootLabel => new(Kind.Root, Name(cn: "Signing Dev Root CA", o: DevOrganization), TimeSpan.FromDays(3652)),
            IssuingLabel => new(Kind.IssuingCa, Name(cn: "Signing Dev Issuing CA", o: DevOrganization), TimeSpan.FromDays(1826)),
            "head" => new(Kind.DocumentSigner, Name(cn: "Nguyễn Văn An", title: "Phó Chủ tịch", o: "Ủy ban nhân dân tỉnh Lâm Đồng", l: "Đà Lạt", st: "Lâm Đồng"), TimeSpan.FromDays(730)),
            "seal" => new(Kind.DocumentSigner, Name(cn: "Ủy ban nhân dân tỉnh Lâm Đồng", o: "Ủy ban nhân dân tỉnh Lâm Đồng", l: "Đà Lạt", st: "Lâm Đồng"), TimeSpan.FromDays(730)),
            "signer2" => new(Kind.DocumentSigner, Name(cn: "Trần Thị Bình", title: "Chánh Văn phòng", o: "Văn phòng Ủy ban nhân dân tỉnh Lâm Đồng", l: "Đà Lạt", st: "Lâm Đồng"), TimeSpan.FromDays(730)),
            DevLayout.PrintedSealLabel => new(Kind.PrintedSeal, Name(cn: "Ủy ban nhân dân tỉnh Lâm Đồng (dấu in QR)", o: "Ủy ban nhân dân tỉnh Lâm Đồng", l: "Đà Lạt", st: "Lâm Đồng"), TimeSpan.FromDays(730)),
            TsaLabel => new(Kind.TimestampAuthority, Name(cn: "Signing Dev TSA", o: DevOrganization), TimeSpan.FromDays(730)),
            OcspLabel => new(Kind.OcspResponder, Name(cn: "Signing Dev OCSP Responder", o: DevOrganization), TimeSpan.FromDays(90)),
            _ => throw new SigningException($"The dev PKI has no certificate profile for key label '{label}'."),
        };
    }

    // Most significant RDN first (C ... CN); strings are UTF8String, the country PrintableString.
    private static X500DistinguishedName Name(string cn, string o, string? title = null, string? l = null, string? st = null)
    {
        var b = new X500DistinguishedNameBuilder();
        b.AddCountryOrRegion("VN");
        if (st != null) b.AddStateOrProvinceName(st);
        if (l != null) b.AddLocalityName(l);
        b.AddOrganizationName(o);
        if (title != null) b.Add("2.5.4.12", title); // id-at-title
        b.AddCommonName(cn);
        return b.Build();
    }

    // RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random bytes with the top bit cleared and
    // the next set, so the DER INTEGER is always exactly 16 octets and positive.
    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    private static byte[] Pem(X509Certificate2 cert) => Encoding.ASCII.GetBytes(cert.ExportCertificatePem() + "\n");

    private static DateTimeOffset Min(DateTimeOffset a, DateTime b)
    {
        var bb = new DateTimeOffset(b.ToUniversalTime(), TimeSpan.Zero);
        return a < bb ? a : bb;
    }
}
