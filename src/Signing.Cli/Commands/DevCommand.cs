using System.CommandLine;
using Signing.DevPki;
using Signing.Pkcs11;

namespace Signing.Cli.Commands;

/// <summary>`signing dev init`: the dev token, its keys and the dev PKI, made or brought up to date (idempotent).</summary>
internal static class DevCommand
{
    public static Command Create()
    {
        var module = new Option<string?>("--module") { Description = "PKCS#11 module (default: SIGNING_PKCS11_MODULE or SoftHSM2)" };
        var init = new Command("init", "Create or update the dev token (SoftHSM2), its keys and the dev PKI; safe to run again.") { module };
        init.SetAction(parse =>
        {
            var layout = DevDefaults.Layout;
            Console.WriteLine($"dev material in {layout.Home}");
            using var token = DevTokenSetup.EnsureToken(layout, parse.GetValue(module) ?? DevLayout.ModulePath, m => Console.WriteLine("  " + m));
            var result = new DevPkiBuilder(new Pkcs11DevKeyStore(new Pkcs11KeyStore(token)), layout).Build();
            foreach (var label in result.GeneratedKeys) Console.WriteLine($"  generated key '{label}' on token '{DevLayout.TokenLabel}'");
            foreach (var label in result.IssuedCertificates) Console.WriteLine($"  issued certificate '{label}': {result.Certificates[label].Subject}");
            if (result.GeneratedKeys.Count == 0 && result.IssuedCertificates.Count == 0) Console.WriteLine("  token, keys and certificates were already up to date");
            Console.WriteLine($"  CRLs and certificates in {layout.PkiDirectory}");

            // TLS server and per-role client certificates plus the dev service configuration.
            new DevServiceSetup(layout, new Pkcs11DevKeyStore(new Pkcs11KeyStore(token)), new DevServiceOptions { ModulePath = parse.GetValue(module) ?? DevLayout.ModulePath })
                .Ensure(m => Console.WriteLine("  " + m));
            return 0;
        });
        return new Command("dev", "Development set-up: the dev token and PKI, its revocation and revocation services.")
        {
            init,
            DevRevocationCommands.Revoke(module),
            DevRevocationCommands.Serve(module),
        };
    }
}
