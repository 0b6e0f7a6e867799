using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Core;
using Signing.Pkcs11;
using Spectre.Console;
using CKO = Net.Pkcs11Interop.Common.CKO;
using SlotsType = Net.Pkcs11Interop.Common.SlotsType;

namespace Signing.Agent.Commands;

/// <summary>
/// `signing-agent setup`: first run. Picks the PKCS#11 module (a profile or a path), the token and
/// the signing certificate on it, enrolls the certificate with the service (which checks its
/// chain), and saves the choices. What is not given is asked for when someone is at the terminal
/// and there is a choice; otherwise the command says what to pass.
/// </summary>
internal static class SetupCommand
{
    public static Command Create()
    {
        var service = new Option<string>("--service") { Description = "The service's staff address, e.g. https://signing.example:8443.", Required = true };
        var clientCert = new Option<string>("--client-cert") { Description = "Your TLS client certificate (PKCS#12 file).", Required = true };
        var clientPassword = new Option<string>("--client-cert-password-file") { Description = "File holding the PKCS#12 password (none: no password)." };
        var serverCa = new Option<string[]>("--server-ca") { Description = "CA certificate(s) (PEM) the service's TLS certificate chains to.", Required = true, AllowMultipleArgumentsPerToken = true };
        var module = new Option<string>("--module") { Description = "PKCS#11 module: a profile name from hsm-config/modules.json or the module's path." };
        var tokenOption = new Option<string>("--token") { Description = "The token's label or serial number." };
        var certificateOption = new Option<string>("--certificate") { Description = "The signing certificate: its label on the token or the start of its SHA-256 (hex)." };
        var chain = new Option<string[]>("--chain") { Description = "Extra CA certificates (PEM) to send with the certificate.", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("setup", "First run: choose module, token and certificate, and enroll the certificate with the service.")
        {
            service, clientCert, clientPassword, serverCa, module, tokenOption, certificateOption, chain,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var home = AgentHome.Of(parse);
            var modulePath = ChooseModule(parse.GetValue(module));
            var library = Pkcs11Modules.Get(modulePath);
            var tokenInfo = ChooseToken(library, parse.GetValue(tokenOption));
            using var token = Pkcs11Token.Open(library, Pkcs11Uri.For(serial: tokenInfo.SerialNumber), pinSource: null);
            var store = new Pkcs11KeyStore(token);
            var candidates = store.ListObjects(login: false).Where(o => o.Class == CKO.CKO_CERTIFICATE)
                .Select(o => (Object: o, Certificate: store.FindCertificate(Pkcs11Uri.For(id: Convert.FromHexString(o.IdHex), type: "cert"), login: false)!))
                .ToList();
            var signing = ChooseCertificate(candidates.Where(c => IsSigningCertificate(c.Certificate)).ToList(), parse.GetValue(certificateOption), tokenInfo.Label);
            var chainCertificates = candidates.Where(c => !IsSigningCertificate(c.Certificate)).Select(c => c.Certificate).ToList();
            foreach (var file in parse.GetValue(chain) ?? [])
            {
                var extra = new X509Certificate2Collection();
                extra.ImportFromPemFile(file);
                chainCertificates.AddRange(extra);
            }

            var settings = new AgentSettings
            {
                Service = ServiceAddress(parse.GetValue(service)!),
                ServerCaFiles = (parse.GetValue(serverCa) ?? []).Select(Path.GetFullPath).ToList(),
                ClientCertificate = Path.GetFullPath(parse.GetValue(clientCert)!),
                ClientCertificatePasswordFile = parse.GetValue(clientPassword) is { } pw ? Path.GetFullPath(pw) : null,
                Module = modulePath,
                TokenSerial = tokenInfo.SerialNumber,
                TokenLabel = tokenInfo.Label,
                KeyId = signing.Object.IdHex,
                CertificateSha256 = Convert.ToHexString(SHA256.HashData(signing.Certificate.RawData)),
            };
            using (var client = SigningServiceClient.FromSettings(settings))
            {
                var enrolled = await client.EnrollAsync(signing.Certificate, chainCertificates, ct);
                if (!string.Equals(enrolled, settings.CertificateSha256, StringComparison.OrdinalIgnoreCase))
                    throw new SigningException("The service enrolled another certificate than the one sent; setup was not saved.");
            }

            settings.Save(home);
            Console.WriteLine($"Enrolled '{signing.Certificate.Subject}' on token '{tokenInfo.Label}' (serial {tokenInfo.SerialNumber}) with {settings.Service}.");
            Console.WriteLine($"Settings saved in {Path.Combine(home, AgentSettings.FileName)}. Next: `signing-agent queue`, then `signing-agent sign --all`.");
            return 0;
        });
        return cmd;
    }

    private static Uri ServiceAddress(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.AbsolutePath == "/"
            ? uri
            : throw new SigningException($"--service must be the service's https address without a path (e.g. https://signing.example:8443), not '{text}'.");

    private static string ChooseModule(string? given)
    {
        if (given is { Length: > 0 }) return ModuleProfiles.Resolve(given);
        var installed = ModuleProfiles.Installed().ToList();
        if (installed.Count == 1) return ModuleProfiles.Resolve(installed[0].Name);
        if (installed.Count == 0 || !AgentHome.Interactive)
        {
            throw new SigningException(installed.Count == 0
                ? "No known PKCS#11 module is installed here: give the path of your token's module with --module."
                : $"Several PKCS#11 modules are installed ({string.Join(", ", installed.Select(p => p.Name))}): choose one with --module.");
        }

        var choice = AnsiConsole.Prompt(new SelectionPrompt<ModuleProfile>().Title("Which PKCS#11 module drives your token?")
            .UseConverter(p => $"{p.Name} — {p.Devices}").AddChoices(installed));
        return ModuleProfiles.Resolve(choice.Name);
    }

    private static ITokenInfo ChooseToken(IPkcs11Library library, string? given)
    {
        var tokens = library.GetSlotList(SlotsType.WithTokenPresent).Select(s => s.GetTokenInfo()).Where(t => t.TokenFlags.TokenInitialized).ToList();
        if (given is { Length: > 0 })
        {
            var match = tokens.Where(t => t.Label == given || t.SerialNumber == given).ToList();
            return match.Count switch
            {
                1 => match[0],
                0 => throw new SigningException($"No token '{given}' is present; present: {Names(tokens)}."),
                _ => throw new SigningException($"Several tokens are labelled '{given}': give the serial number instead ({string.Join(", ", match.Select(t => t.SerialNumber))})."),
            };
        }

        if (tokens.Count == 1) return tokens[0];
        if (tokens.Count == 0) throw new SigningException("No token is present: insert your USB token and run setup again.");
        if (!AgentHome.Interactive) throw new SigningException($"Several tokens are present ({Names(tokens)}): choose one with --token.");
        return AnsiConsole.Prompt(new SelectionPrompt<ITokenInfo>().Title("Which token is yours?")
            .UseConverter(t => $"{t.Label} (serial {t.SerialNumber}, {t.Model})").AddChoices(tokens));
    }

    private static string Names(IEnumerable<ITokenInfo> tokens) => string.Join(", ", tokens.Select(t => $"'{t.Label}' (serial {t.SerialNumber})"));

    private static (TokenObject Object, X509Certificate2 Certificate) ChooseCertificate(
        List<(TokenObject Object, X509Certificate2 Certificate)> candidates, string? given, string tokenLabel)
    {
        if (given is { Length: > 0 })
        {
            var match = candidates.Where(c => c.Object.Label == given
                || Convert.ToHexString(SHA256.HashData(c.Certificate.RawData)).StartsWith(given, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 1) return match[0];
            throw new SigningException(match.Count == 0
                ? $"No signing certificate '{given}' on token '{tokenLabel}'; there are: {Describe(candidates)}."
                : $"'{given}' matches several certificates; give more of the SHA-256.");
        }

        if (candidates.Count == 1) return candidates[0];
        if (candidates.Count == 0) throw new SigningException($"Token '{tokenLabel}' holds no valid signing certificate (non-CA, with digitalSignature or nonRepudiation).");
        if (!AgentHome.Interactive) throw new SigningException($"Token '{tokenLabel}' holds several signing certificates ({Describe(candidates)}): choose one with --certificate.");
        return AnsiConsole.Prompt(new SelectionPrompt<(TokenObject Object, X509Certificate2 Certificate)>().Title("Which certificate do you sign with?")
            .UseConverter(c => Markup.Escape($"{c.Certificate.Subject} (until {c.Certificate.NotAfter:yyyy-MM-dd}, label {c.Object.Label})")).AddChoices(candidates));
    }

    private static string Describe(IEnumerable<(TokenObject Object, X509Certificate2 Certificate)> c) =>
        string.Join(", ", c.Select(x => $"'{x.Object.Label}' {Convert.ToHexString(SHA256.HashData(x.Certificate.RawData))[..12]}"));

    /// <summary>An end-entity certificate valid now whose key may sign documents.</summary>
    internal static bool IsSigningCertificate(X509Certificate2 c)
    {
        if (c.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority)) return false;
        if (DateTime.Now < c.NotBefore || DateTime.Now > c.NotAfter) return false;
        var usage = c.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        return usage is null || (usage.KeyUsages & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) != 0;
    }
}
