using Microsoft.Extensions.Configuration;
using Signing.Core;
using static Signing.Issuance.SettingValues;

namespace Signing.Issuance;

/// <summary>
/// The "Signing" configuration section (appsettings.json, then environment variables such as
/// <c>Signing__Seal__PinSource</c>). Read once at startup; every problem is one line naming the key.
/// </summary>
public sealed record IssuanceOptions
{
    public const string Section = "Signing";

    /// <summary>Signing:DataDirectory — SQLite file, blobs, previews, enrolments, prepared requests, logs.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Signing:Storage:PostgresConnectionString — when set, the registry is on PostgreSQL.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>
    /// Signing:Storage:Blobs — where the PDFs live: "postgres" (the default with PostgreSQL: in the
    /// registry's database) or "files" (under <see cref="BlobDirectory"/>). The embedded SQLite
    /// registry always keeps files.
    /// </summary>
    public BlobPlacement Blobs { get; init; }

    /// <summary>
    /// Signing:Storage:BlobDirectory — the blob folder (default &lt;data&gt;/blobs): where the files are,
    /// or with PostgreSQL blobs, where the files of an earlier files layout are imported from at startup.
    /// </summary>
    public string? BlobDirectory { get; init; }

    /// <summary>Signing:Pkcs11:Module — the Cryptoki library.</summary>
    public required string Pkcs11Module { get; init; }

    /// <summary>Signing:Seal:KeyUri — e.g. pkcs11:token=signing-dev;object=seal;type=private.</summary>
    public required string SealKeyUri { get; init; }

    /// <summary>Signing:Seal:PinSource — env:NAME or file:/path (never the PIN itself).</summary>
    public required string SealPinSource { get; init; }

    public string? SealCertificateFile { get; init; }

    public string? SealChainFile { get; init; }

    public string? SealImageFile { get; init; }

    /// <summary>
    /// Signing:PrintedSeal:KeyUri — the ECDSA P-256 key that signs the printed seal in each result's QR
    /// code (docs/printed-seal.md); unset, the QR holds only the URL. Its PIN source is
    /// Signing:PrintedSeal:PinSource, else Signing:Seal:PinSource.
    /// </summary>
    public string? PrintedSealKeyUri { get; init; }

    /// <summary>Signing:PrintedSeal:AgencyId — the issuing agency's identifier in every seal (required with the key).</summary>
    public string? PrintedSealAgencyId { get; init; }

    /// <summary>Signing:PrintedSeal:PinSource — env:NAME or file:/path; default Signing:Seal:PinSource.</summary>
    public string? PrintedSealPinSource { get; init; }

    /// <summary>
    /// Signing:PrintedSeal:Certificates:N — PEM files of further seal certificates that verifiers
    /// still trust (retired or next keys, for rollover) and of the CAs whose CRLs are listed below.
    /// </summary>
    public IReadOnlyList<string> PrintedSealCertificateFiles { get; init; } = [];

    /// <summary>Signing:PrintedSeal:RevocationLists:N — CRL files (DER or PEM) of the seal certificates' issuers, read on every request of the public key list.</summary>
    public IReadOnlyList<string> PrintedSealCrlFiles { get; init; } = [];

    /// <summary>Signing:Tsa:Url — an external RFC 3161 TSA; when empty the built-in one (Signing:Tsa:KeyUri on the same module) is used in process.</summary>
    public Uri? TsaUrl { get; init; }

    public string? TsaKeyUri { get; init; }

    /// <summary>
    /// Signing:Tsa:RetryFor — how long a signature or seal waits out an external TSA that fails
    /// (retrying with back-off) before the request answers 503; nothing is committed meanwhile.
    /// </summary>
    public TimeSpan TsaRetryFor { get; init; } = TimeSpan.FromSeconds(30);

    public string? TsaPinSource { get; init; }

    public string? TsaCertificateFile { get; init; }

    public string? TsaChainFile { get; init; }

    /// <summary>Signing:TrustAnchors:N — PEM root certificates for head enrolment and for verification.</summary>
    public required IReadOnlyList<string> TrustAnchorFiles { get; init; }

    /// <summary>
    /// Signing:Validation — the validation policy as flat entries (anchors per purpose, signer key
    /// usage, dated crypto constraints); read by <see cref="Signing.Validation.Policy.ValidationPolicyReader"/>
    /// at startup, with <see cref="TrustAnchorFiles"/> as the default anchors. Empty: the built-in default.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string?>> ValidationPolicyEntries { get; init; } = [];

    /// <summary>The directory relative paths in the configuration are resolved against.</summary>
    public string ContentRoot { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Signing:Intermediates:N — PEM CA certificates used to build chains.</summary>
    public IReadOnlyList<string> IntermediateFiles { get; init; } = [];

    /// <summary>Signing:VerificationBaseUrl — printed in the QR code as {base}/v/{code}.</summary>
    public required Uri VerificationBaseUrl { get; init; }

    /// <summary>Signing:Heads:PrepareLifetime — how long a prepared head signature may be completed.</summary>
    public TimeSpan PrepareLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Signing:Heads:SignatureImage — optional PNG drawn in the head's signature box.</summary>
    public string? HeadSignatureImageFile { get; init; }

    /// <summary>Signing:Previews:Pdftoppm — the rasteriser of page previews: a path, or a name looked up on PATH (default pdftoppm).</summary>
    public string Pdftoppm { get; init; } = "pdftoppm";

    /// <summary>Signing:Verify:MaxUploadBytes.</summary>
    public int MaxUploadBytes { get; init; } = 20 * 1024 * 1024;

    /// <summary>Signing:Verify:PermitsPerMinute — uploads per client address per minute.</summary>
    public int VerifyPermitsPerMinute { get; init; } = 30;

    /// <summary>
    /// Signing:FaultInjection:PauseAt — test only: "seal-commit" (the sealed PDF is made, not yet
    /// committed) or "issue-commit" (sealed and previews rendered, the issue not yet committed). The
    /// service logs and waits there for Signing:FaultInjection:Pause, so a crash test can kill it
    /// at a known point. Unset in every real configuration; the service warns at startup when set.
    /// </summary>
    public FaultPoint? PauseAt { get; init; }

    /// <summary>Signing:FaultInjection:Pause — how long to wait at <see cref="PauseAt"/>.</summary>
    public TimeSpan Pause { get; init; }

    /// <summary>Signing:Logging:Directory — rolling log files (default: &lt;data&gt;/logs).</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Signing:Logging:Console — JSON lines on stdout too (default true; `signing serve --demo` turns it off and keeps the file).</summary>
    public bool LogToConsole { get; init; } = true;

    public static IssuanceOptions Read(IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var s = configuration.GetSection(Section);
        var dataDirectory = Path.GetFullPath(Value(s, "DataDirectory") ?? "data", contentRoot);
        var sealKey = Value(s, "Seal:KeyUri") ?? throw Missing("Seal:KeyUri", "the agency seal key, e.g. pkcs11:token=signing-dev;object=seal;type=private");
        var sealPin = Value(s, "Seal:PinSource") ?? throw Missing("Seal:PinSource", "env:NAME or file:/path holding the seal token's PIN");
        CheckPinSource(sealPin, "Seal:PinSource");
        var printedSealKey = Value(s, "PrintedSeal:KeyUri");
        var printedSealAgency = Value(s, "PrintedSeal:AgencyId");
        if (printedSealKey != null && printedSealAgency == null) throw Missing("PrintedSeal:AgencyId", "the issuing agency's identifier that every printed seal carries");
        var printedSealPin = Value(s, "PrintedSeal:PinSource");
        if (printedSealPin != null) CheckPinSource(printedSealPin, "PrintedSeal:PinSource");
        var tsaPin = Value(s, "Tsa:PinSource");
        if (tsaPin != null) CheckPinSource(tsaPin, "Tsa:PinSource");

        Uri? tsaUrl = null;
        if (Value(s, "Tsa:Url") is { } tsaText)
        {
            if (!Uri.TryCreate(tsaText, UriKind.Absolute, out tsaUrl) || (tsaUrl.Scheme != Uri.UriSchemeHttp && tsaUrl.Scheme != Uri.UriSchemeHttps))
                throw new SigningException($"{Section}:Tsa:Url '{tsaText}' is not an absolute http(s) URL.");
        }
        var tsaKey = Value(s, "Tsa:KeyUri");
        if (tsaUrl == null && tsaKey == null)
            throw Missing("Tsa:Url", "an RFC 3161 TSA URL, or Signing:Tsa:KeyUri for the built-in TSA");

        var anchors = List(s, "TrustAnchors", contentRoot);
        if (anchors.Count == 0) throw Missing("TrustAnchors:0", "a PEM root certificate trusted for signers");
        var baseText = Value(s, "VerificationBaseUrl") ?? throw Missing("VerificationBaseUrl", "the public verification site, e.g. https://tracuu.example.gov.vn");
        if (!Uri.TryCreate(baseText, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
            throw new SigningException($"{Section}:VerificationBaseUrl '{baseText}' is not an absolute http(s) URL.");

        var postgres = Value(s, "Storage:PostgresConnectionString");
        return new IssuanceOptions
        {
            DataDirectory = dataDirectory,
            PostgresConnectionString = postgres,
            Blobs = BlobPlacementOf(Value(s, "Storage:Blobs"), postgres != null),
            BlobDirectory = File(s, "Storage:BlobDirectory", contentRoot),
            Pkcs11Module = Value(s, "Pkcs11:Module") ?? "/usr/lib/softhsm/libsofthsm2.so",
            SealKeyUri = sealKey,
            SealPinSource = sealPin,
            SealCertificateFile = File(s, "Seal:CertificateFile", contentRoot),
            SealChainFile = File(s, "Seal:ChainFile", contentRoot),
            SealImageFile = File(s, "Seal:Image", contentRoot),
            PrintedSealKeyUri = printedSealKey,
            PrintedSealAgencyId = printedSealAgency,
            PrintedSealPinSource = printedSealPin,
            PrintedSealCertificateFiles = List(s, "PrintedSeal:Certificates", contentRoot),
            PrintedSealCrlFiles = List(s, "PrintedSeal:RevocationLists", contentRoot),
            TsaUrl = tsaUrl,
            TsaKeyUri = tsaKey,
            TsaRetryFor = Duration(s, "Tsa:RetryFor", TimeSpan.FromSeconds(30)),
            TsaPinSource = tsaPin,
            TsaCertificateFile = File(s, "Tsa:CertificateFile", contentRoot),
            TsaChainFile = File(s, "Tsa:ChainFile", contentRoot),
            TrustAnchorFiles = anchors,
            IntermediateFiles = List(s, "Intermediates", contentRoot),
            ValidationPolicyEntries = s.GetSection("Validation").AsEnumerable(makePathsRelative: true).ToList(),
            ContentRoot = contentRoot,
            VerificationBaseUrl = baseUrl,
            PrepareLifetime = Duration(s, "Heads:PrepareLifetime", TimeSpan.FromMinutes(5)),
            HeadSignatureImageFile = File(s, "Heads:SignatureImage", contentRoot),
            Pdftoppm = Value(s, "Previews:Pdftoppm") ?? "pdftoppm",
            MaxUploadBytes = Number(s, "Verify:MaxUploadBytes", 20 * 1024 * 1024, 1024, int.MaxValue),
            VerifyPermitsPerMinute = Number(s, "Verify:PermitsPerMinute", 30, 1, 1_000_000),
            LogDirectory = File(s, "Logging:Directory", contentRoot),
            LogToConsole = Flag(s, "Logging:Console", true),
            PauseAt = FaultPointOf(Value(s, "FaultInjection:PauseAt")),
            Pause = Duration(s, "FaultInjection:Pause", TimeSpan.FromMinutes(2)),
        };
    }

    private static BlobPlacement BlobPlacementOf(string? text, bool postgres) => text?.ToUpperInvariant() switch
    {
        null => postgres ? BlobPlacement.Postgres : BlobPlacement.Files,
        "FILES" => BlobPlacement.Files,
        "POSTGRES" when postgres => BlobPlacement.Postgres,
        "POSTGRES" => throw new SigningException(
            $"{Section}:Storage:Blobs 'postgres' needs {Section}:Storage:PostgresConnectionString; the embedded SQLite registry keeps its blobs in files."),
        _ => throw new SigningException($"{Section}:Storage:Blobs '{text}' is not postgres or files."),
    };

    private static FaultPoint? FaultPointOf(string? text) => text switch
    {
        null => null,
        "seal-commit" => FaultPoint.SealCommit,
        "issue-commit" => FaultPoint.IssueCommit,
        _ => throw new SigningException($"{Section}:FaultInjection:PauseAt '{text}' is not seal-commit or issue-commit."),
    };

    private static string? File(IConfigurationSection s, string key, string root) => Value(s, key) is { } v ? Path.GetFullPath(v, root) : null;

    private static List<string> List(IConfigurationSection s, string key, string root) =>
        s.GetSection(key).GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => Path.GetFullPath(v!.Trim(), root)).ToList();

    // A PIN typed into appsettings would end up in files and logs; only indirections are accepted.
    private static void CheckPinSource(string spec, string key)
    {
        if (!(spec.StartsWith("env:", StringComparison.Ordinal) && spec.Length > 4) && !(spec.StartsWith("file:", StringComparison.Ordinal) && spec.Length > 5))
            throw new SigningException($"{Section}:{key} must be env:NAME or file:/path (a server cannot prompt for a PIN).");
    }

    private static SigningException Missing(string key, string what) => new($"{Section}:{key} is not set: {what}.");
}

/// <summary>Where a test may make the service pause before a commit (<see cref="IssuanceOptions.PauseAt"/>).</summary>
public enum FaultPoint
{
    SealCommit,
    IssueCommit,
}

/// <summary>Where the registry keeps its blobs (the PDFs).</summary>
public enum BlobPlacement
{
    /// <summary>Content-addressed files in the blob folder (with PostgreSQL, a volume every instance shares).</summary>
    Files,

    /// <summary>The PostgreSQL registry's own blobs table.</summary>
    Postgres,
}
