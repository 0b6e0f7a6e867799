using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Signing.Core;
using Signing.Core.IO;

namespace Signing.Agent.Bridge;

/// <summary>
/// The pairing made once between the agent and the console page: the page sends the one-time code
/// the agent shows in its terminal, and gets a secret it sends with every later request. The agent
/// keeps only the secret's SHA-256 and the origin it was given to (pairing.json in the agent's home).
/// </summary>
public sealed record PairingRecord(string Origin, string SecretSha256, DateTimeOffset PairedAt)
{
    public const string FileName = "pairing.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static PairingRecord? Load(string home)
    {
        var path = Path.Combine(home, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<PairingRecord>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException)
        {
            return null; // a damaged pairing is no pairing: the head pairs again
        }
    }

    public void Save(string home)
    {
        Directory.CreateDirectory(home);
        AtomicFile.Write(Path.Combine(home, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json), secret: true);
    }

    /// <summary>True when <paramref name="secret"/> is this pairing's and <paramref name="origin"/> is the one it was made with.</summary>
    public bool Accepts(string origin, string? secret)
    {
        if (secret is not { Length: > 0 } || !string.Equals(origin, Origin, StringComparison.Ordinal)) return false;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        byte[] expected;
        try
        {
            expected = Convert.FromHexString(SecretSha256);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(hash, expected);
    }
}

/// <summary>
/// The one-time code shown in the agent's terminal. It lives a few minutes, takes a few wrong
/// tries, and is spent by the first right one, so a page that cannot see the terminal cannot guess it.
/// </summary>
public sealed class PairingCode
{
    public const int MaxTries = 5;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    // No 0/O, 1/I/L: the head reads it off a screen and types it.
    private const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    private readonly byte[] _code;
    private readonly DateTimeOffset _expires;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private int _wrong;
    private bool _spent;

    public PairingCode(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _expires = _time.GetUtcNow() + Lifetime;
        var chars = new char[8];
        for (var i = 0; i < chars.Length; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        Display = new string(chars, 0, 4) + "-" + new string(chars, 4, 4);
        _code = Encoding.ASCII.GetBytes(new string(chars));
    }

    /// <summary>The code as the terminal shows it, e.g. "K7QD-92MX".</summary>
    public string Display { get; }

    /// <summary>Spends the code when <paramref name="typed"/> is it; throws with the reason otherwise.</summary>
    public void Redeem(string? typed)
    {
        lock (_gate)
        {
            if (_spent) throw new PairingRefusedException("this pairing code was already used or given up after too many wrong tries; restart `signing-agent serve --pair` for a new one");
            if (_time.GetUtcNow() > _expires) throw new PairingRefusedException("the pairing code has expired; restart `signing-agent serve --pair` for a new one");
            var normalized = Encoding.ASCII.GetBytes(new string((typed ?? "").Where(char.IsLetterOrDigit).Select(char.ToUpperInvariant).ToArray()));
            if (normalized.Length == _code.Length && CryptographicOperations.FixedTimeEquals(normalized, _code))
            {
                _spent = true;
                return;
            }

            if (++_wrong >= MaxTries) _spent = true;
            throw new PairingRefusedException(_spent
                ? "wrong pairing code; that was the last try: restart `signing-agent serve --pair` for a new code"
                : $"wrong pairing code ({MaxTries - _wrong} tries left)");
        }
    }

    /// <summary>A fresh secret for the page (256 bits, base64url) and the record that accepts it.</summary>
    public static (string Secret, PairingRecord Record) NewPairing(string origin, DateTimeOffset now)
    {
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (secret, new PairingRecord(origin, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), now));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed class PairingRefusedException(string message) : SigningException(message);
