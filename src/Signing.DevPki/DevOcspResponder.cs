using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using Signing.Core;
using Signing.Core.Keys;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.DevPki;

/// <summary>
/// The dev OCSP responders (RFC 6960), answering from the CAs' CRLs so that `signing dev revoke`
/// shows in both. The issuing CA's certificates are answered by its delegated responder certificate
/// ("ocsp": id-kp-OCSPSigning, id-pkix-ocsp-nocheck); the root's (the issuing CA) by the root key
/// itself, as RFC 6960 §4.2.2.2 allows. Every key signs on the dev token. A serial the CA's CRL does
/// not list is "good": the dev PKI keeps no list of what it issued.
/// </summary>
public sealed class DevOcspResponder
{
    private readonly IDevKeyStore _store;
    private readonly DevLayout _layout;
    private readonly DevPkiOptions _options;

    public DevOcspResponder(IDevKeyStore store, DevLayout layout, DevPkiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(layout);
        _store = store;
        _layout = layout;
        _options = options ?? new DevPkiOptions();
    }

    /// <summary>The DER OCSPResponse to <paramref name="request"/> sent to the responder of <paramref name="caLabel"/>.</summary>
    public byte[] Answer(string caLabel, byte[] request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (caLabel is not (DevPkiBuilder.RootLabel or DevPkiBuilder.IssuingLabel)) throw new SigningException($"There is no dev OCSP responder for '{caLabel}'.");
        OcspReq parsed;
        try
        {
            parsed = new OcspReq(request);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or Asn1Exception)
        {
            return new OCSPRespGenerator().Generate(OcspRespStatus.MalformedRequest, null).GetEncoded();
        }

        var ca = _store.FindCertificate(caLabel) ?? throw new SigningException($"The dev CA '{caLabel}' does not exist yet; run `signing dev init`.");
        var (signerCert, signerKey) = caLabel == DevPkiBuilder.IssuingLabel
            ? (_store.FindCertificate(DevPkiBuilder.OcspLabel), _store.FindKey(DevPkiBuilder.OcspLabel))
            : (ca, _store.FindKey(caLabel));
        if (signerCert is null || signerKey is null) throw new SigningException($"The dev OCSP responder of '{caLabel}' has no certificate or key; run `signing dev init`.");

        var bcCa = DotNetUtilities.FromX509Certificate(ca);
        var bcSigner = DotNetUtilities.FromX509Certificate(signerCert);
        var crl = File.Exists(_layout.CrlFile(caLabel)) ? new Org.BouncyCastle.X509.X509CrlParser().ReadCrl(File.ReadAllBytes(_layout.CrlFile(caLabel))) : null;
        var now = _options.Clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var generator = new BasicOcspRespGenerator(new RespID(bcSigner.GetPublicKey()));
        var requests = parsed.GetRequestList();
        if (requests.Length == 0) return new OCSPRespGenerator().Generate(OcspRespStatus.MalformedRequest, null).GetEncoded();
        foreach (var r in requests)
        {
            var id = r.GetCertID();
            CertificateStatus? status;
            bool ours;
            try
            {
                ours = id.MatchesIssuer(bcCa);
            }
            catch (OcspException)
            {
                ours = false;
            }

            if (!ours)
            {
                status = new UnknownStatus();
            }
            else if (crl?.GetRevokedCertificate(id.SerialNumber) is { } entry)
            {
                var reason = entry.GetExtensionValue(X509Extensions.ReasonCode) is { } ext
                    ? DerEnumerated.GetInstance(Asn1Object.FromByteArray(ext.GetOctets())).IntValueExact
                    : CrlReason.Unspecified;
                status = new RevokedStatus(entry.RevocationDate, reason);
            }
            else
            {
                status = CertificateStatus.Good;
            }

            generator.AddResponse(id, status, now, now + _options.OcspValidity, null);
        }

        // A nonce in the request comes back (RFC 8954), binding the answer to the question.
        if (parsed.RequestExtensions?.GetExtension(OcspObjectIdentifiers.PkixOcspNonce) is { } nonce)
        {
            generator.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, Org.BouncyCastle.Asn1.X509.X509Extension> { [OcspObjectIdentifiers.PkixOcspNonce] = nonce }));
        }

        var chain = ReferenceEquals(signerCert, ca) ? Array.Empty<BcCertificate>() : [bcSigner];
        var basic = generator.Generate(new KeySignatureFactory(signerKey), chain, now);
        return new OCSPRespGenerator().Generate(OcspRespStatus.Successful, basic).GetEncoded();
    }

    /// <summary>BouncyCastle's signature factory over a key that stays on the token: sha256WithRSAEncryption or ecdsa-with-SHA256.</summary>
    private sealed class KeySignatureFactory(ISignatureKey key) : ISignatureFactory
    {
        public object AlgorithmDetails => key.Algorithm == KeyAlgorithm.Rsa
            ? new AlgorithmIdentifier(Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance)
            : new AlgorithmIdentifier(Org.BouncyCastle.Asn1.X9.X9ObjectIdentifiers.ECDsaWithSha256);

        public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(key);

        private sealed class Calculator(ISignatureKey key) : IStreamCalculator<IBlockResult>
        {
            private readonly MemoryStream _data = new();

            public Stream Stream => _data;

            public IBlockResult GetResult()
            {
                var hash = SHA256.HashData(_data.ToArray());
                var value = key.SignHash(hash, HashAlgorithmName.SHA256);
                if (key.Algorithm != KeyAlgorithm.Rsa) value = P1363ToDer(value);
                return new Org.BouncyCastle.Crypto.SimpleBlockResult(value);
            }

            private static byte[] P1363ToDer(byte[] rs)
            {
                var half = rs.Length / 2;
                return new DerSequence(
                    new DerInteger(new Org.BouncyCastle.Math.BigInteger(1, rs, 0, half)),
                    new DerInteger(new Org.BouncyCastle.Math.BigInteger(1, rs, half, half))).GetEncoded();
            }
        }
    }
}
