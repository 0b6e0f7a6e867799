using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Signing.Core;
using Signing.DevPki;
using Signing.Revocation;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing dev revoke NAME` and `signing dev serve-revocation`: the dev PKI's revocation, as a CA
/// would run it: CRLs at the certificates' distribution points, OCSP at their AIA, CA certificates at caIssuers.
/// </summary>
internal static class DevRevocationCommands
{
    public const string DefaultUrl = "http://127.0.0.1:8480";

    public static Command Revoke(Option<string?> module)
    {
        var name = new Argument<string>("NAME") { Description = "a dev key label (head, seal, signer2, tsa, issuing-ca, ...), a staff client certificate (counter-staff, admin, ...) or a PEM file" };
        var reason = new Option<string?>("--reason") { Description = "RFC 5280 reason: " + string.Join(", ", Reasons.All) };
        var at = new Option<string?>("--at") { Description = "revocation time, ISO 8601 (default: now)" };
        var command = new Command("revoke", "Revoke a dev certificate: list it on its CA's CRL (the dev OCSP responder answers from it).") { name, reason, at, module };
        command.SetAction(parse =>
        {
            var reasonCode = ParseReason(parse.GetValue(reason));
            var time = ParseTime(parse.GetValue(at), "--at");
            using var dev = DevServices.Open(parse.GetValue(module));
            var store = new Pkcs11DevKeyStore(dev.Store);
            var certificate = Find(parse.GetValue(name)!, store, dev.Layout);
            var builder = new DevPkiBuilder(store, dev.Layout);
            var (ca, _, _) = builder.IssuerOf(certificate);
            Console.WriteLine(builder.Revoke(certificate, reasonCode, time)
                ? $"revoked '{certificate.Subject}' (serial {certificate.SerialNumber}) on {dev.Layout.CrlFile(ca)}"
                : $"'{certificate.Subject}' (serial {certificate.SerialNumber}) was already revoked; nothing changed");
            return 0;
        });
        return command;
    }

    public static Command Serve(Option<string?> module)
    {
        var url = new Option<string>("--url") { Description = "Address to listen on (the dev certificates name port 8480)", DefaultValueFactory = _ => DefaultUrl };
        var pin = new Option<string?>("--pin-source") { Description = "env:NAME, file:/path or prompt (default: the dev token's PIN file)" };
        var command = new Command("serve-revocation", "Serve the dev CAs' CRLs (/crl/<ca>.crl), CA certificates (/ca/<ca>.cer) and OCSP responders (/ocsp/<ca>).") { url, module, pin };
        command.SetAction(async (parse, ct) =>
        {
            using var dev = DevServices.Open(parse.GetValue(module), parse.GetValue(pin));
            dev.Token.Login(); // fail now on a wrong PIN, not at the first request
            var store = new Pkcs11DevKeyStore(dev.Store);
            var address = parse.GetValue(url)!;
            await using var app = DevRevocationServer.Build(new DevOcspResponder(store, dev.Layout), dev.Layout, store, address);
            await app.StartAsync(ct);
            Console.WriteLine($"dev revocation listening on {address} (/crl/<ca>.crl, /ca/<ca>.cer, /ocsp/<ca>); Ctrl-C to stop");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    private static X509Certificate2 Find(string name, IDevKeyStore store, DevLayout layout)
    {
        if (DevLayout.Keys.Any(k => k.Label == name))
        {
            return store.FindCertificate(name) ?? throw new SigningException($"The dev certificate '{name}' does not exist yet; run `signing dev init`.");
        }

        if (DevServiceSetup.Roles.FirstOrDefault(r => r.FileName == name) is { } role)
        {
            var path = new DevServiceSetup(layout, store).ClientPkcs12(role);
            var loaded = DevServiceSetup.Load(path) ?? throw new SigningException($"The staff client certificate {path} is missing or unreadable; run `signing dev init`.");
            return X509CertificateLoader.LoadCertificate(loaded.RawData);
        }

        if (File.Exists(name))
        {
            try
            {
                return X509CertificateLoader.LoadCertificateFromFile(name);
            }
            catch (CryptographicException e)
            {
                throw new SigningException($"{name} is not a certificate ({e.Message.ReplaceLineEndings(" ")}).");
            }
        }

        throw new SigningException($"'{name}' is neither a dev key label ({string.Join(", ", DevLayout.Keys.Select(k => k.Label))}), a staff client certificate ({string.Join(", ", DevServiceSetup.Roles.Select(r => r.FileName))}) nor a certificate file.");
    }

    private static X509RevocationReason? ParseReason(string? text)
    {
        if (text is null) return null;
        if (Reasons.Code(text) is { } code) return (X509RevocationReason)code;
        throw new SigningException($"--reason '{text}' is not one of {string.Join(", ", Reasons.All)}.");
    }

    internal static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (text is null) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw new SigningException($"{option} '{text}' is not a time (ISO 8601, e.g. 2026-12-01T10:00:00+07:00).");
    }
}
