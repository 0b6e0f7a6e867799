using System.Formats.Asn1;

namespace Signing.Cms;

/// <summary>A PDF signature's /Contents: the DER token, then the zero padding of its placeholder.</summary>
public static class SignatureContents
{
    /// <summary>The first DER element of <paramref name="contents"/>; all of it when that cannot be read (the token's reader then says why).</summary>
    public static byte[] Token(byte[] contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        try
        {
            AsnDecoder.ReadEncodedValue(contents, AsnEncodingRules.BER, out _, out _, out var consumed);
            return contents[..consumed];
        }
        catch (AsnContentException)
        {
            return contents;
        }
    }
}
