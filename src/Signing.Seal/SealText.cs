using System.Buffers.Text;

namespace Signing.Seal;

/// <summary>
/// What the QR code holds: the public verification URL, then the seal in its fragment,
/// <c>https://host/v/XXXX-XXXX-XXX#s1=&lt;base64url(COSE_Sign1)&gt;</c>. A phone camera opens the
/// online check; browsers never send a fragment to the server, so the seal does not travel there.
/// </summary>
public static class SealText
{
    public const string FragmentPrefix = "s1=";

    /// <summary>A QR code holds at most 4,296 characters; more is not a seal we wrote.</summary>
    public const int MaxLength = 4296;

    public static string Compose(Uri verificationUrl, ReadOnlySpan<byte> coseSign1)
    {
        ArgumentNullException.ThrowIfNull(verificationUrl);
        if (!string.IsNullOrEmpty(verificationUrl.Fragment)) throw new ArgumentException("the verification URL already has a fragment", nameof(verificationUrl));
        return verificationUrl.AbsoluteUri + "#" + FragmentPrefix + Base64Url.EncodeToString(coseSign1);
    }

    /// <summary>Splits a decoded QR text into its URL (null when only the seal was given) and the COSE bytes.</summary>
    public static (Uri? Url, byte[] CoseSign1) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length > MaxLength) throw new SealFormatException($"the text is longer than a QR code can hold ({MaxLength} characters)");
        Uri? url = null;
        string seal;
        if (text.StartsWith(FragmentPrefix, StringComparison.Ordinal))
        {
            seal = text[FragmentPrefix.Length..];
        }
        else
        {
            var hash = text.IndexOf("#" + FragmentPrefix, StringComparison.Ordinal);
            if (hash < 0) throw new SealFormatException("the QR code holds no printed seal (no #s1= part); check the result online instead");
            if (!Uri.TryCreate(text[..hash], UriKind.Absolute, out url) || url.Scheme is not ("https" or "http"))
            {
                throw new SealFormatException("the part before the seal is not an http(s) URL");
            }

            seal = text[(hash + 1 + FragmentPrefix.Length)..];
        }

        try
        {
            return (url, Base64Url.DecodeFromChars(seal));
        }
        catch (FormatException ex)
        {
            throw new SealFormatException("the seal is not base64url", ex);
        }
    }

    /// <summary>Whether a decoded QR text carries a seal at all (results printed before seals hold only the URL).</summary>
    public static bool HasSeal(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        return text.StartsWith(FragmentPrefix, StringComparison.Ordinal) || text.Contains("#" + FragmentPrefix, StringComparison.Ordinal);
    }

    /// <summary>The verification code that a /v/{code} URL names, or null when the URL has another shape.</summary>
    public static string? CodeOf(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var segments = url.AbsolutePath.TrimEnd('/').Split('/');
        return segments.Length >= 2 && segments[^2] == "v" ? Uri.UnescapeDataString(segments[^1]) : null;
    }
}
