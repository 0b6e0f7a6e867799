using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Core.Documents;
using Signing.Core.IO;
using Signing.Core.Keys;
using Signing.Core.Timestamps;
using Signing.Fonts;
using Signing.Pkcs11;
using Signing.Storage;
using Signing.Timestamping;
using Signing.Validation;
using Signing.Validation.Policy;

namespace Signing.Issuance;

/// <summary>
/// Everything the issuance API needs, opened and checked once at startup: the registry, the
/// seal key on its token (logged in), the seal certificate and chain, the TSA (built-in or URL,
/// asked for one timestamp), and the trust anchors. Any misconfiguration is a
/// <see cref="SigningException"/> with one line that names the setting, and the service does not start.
/// </summary>
public sealed class IssuanceRuntime : IAsyncDisposable
{
    private static readonly HttpClient TsaHttp = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<Pkcs11Token> _tokens;
    private readonly ITimestampClient _tsaProbe;

    private IssuanceRuntime(IssuanceOptions options, string pdftoppm, DocumentStorage storage, List<Pkcs11Token> tokens, Pkcs11SignatureKey sealKey,
        X509Certificate2 sealCertificate, IReadOnlyList<X509Certificate2> sealChain, ITimestampClient tsa, TsaHealth tsaHealth, ITimestampClient tsaProbe, string tsaDescription,
        X509Certificate2Collection anchors, X509Certificate2Collection intermediates, VerificationPolicy policy, Signing.Seal.IPrintedSealSigner? printedSeal)
    {
        PrintedSeal = printedSeal;
        Options = options;
        Pdftoppm = pdftoppm;
        Storage = storage;
        _tokens = tokens;
        SealKey = sealKey;
        TimedSealKey = IssuanceTelemetry.Timed(sealKey, "seal");
        SealCertificate = sealCertificate;
        SealChain = sealChain;
        Timestamps = new ObservedTimestampClient(IssuanceTelemetry.Timed(tsa), tsaHealth);
        _tsaProbe = tsaProbe;
        TsaDescription = tsaDescription;
        TrustAnchors = anchors;
        Intermediates = intermediates;
        VerificationPolicy = policy;
        SealImage = options.SealImageFile is { } seal ? ReadFile(seal, "Seal:Image") : null;
        HeadSignatureImage = options.HeadSignatureImageFile is { } head ? ReadFile(head, "Heads:SignatureImage") : null;
    }

    public IssuanceOptions Options { get; }

    /// <summary>Signs the printed seal of each rendered result, or null when Signing:PrintedSeal is not set.</summary>
    public Signing.Seal.IPrintedSealSigner? PrintedSeal { get; }

    /// <summary>The full path of the preview rasteriser, found at startup.</summary>
    public string Pdftoppm { get; }

    public DocumentStorage Storage { get; }

    public IDocumentRegistry Registry => Storage.Registry;

    public Pkcs11SignatureKey SealKey { get; }

    /// <summary><see cref="SealKey"/> with each signature timed (what the seal signs with).</summary>
    public ISignatureKey TimedSealKey { get; }

    public Pkcs11Token SealToken => SealKey.Token;

    public X509Certificate2 SealCertificate { get; }

    public IReadOnlyList<X509Certificate2> SealChain { get; }

    /// <summary>The TSA for signatures, seals and document timestamps: an external one waits out outages (Signing:Tsa:RetryFor).</summary>
    public ObservedTimestampClient Timestamps { get; }

    /// <summary>"built-in" or the TSA URL, for health output.</summary>
    public string TsaDescription { get; }

    public X509Certificate2Collection TrustAnchors { get; }

    public X509Certificate2Collection Intermediates { get; }

    /// <summary>How uploads are verified (Signing:Validation); its read limits are set per upload.</summary>
    public VerificationPolicy VerificationPolicy { get; }

    public byte[]? SealImage { get; }

    public byte[]? HeadSignatureImage { get; }

    /// <summary>Opens and checks everything; the first problem is thrown as one line.</summary>
    public static async Task<IssuanceRuntime> OpenAsync(IssuanceOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // What the first request would otherwise find missing: the drawing fonts and the rasteriser.
        Step("Fonts", CheckFonts);
        var pdftoppm = Step("Previews:Pdftoppm", () => ExecutablePath.Find(options.Pdftoppm, "poppler-utils"));
        var anchors = LoadPemFiles(options.TrustAnchorFiles, "TrustAnchors");
        var intermediates = LoadPemFiles(options.IntermediateFiles, "Intermediates");
        var policy = ValidationPolicyReader.Read(options.ValidationPolicyEntries, options.ContentRoot, anchors, "Signing:Validation");

        DocumentStorage storage;
        var blobDirectory = options.BlobDirectory ?? Path.Combine(options.DataDirectory, DocumentStorage.BlobFolderName);
        try
        {
            Directory.CreateDirectory(options.DataDirectory);
            var storageOptions = new StorageOptions { Time = time };
            storage = options.PostgresConnectionString is { } pg
                ? await DocumentStorage.OpenPostgresAsync(pg, options.Blobs == BlobPlacement.Files ? blobDirectory : null, storageOptions, cancellationToken).ConfigureAwait(false)
                : await DocumentStorage.OpenSqliteAsync(options.DataDirectory, storageOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not SigningException and (IOException or UnauthorizedAccessException or System.Data.Common.DbException))
        {
            throw new SigningException($"Signing:Storage: the registry cannot be opened ({OneLine(e.Message)}).");
        }
        catch (SigningException e)
        {
            throw new SigningException($"Signing:Storage: the registry cannot be opened ({OneLine(e.Message)}).");
        }

        try
        {
            await StateFileImport.RunAsync(options.DataDirectory, storage.StateImporter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SigningException or IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            await storage.DisposeAsync().ConfigureAwait(false);
            throw new SigningException($"Signing:DataDirectory: the state files of the old layout cannot be taken into the registry ({OneLine(e.Message)}).");
        }

        if (options.PostgresConnectionString != null && options.Blobs == BlobPlacement.Postgres)
        {
            try
            {
                await storage.ImportBlobFilesAsync(blobDirectory, "blob-import", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SigningException or IOException or UnauthorizedAccessException or System.Data.Common.DbException)
            {
                await storage.DisposeAsync().ConfigureAwait(false);
                throw new SigningException($"Signing:Storage:BlobDirectory: the blob files of the files layout cannot be taken into PostgreSQL ({OneLine(e.Message)}).");
            }
        }

        var tokens = new List<Pkcs11Token>();
        try
        {
            if (!File.Exists(options.Pkcs11Module)) throw new SigningException($"Signing:Pkcs11:Module '{options.Pkcs11Module}' does not exist.");
            var sealUri = ParseUri(options.SealKeyUri, "Seal:KeyUri");
            var sealToken = OpenToken(options.Pkcs11Module, sealUri, options.SealPinSource, "Seal", tokens);
            var sealStore = new Pkcs11KeyStore(sealToken);
            var sealKey = Step("Seal:KeyUri", () => sealStore.GetSignatureKey(sealUri));
            var sealCert = options.SealCertificateFile is { } certFile
                ? LoadCertificate(certFile, "Seal:CertificateFile")
                : Step("Seal:KeyUri", () => sealStore.FindCertificate(Pkcs11Uri.For(obj: sealUri.Object, id: sealUri.Id, type: "cert")))
                  ?? throw new SigningException($"Signing:Seal: no certificate for {sealUri} on the token; set Signing:Seal:CertificateFile.");
            if (!sealCert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(sealKey.ExportSubjectPublicKeyInfo()))
                throw new SigningException($"Signing:Seal: the certificate '{sealCert.Subject}' does not belong to the key {sealUri}.");
            var sealChain = options.SealChainFile is { } chainFile ? LoadPemFiles([chainFile], "Seal:ChainFile").Cast<X509Certificate2>().ToList() : [];

            Signing.Seal.IPrintedSealSigner? printedSeal = null;
            if (options.PrintedSealKeyUri is { } printedUri)
            {
                var uri = ParseUri(printedUri, "PrintedSeal:KeyUri");
                var token = SameToken(sealToken, uri) ? sealToken : OpenToken(options.Pkcs11Module, uri, options.PrintedSealPinSource ?? options.SealPinSource, "PrintedSeal", tokens);
                var store = new Pkcs11KeyStore(token);
                var key = Step("PrintedSeal:KeyUri", () => store.GetSignatureKey(uri));
                var cert = Step("PrintedSeal:KeyUri", () => store.FindCertificate(Pkcs11Uri.For(obj: uri.Object, id: uri.Id, type: "cert")))
                    ?? throw new SigningException($"Signing:PrintedSeal: no certificate for {uri} on the token.");
                printedSeal = Step("PrintedSeal:KeyUri", () => new Signing.Seal.PrintedSealSigner(IssuanceTelemetry.Timed(key, "printed_seal"), cert, options.PrintedSealAgencyId!));
            }

            ITimestampClient tsa;
            ITimestampClient tsaProbe;
            string tsaDescription;
            var tsaHealth = new TsaHealth(TimeProvider.System);
            if (options.TsaUrl is { } url)
            {
                tsa = new Rfc3161Client(TsaHttp, url, new Rfc3161ClientOptions { Patience = options.TsaRetryFor, AttemptFailed = tsaHealth.Failed });
                // Health and startup ask a few times only: they report an outage, they do not wait it out.
                tsaProbe = new Rfc3161Client(TsaHttp, url);
                tsaDescription = url.AbsoluteUri;
            }
            else
            {
                var tsaUri = ParseUri(options.TsaKeyUri!, "Tsa:KeyUri");
                var tsaToken = SameToken(sealToken, tsaUri) ? sealToken : OpenToken(options.Pkcs11Module, tsaUri, options.TsaPinSource ?? options.SealPinSource, "Tsa", tokens);
                var tsaStore = new Pkcs11KeyStore(tsaToken);
                var tsaKey = Step("Tsa:KeyUri", () => tsaStore.GetSignatureKey(tsaUri));
                var tsaCert = options.TsaCertificateFile is { } tc
                    ? LoadCertificate(tc, "Tsa:CertificateFile")
                    : Step("Tsa:KeyUri", () => tsaStore.FindCertificate(Pkcs11Uri.For(obj: tsaUri.Object, id: tsaUri.Id, type: "cert")))
                      ?? throw new SigningException($"Signing:Tsa: no certificate for {tsaUri} on the token; set Signing:Tsa:CertificateFile.");
                var tsaChain = options.TsaChainFile is { } tch ? LoadPemFiles([tch], "Tsa:ChainFile").Cast<X509Certificate2>() : sealChain;
                var serials = new FileSerialNumberSource(Path.Combine(options.DataDirectory, "tsa"));
                var authority = Step("Tsa", () => new TimestampAuthority(IssuanceTelemetry.Timed(tsaKey, "tsa"), tsaCert, tsaChain, serials));
                tsa = tsaProbe = new InProcessTimestampClient(authority);
                tsaDescription = "built-in";
            }

            var runtime = new IssuanceRuntime(options, pdftoppm, storage, tokens, sealKey, sealCert, sealChain, tsa, tsaHealth, tsaProbe, tsaDescription, anchors, intermediates, policy, printedSeal);
            try
            {
                await runtime.ProbeTimestampAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SigningException e)
            {
                throw new SigningException($"Signing:Tsa: the TSA ({tsaDescription}) does not answer with a valid timestamp ({OneLine(e.Message)}).");
            }
            return runtime;
        }
        catch
        {
            foreach (var t in tokens) t.Dispose();
            await storage.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Asks the TSA for one timestamp over a random hash (health and startup).</summary>
    public async Task ProbeTimestampAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await _tsaProbe.GetTokenAsync(RandomNumberGenerator.GetBytes(32), HashAlgorithmName.SHA256, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or CryptographicException)
        {
            throw new TimestampException(OneLine(e.Message));
        }
    }

    private static void CheckFonts()
    {
        try
        {
            LoadBundledFonts();
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new SigningException($"the bundled fonts (Signing.Fonts) cannot be loaded: {OneLine(e.Message)}");
        }
    }

    // Not inlined, so that a missing or damaged Signing.Fonts assembly fails when this is compiled, inside the caller's try.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LoadBundledFonts() => SerifFonts.EnsureAvailable();

    private static Pkcs11Token OpenToken(string module, Pkcs11Uri uri, string pinSpec, string key, List<Pkcs11Token> opened)
    {
        var pin = PinSources.Parse(pinSpec);
        var token = Step($"{key}:KeyUri", () => Pkcs11Token.Open(module, uri.TokenOnly(), pin));
        opened.Add(token);
        // Log in now: a wrong or missing PIN must stop startup, not the first seal.
        Step($"{key}:PinSource", token.Login);
        return token;
    }

    private static bool SameToken(Pkcs11Token token, Pkcs11Uri uri) =>
        (uri.Token == null || uri.Token == token.Info.Label) && (uri.Serial == null || uri.Serial == token.Info.SerialNumber);

    private static Pkcs11Uri ParseUri(string text, string key) => Step(key, () => Pkcs11Uri.Parse(text));

    private static T Step<T>(string key, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is SigningException or CryptographicException or DllNotFoundException or BadImageFormatException)
        {
            throw new SigningException($"Signing:{key}: {OneLine(e.Message)}");
        }
    }

    private static void Step(string key, Action action) => Step<object?>(key, () => { action(); return null; });

    private static X509Certificate2 LoadCertificate(string path, string key)
    {
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new SigningException($"Signing:{key}: cannot read the certificate {path} ({OneLine(e.Message)}).");
        }
    }

    internal static X509Certificate2Collection LoadPemFiles(IEnumerable<string> paths, string key)
    {
        var all = new X509Certificate2Collection();
        foreach (var path in paths)
        {
            var before = all.Count;
            try
            {
                all.ImportFromPemFile(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new SigningException($"Signing:{key}: cannot read PEM certificates from {path} ({OneLine(e.Message)}).");
            }
            if (all.Count == before) throw new SigningException($"Signing:{key}: {path} holds no PEM certificate.");
        }
        return all;
    }

    private static byte[] ReadFile(string path, string key)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SigningException($"Signing:{key}: cannot read {path} ({OneLine(e.Message)}).");
        }
    }

    internal static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    public async ValueTask DisposeAsync()
    {
        foreach (var t in _tokens) t.Dispose();
        await Storage.DisposeAsync().ConfigureAwait(false);
    }
}
