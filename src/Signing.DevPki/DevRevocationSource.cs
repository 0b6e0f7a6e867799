using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Revocation;

namespace Signing.DevPki;

/// <summary>
/// The dev OCSP responders asked in process (no HTTP): what `signing sign --level B-LT` and the demo
/// use when `signing dev serve-revocation` is not running. The answers are the same signed responses
/// the served responder gives, checked like any other.
/// </summary>
public sealed class DevRevocationSource(DevOcspResponder responder, IDevKeyStore store) : IRevocationSource
{
    public RevocationLookup Find(X509Certificate2 certificate, X509Certificate2 issuer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        var ca = new[] { DevPkiBuilder.IssuingLabel, DevPkiBuilder.RootLabel }
            .FirstOrDefault(l => store.FindCertificate(l) is { } c && c.RawDataMemory.Span.SequenceEqual(issuer.RawDataMemory.Span));
        if (ca is null) return RevocationLookup.None("the issuer is not a dev CA");
        var nonce = RandomNumberGenerator.GetBytes(16);
        var (answer, problem) = Ocsp.Check(responder.Answer(ca, Ocsp.Request(certificate, issuer, nonce)), certificate, issuer, nonce);
        return answer is null ? RevocationLookup.None("dev OCSP: " + problem) : new RevocationLookup([answer], []);
    }
}
