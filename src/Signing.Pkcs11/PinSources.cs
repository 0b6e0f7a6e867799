using System.Text;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Core;

namespace Signing.Pkcs11;

/// <summary>
/// Where a token PIN comes from. The PIN is returned as UTF-8 bytes which the caller zeroes
/// right after C_Login; it is never cached, logged or put into an exception message.
/// </summary>
public interface IPinSource
{
    /// <summary>A description safe to log (never the PIN): "environment variable X", "file /p", "prompt".</summary>
    string Description { get; }

    byte[] GetPin(ITokenInfo token);
}

/// <summary>Creates PIN sources from configuration strings: <c>env:NAME</c>, <c>file:/path</c>, <c>prompt</c>.</summary>
public static class PinSources
{
    public static IPinSource Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.StartsWith("env:", StringComparison.Ordinal) && spec.Length > 4) return new EnvironmentPinSource(spec[4..]);
        if (spec.StartsWith("file:", StringComparison.Ordinal) && spec.Length > 5) return new FilePinSource(spec[5..]);
        if (spec == "prompt") return new PromptPinSource();
        throw new SigningException($"Unknown PIN source '{spec}': use env:NAME, file:/path or prompt.");
    }
}

public sealed class EnvironmentPinSource(string variable) : IPinSource
{
    public string Description => $"environment variable {variable}";

    public byte[] GetPin(ITokenInfo token)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(value)) throw new SigningException($"No PIN for token '{token?.Label}': environment variable {variable} is not set.");
        return Encoding.UTF8.GetBytes(value);
    }
}

public sealed class FilePinSource(string path) : IPinSource
{
    public string Description => $"file {path}";

    public byte[] GetPin(ITokenInfo token)
    {
        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SigningException($"No PIN for token '{token?.Label}': cannot read PIN file {path} ({ex.GetType().Name}).");
        }

        // A trailing newline is how editors and `echo` leave files; it is not part of the PIN.
        var length = raw.Length;
        while (length > 0 && (raw[length - 1] == (byte)'\n' || raw[length - 1] == (byte)'\r')) length--;
        if (length == 0) throw new SigningException($"No PIN for token '{token?.Label}': PIN file {path} is empty.");
        var pin = raw.AsSpan(0, length).ToArray();
        Array.Clear(raw);
        return pin;
    }
}

/// <summary>Asks on the terminal with echo off; reads one line from standard input when it is redirected.</summary>
public sealed class PromptPinSource : IPinSource
{
    public string Description => "prompt";

    public byte[] GetPin(ITokenInfo token)
    {
        Console.Error.Write($"PIN for token '{token?.Label}': ");
        if (Console.IsInputRedirected)
        {
            var line = Console.In.ReadLine() ?? throw new SigningException("No PIN given (standard input is closed).");
            Console.Error.WriteLine();
            return Encoding.UTF8.GetBytes(line);
        }

        var chars = new List<char>(16);
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter) break;
                if (key.Key == ConsoleKey.Backspace)
                {
                    if (chars.Count > 0) chars.RemoveAt(chars.Count - 1);
                    continue;
                }

                if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar)) chars.Add(key.KeyChar);
            }

            Console.Error.WriteLine();
            if (chars.Count == 0) throw new SigningException("No PIN given.");
            return Encoding.UTF8.GetBytes(chars.ToArray());
        }
        finally
        {
            for (var i = 0; i < chars.Count; i++) chars[i] = '\0';
        }
    }
}
