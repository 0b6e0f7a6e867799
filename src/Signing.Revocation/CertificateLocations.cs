using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Revocation;

/// <summary>The revocation URLs a certificate names: AIA id-ad-ocsp and caIssuers, and the CRL distribution points (http only).</summary>
public static class CertificateLocations
{
    /// <summary>id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): the responder certificate needs no revocation check.</summary>
    public const string OcspNoCheckOid = "1.3.6.1.5.5.7.48.1.5";

    /// <summary>id-kp-OCSPSigning.</summary>
    public const string OcspSigningEkuOid = "1.3.6.1.5.5.7.3.9";

    private const string CrlDistributionPointsOid = "2.5.29.31";

    public static IReadOnlyList<Uri> OcspUrls(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.Extensions.OfType<X509AuthorityInformationAccessExtension>().SelectMany(a => a.EnumerateOcspUris()).Select(Http).OfType<Uri>().ToList();
    }

    public static IReadOnlyList<Uri> CaIssuersUrls(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.Extensions.OfType<X509AuthorityInformationAccessExtension>().SelectMany(a => a.EnumerateCAIssuersUris()).Select(Http).OfType<Uri>().ToList();
    }

    public static IReadOnlyList<Uri> CrlUrls(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[CrlDistributionPointsOid];
        if (extension is null) return [];
        var urls = new List<Uri>();
        try
        {
            var points = CrlDistPoint.GetInstance(Asn1Object.FromByteArray(extension.RawData));
            foreach (var point in points.GetDistributionPoints())
            {
                if (point.DistributionPointName is not { Type: DistributionPointName.FullName } name) continue;
                foreach (var general in GeneralNames.GetInstance(name.Name).GetNames())
                {
                    if (general.TagNo == GeneralName.UniformResourceIdentifier && Http(DerIA5String.GetInstance(general.Name).GetString()) is { } uri) urls.Add(uri);
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            return []; // a damaged extension names no usable place
        }

        return urls;
    }

    public static bool HasOcspNoCheck(X509Certificate2 certificate) => certificate?.Extensions[OcspNoCheckOid] is not null;

    private static Uri? Http(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
}
