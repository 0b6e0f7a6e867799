using System.Text.Json;
using System.Text.Json.Serialization;
using Signing.Core;
using Signing.Core.IO;

namespace Signing.Agent;

/// <summary>
/// What first-run setup chose, in the user's own configuration directory. Holds paths and
/// identifiers only: never a PIN, and the TLS client key stays in its PKCS#12 file.
/// </summary>
public sealed record AgentSettings
{
    public const string FileName = "agent.json";

    /// <summary>The service's staff (mutual TLS) address, e.g. https://signing.example:8443.</summary>
    public required Uri Service { get; init; }

    /// <summary>CA certificates (PEM files) the service's TLS certificate must chain to.</summary>
    public required IReadOnlyList<string> ServerCaFiles { get; init; }

    /// <summary>The head's TLS client certificate (PKCS#12) and the file holding its password.</summary>
    public required string ClientCertificate { get; init; }

    public string? ClientCertificatePasswordFile { get; init; }

    /// <summary>The PKCS#11 module's path.</summary>
    public required string Module { get; init; }

    /// <summary>The token's serial number (labels repeat across tokens of one vendor; serials do not).</summary>
    public required string TokenSerial { get; init; }

    public required string TokenLabel { get; init; }

    /// <summary>CKA_ID (hex) shared by the signing certificate and its private key on the token.</summary>
    public required string KeyId { get; init; }

    /// <summary>SHA-256 of the certificate enrolled with the service; the token must hold this one.</summary>
    public required string CertificateSha256 { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The per-user directory: SIGNING_AGENT_HOME, else %APPDATA%\signing-agent or ~/.config/signing-agent.</summary>
    public static string DefaultHome() =>
        Environment.GetEnvironmentVariable("SIGNING_AGENT_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "signing-agent");

    public static AgentSettings Load(string home)
    {
        var path = Path.Combine(home, FileName);
        if (!File.Exists(path)) throw new SigningException($"The agent is not set up yet ({path} is missing): run `signing-agent setup` first.");
        try
        {
            return JsonSerializer.Deserialize<AgentSettings>(File.ReadAllBytes(path), Json)
                ?? throw new SigningException($"{path} is empty; run `signing-agent setup` again.");
        }
        catch (JsonException e)
        {
            throw new SigningException($"{path} is not valid agent settings ({e.Message}); run `signing-agent setup` again.");
        }
    }

    public void Save(string home)
    {
        Directory.CreateDirectory(home);
        AtomicFile.Write(Path.Combine(home, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json));
    }
}
