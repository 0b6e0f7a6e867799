using System.Globalization;
using Microsoft.Extensions.Configuration;
using Signing.Core;

namespace Signing.Issuance;

/// <summary>
/// Optional settings of one configuration section: a missing or blank value is the fallback, a
/// bad one stops the start with one line naming the full key (the section's path) and the value.
/// </summary>
public static class SettingValues
{
    public static string? Value(IConfigurationSection s, string key) => s[key] is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    public static bool Flag(IConfigurationSection s, string key, bool fallback)
    {
        if (Value(s, key) is not { } text) return fallback;
        return bool.TryParse(text, out var value) ? value : throw new SigningException($"{s.Path}:{key} '{text}' is not true or false.");
    }

    public static TimeSpan Duration(IConfigurationSection s, string key, TimeSpan fallback)
    {
        if (Value(s, key) is not { } text) return fallback;
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
            ? value
            : throw new SigningException($"{s.Path}:{key} '{text}' is not a positive duration (hh:mm:ss).");
    }

    public static int Number(IConfigurationSection s, string key, int fallback, int min, int max)
    {
        if (Value(s, key) is not { } text) return fallback;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new SigningException($"{s.Path}:{key} '{text}' is not a number between {min} and {max}.");
    }
}
