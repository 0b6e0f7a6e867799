using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Signing.Timestamping;
using Signing.Timestamping.Http;

namespace Signing.Cli.Commands;

/// <summary>`signing tsa serve`: the built-in RFC 3161 TSA over HTTP, signing on the dev token.</summary>
internal static class TsaCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8318";

    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Address to listen on", DefaultValueFactory = _ => DefaultUrl };
        var module = new Option<string?>("--module") { Description = "PKCS#11 module (default: SoftHSM2 dev token)" };
        var pin = new Option<string?>("--pin-source") { Description = "env:NAME, file:/path or prompt (default: the dev token's PIN file)" };
        var serve = new Command("serve", "Serve RFC 3161 timestamps (POST application/timestamp-query to /tsa).") { url, module, pin };
        serve.SetAction(async (parse, ct) =>
        {
            using var dev = DevServices.Open(parse.GetValue(module), parse.GetValue(pin));
            var tsa = dev.TimestampAuthority();
            dev.Token.Login(); // fail now on a wrong PIN, not at the first request
            var address = parse.GetValue(url)!;
            await using var app = TimestampHttpServer.Build(tsa, address);
            await app.StartAsync(ct);
            Console.WriteLine($"TSA listening on {address}/tsa (policy {tsa.Policy.Value}); Ctrl-C to stop");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return new Command("tsa", "The built-in RFC 3161 time-stamping authority.") { serve };
    }
}
