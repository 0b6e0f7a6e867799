using System.Security.Cryptography;
using System.Security.Cryptography.Cose;
using System.Security.Cryptography.X509Certificates;

namespace Signing.Seal;

/// <summary>What an offline check of a printed seal concluded.</summary>
public enum SealVerdict
{
    /// <summary>Signed by a trusted seal key within its validity, and the URL names the same result.</summary>
    Authentic,

    /// <summary>Not what the agency signed: a changed field, a bad signature, a URL of another result, a damaged structure.</summary>
    Forged,

    /// <summary>Signed by a key none of the trusted seal certificates has.</summary>
    UnknownKey,

    /// <summary>Signed by a trusted seal key that its CA has since revoked: not to be relied on.</summary>
    KeyRevoked,
}

/// <summary>The outcome, with the signed fields when the signature could be checked.</summary>
public sealed record SealVerification(
    SealVerdict Verdict,
    string Reason,
    PrintedSeal? Seal = null,
    X509Certificate2? Certificate = null,
    Uri? Url = null,
    DateTimeOffset? KeyRevokedAt = null)
{
    /// <summary>0 authentic, 3 forged or signed by a revoked key, 2 unknown key (docs/printed-seal.md).</summary>
    public int ExitCode => Verdict switch
    {
        SealVerdict.Authentic => 0,
        SealVerdict.UnknownKey => 2,
        _ => 3,
    };
}

/// <summary>
/// Checks a printed seal with no network: the COSE_Sign1 structure, ES256 with the key its kid
/// names among the trusted seal certificates, the payload's format, the sealing date against the
/// certificate's validity, and that the URL beside it names the same verification code.
/// </summary>
public static class SealVerifier
{
    private const int Es256 = -7;

    /// <param name="qrText">The decoded QR text (URL and seal, or the seal alone).</param>
    /// <param name="trusted">The seal certificates to check against.</param>
    /// <param name="printedCode">
    /// The verification code printed beside the QR (typed by the checker, or read from a PDF's text):
    /// a genuine QR pasted from another result names another code, and is refused.
    /// </param>
    public static SealVerification Verify(string qrText, SealCertificates trusted, string? printedCode = null)
    {
        ArgumentNullException.ThrowIfNull(qrText);
        ArgumentNullException.ThrowIfNull(trusted);
        Uri? url;
        CoseSign1Message message;
        try
        {
            (url, var cose) = SealText.Parse(qrText);
            message = CoseMessage.DecodeSign1(cose);
        }
        catch (SealFormatException ex)
        {
            return new(SealVerdict.Forged, ex.Message);
        }
        catch (CryptographicException ex)
        {
            return new(SealVerdict.Forged, $"the seal is not a COSE_Sign1 message ({ex.Message})");
        }

        if (message.UnprotectedHeaders.Count != 0) return new(SealVerdict.Forged, "the seal carries unprotected headers, which it never does", Url: url);
        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.Algorithm, out var alg) || !IsInt(alg, Es256))
        {
            return new(SealVerdict.Forged, "the seal is not signed with ES256", Url: url);
        }

        if (!message.ProtectedHeaders.TryGetValue(CoseHeaderLabel.KeyIdentifier, out var kidValue)) return new(SealVerdict.Forged, "the seal names no key", Url: url);
        byte[] kid;
        try
        {
            kid = kidValue.GetValueAsBytes();
        }
        catch (InvalidOperationException)
        {
            return new(SealVerdict.Forged, "the seal's key id is not a byte string", Url: url);
        }

        if (message.Content is not { } content) return new(SealVerdict.Forged, "the seal has no embedded payload", Url: url);
        var cert = trusted.Find(kid);
        if (cert is null) return new(SealVerdict.UnknownKey, $"signed by key {Convert.ToHexString(kid)}, which is not one of the {trusted.All.Count} trusted seal certificates", Url: url);

        using (var key = cert.GetECDsaPublicKey()!)
        {
            bool valid;
            try
            {
                valid = message.VerifyEmbedded(key);
            }
            catch (CryptographicException)
            {
                valid = false;
            }

            if (!valid) return new(SealVerdict.Forged, "the signature does not match the seal's content", Certificate: cert, Url: url);
        }

        PrintedSeal seal;
        try
        {
            seal = SealPayload.Decode(content);
        }
        catch (SealFormatException ex)
        {
            return new(SealVerdict.Forged, ex.Message, Certificate: cert, Url: url);
        }

        var from = DateOnly.FromDateTime(cert.NotBefore.ToUniversalTime().AddHours(7));
        var until = DateOnly.FromDateTime(cert.NotAfter.ToUniversalTime().AddHours(7));
        if (seal.SealedOn < from || seal.SealedOn > until)
        {
            return new(SealVerdict.Forged, $"the seal says it was signed on {seal.SealedOn:yyyy-MM-dd}, outside its key's validity {from:yyyy-MM-dd}..{until:yyyy-MM-dd}", seal, cert, url);
        }

        if (url is not null && SealText.CodeOf(url) is var urlCode && !SameCode(urlCode, seal.VerificationCode))
        {
            return new(SealVerdict.Forged, $"the URL names result {urlCode ?? "(none)"}, but the seal was signed for {seal.VerificationCode}", seal, cert, url);
        }

        if (printedCode is not null && !SameCode(printedCode, seal.VerificationCode))
        {
            return new(SealVerdict.Forged, $"the page prints verification code {printedCode}, but its QR code was signed for result {seal.VerificationCode}", seal, cert, url);
        }

        if (trusted.RevokedAt(cert) is { } revokedAt)
        {
            return new(SealVerdict.KeyRevoked, $"the seal key was revoked on {revokedAt:yyyy-MM-dd}; this print cannot be relied on, check it online", seal, cert, url, revokedAt);
        }

        return new(SealVerdict.Authentic, "signed by the agency's seal key", seal, cert, url);
    }

    // As people type codes: case, hyphens and spaces do not matter.
    private static bool SameCode(string? a, string b) =>
        a is not null && string.Equals(Bare(a), Bare(b), StringComparison.OrdinalIgnoreCase);

    private static string Bare(string code) => code.Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);

    private static bool IsInt(CoseHeaderValue v, int expected)
    {
        try
        {
            return v.GetValueAsInt32() == expected;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
