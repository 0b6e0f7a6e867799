using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Signing.Cms;

/// <summary>
/// The ESS signing-certificate attributes (RFC 2634 ESSCertID, RFC 5035 ESSCertIDv2), which bind a
/// signature to its signer's certificate so that a look-alike certificate cannot be swapped in.
/// </summary>
public static class EssCertIds
{
    /// <summary>
    /// True when the first certificate id of a SigningCertificate (<paramref name="isV2"/> false) or
    /// SigningCertificateV2 attribute value names <paramref name="certificate"/>: its hash, and, when
    /// the id carries an IssuerSerial, that issuer <em>and</em> that serial number.
    /// </summary>
    public static bool Names(ReadOnlyMemory<byte> attributeValue, X509Certificate2 certificate, bool isV2)
    {
        try
        {
            // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }; the first names the signer.
            var certs = new AsnReader(attributeValue, AsnEncodingRules.BER).ReadSequence().ReadSequence();
            var id = certs.ReadSequence();
            var hash = HashAlgorithmName.SHA1;
            if (isV2)
            {
                hash = HashAlgorithmName.SHA256;
                if (id.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                {
                    if (Digests.FromOid(id.ReadSequence().ReadObjectIdentifier()) is not { } named || !Digests.IsSha2(named)) return false;
                    hash = named;
                }
            }

            var expected = hash == HashAlgorithmName.SHA256 ? CertificateCache.Sha256Of(certificate).Bytes : Digests.Compute(hash, certificate.RawDataMemory.Span);
            if (!id.ReadOctetString().AsSpan().SequenceEqual(expected)) return false;
            if (!id.HasData) return true;
            var issuerSerial = id.ReadSequence();
            var names = issuerSerial.ReadSequence();
            var directoryName = names.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true));
            var issuer = directoryName.ReadEncodedValue();
            directoryName.ThrowIfNotEmpty();
            if (names.HasData) return false; // exactly one GeneralName
            return issuer.Span.SequenceEqual(certificate.IssuerName.RawData) && issuerSerial.ReadIntegerBytes().Span.SequenceEqual(certificate.SerialNumberBytes.Span);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when the signature's signing-certificate attributes name <paramref name="certificate"/>:
    /// at least one of v1/v2 is present, each present one has a single value, and each names it
    /// (RFC 5816: when both are present, both must match).
    /// </summary>
    public static bool BindSigner(CmsSignature cms, X509Certificate2 certificate)
    {
        var v1 = cms.Signed(Oids.SigningCertificate);
        var v2 = cms.Signed(Oids.SigningCertificateV2);
        if (v1 is null && v2 is null) return false;
        if (v1 is not null && (v1.Values.Count != 1 || !Names(v1.Values[0], certificate, isV2: false))) return false;
        return v2 is null || (v2.Values.Count == 1 && Names(v2.Values[0], certificate, isV2: true));
    }
}
