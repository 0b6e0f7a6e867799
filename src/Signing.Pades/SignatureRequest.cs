using System.Security.Cryptography.X509Certificates;
using Signing.Pades.Appearance;
using Signing.Cms;
using Signing.Validation.Modifications;

namespace Signing.Pades;

/// <summary>What to sign with and how the signature should look and be recorded.</summary>
public sealed record SignatureRequest
{
    /// <summary>The signer's certificate (public part only; the key stays on its device).</summary>
    public required X509Certificate2 SignerCertificate { get; init; }

    /// <summary>The issuing CAs up to (optionally including) the root; embedded in the CMS.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; init; } = [];

    /// <summary>The new signature field's name; must not exist yet. Default: "Signature" + the next free number.</summary>
    public string? FieldName { get; init; }

    /// <summary>Zero-based page of the widget.</summary>
    public int PageIndex { get; init; }

    /// <summary>Where the widget goes; null makes an invisible signature (zero-size widget).</summary>
    public SignaturePlacement? Placement { get; init; }

    /// <summary>What the visible signature shows (Decree 30 layout). Ignored when <see cref="Placement"/> is null.</summary>
    public SignatureAppearance? Appearance { get; init; }

    /// <summary>/Name; default: the certificate subject's common name.</summary>
    public string? SignerName { get; init; }

    public string? Reason { get; init; }

    public string? Location { get; init; }

    public string? ContactInfo { get; init; }

    /// <summary>Only ETSI.CAdES.detached (PAdES baseline) is produced.</summary>
    public string SubFilter { get; init; } = PadesSigner.SubFilterCades;

    /// <summary>RSA padding; null picks PKCS#1 v1.5 for RSA keys and ECDSA for EC keys.</summary>
    public SignatureScheme? Scheme { get; init; }

    /// <summary>Room for the signature timestamp token; see <see cref="PlaceholderSizing"/>.</summary>
    public int TimestampReserveBytes { get; init; } = PlaceholderSizing.DefaultTimestampReserveBytes;

    /// <summary>False when the signature will never carry a timestamp (PAdES B-B only).</summary>
    public bool ReserveTimestamp { get; init; } = true;

    /// <summary>
    /// When the document has no signature yet, this one certifies it with this DocMDP level
    /// (our results: the head certifies with P=2 so that the seal may still sign). Null: never
    /// certify. A document that already has a signature is never certified again.
    /// </summary>
    public DocMdpPermission? CertifyIfFirst { get; init; } = DocMdpPermission.FormFillingAndSigning;

    /// <summary>Room for revocation data carried inside the CMS (kept 0 until B-LT lands; DSS data goes to a later revision).</summary>
    public int RevocationReserveBytes { get; init; }
}

/// <summary>Where a visible signature goes on its page, in PDF points from the page's lower-left corner.</summary>
public sealed record SignaturePlacement(double X, double Y, double Width, double Height)
{
    /// <summary>When set, X and Y are ignored and the box is put in the page's top-right corner with these margins (points).</summary>
    public (double Right, double Top)? TopRightMargins { get; init; }

    /// <summary>Decree 30's place for the agency signature on attachments and copies: top right of the page.</summary>
    public static SignaturePlacement TopRight(double width, double height, double rightMargin = 56.7, double topMargin = 42.5) =>
        new(0, 0, width, height) { TopRightMargins = (rightMargin, topMargin) };

    internal (double X, double Y, double W, double H) Resolve(double[] pageBox)
    {
        if (Width <= 0 || Height <= 0) throw new Core.SigningException("The signature box must have a positive width and height.");
        if (TopRightMargins is { } m) return (pageBox[2] - m.Right - Width, pageBox[3] - m.Top - Height, Width, Height);
        return (pageBox[0] + X, pageBox[1] + Y, Width, Height);
    }
}

/// <summary>How big the /Contents placeholder is made.</summary>
public static class PlaceholderSizing
{
    /// <summary>
    /// Default room for a timestamp token when the TSA's chain is unknown: a token with a
    /// 2-certificate RSA chain measures about 3.5–5 KB; 8 KB leaves room for longer chains.
    /// </summary>
    public const int DefaultTimestampReserveBytes = 8192;

    /// <summary>Room for a TSA whose certificates are known: their DER sizes plus 1.5 KB for the TSTInfo and SignerInfo.</summary>
    public static int TimestampReserveFor(IEnumerable<X509Certificate2> tsaCertificates) =>
        tsaCertificates.Sum(c => c.RawData.Length) + 1536;
}
