using System.Security.Cryptography;
using System.Text;
using Signing.Core;

namespace Signing.Pdf.Rendering;

/// <summary>
/// The short code printed on a result so that a paper copy leads to the electronic original:
/// 10 Crockford base-32 characters (50 bits) plus a Luhn mod 32 check character, shown as
/// XXXX-XXXX-XXX. Crockford's alphabet has no I, L, O or U, so it is easy to read aloud and type;
/// the check character catches every single typo and every swap of two neighbours.
/// </summary>
public static class VerificationCode
{
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public const int DataLength = 10;

    /// <summary>Derives a code from the canonical decision bytes and the issue instant (same input, same code).</summary>
    public static string Derive(ReadOnlySpan<byte> canonicalDecision, DateTimeOffset issuedAt)
    {
        var stamp = Encoding.ASCII.GetBytes(issuedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var input = new byte[canonicalDecision.Length + 1 + stamp.Length];
        canonicalDecision.CopyTo(input);
        stamp.CopyTo(input, canonicalDecision.Length + 1);
        var hash = SHA256.HashData(input);
        ulong bits = 0;
        for (var i = 0; i < 8; i++) bits = (bits << 8) | hash[i];
        var data = new char[DataLength];
        for (var i = 0; i < DataLength; i++) data[i] = Alphabet[(int)((bits >> (64 - 5 * (i + 1))) & 31)];
        return Format(new string(data) + CheckCharacter(data));
    }

    /// <summary>
    /// Reads a code as a person typed it: case-insensitive, hyphens and spaces ignored, I/L read
    /// as 1 and O as 0. Throws <see cref="SigningException"/> when it is malformed or the check fails.
    /// </summary>
    public static string Normalize(string typed)
    {
        ArgumentNullException.ThrowIfNull(typed);
        var sb = new StringBuilder(DataLength + 1);
        foreach (var ch in typed)
        {
            if (ch is '-' or ' ') continue;
            var c = char.ToUpperInvariant(ch) switch { 'I' or 'L' => '1', 'O' => '0', var u => u };
            if (Alphabet.IndexOf(c, StringComparison.Ordinal) < 0) throw new SigningException($"verification code contains '{ch}', which is not a code character");
            sb.Append(c);
        }

        if (sb.Length != DataLength + 1) throw new SigningException($"a verification code has {DataLength + 1} characters, got {sb.Length}");
        var s = sb.ToString();
        if (CheckCharacter(s.AsSpan(0, DataLength)) != s[DataLength]) throw new SigningException("verification code check character does not match; please re-read the code");
        return Format(s);
    }

    /// <summary>Luhn mod N over the Crockford alphabet.</summary>
    internal static char CheckCharacter(ReadOnlySpan<char> data)
    {
        const int n = 32;
        var factor = 2;
        var sum = 0;
        for (var i = data.Length - 1; i >= 0; i--)
        {
            var addend = factor * Alphabet.IndexOf(data[i], StringComparison.Ordinal);
            factor = factor == 2 ? 1 : 2;
            sum += (addend / n) + (addend % n);
        }

        return Alphabet[(n - (sum % n)) % n];
    }

    private static string Format(string s) => $"{s[..4]}-{s[4..8]}-{s[8..]}";
}
