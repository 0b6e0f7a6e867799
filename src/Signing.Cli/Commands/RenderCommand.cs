using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Signing.Core;
using Signing.Core.Decisions;
using Signing.Core.IO;
using Signing.Pdf.Rendering;

namespace Signing.Cli.Commands;

/// <summary><c>signing render decision.json -o result.pdf [--template ID]</c>: an approved decision to a PDF/A-3b result.</summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var decision = new Argument<FileInfo>("decision") { Description = "The approved decision (JSON, schema in docs/rendering.md)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the PDF/A-3b result.", Required = true };
        var template = new Option<string?>("--template") { Description = "Template id; overrides the decision's \"template\"." };
        var templates = new Option<DirectoryInfo?>("--templates") { Description = "Directory of extra template JSON files." };
        var baseUrl = new Option<string?>("--base-url") { Description = "Base of the public verification URL (QR code points to {base}/v/{code})." };
        var code = new Option<string?>("--code") { Description = "Verification code to print (default: derived from the decision and time)." };
        var created = new Option<string?>("--created") { Description = "Issue time to record, ISO 8601 with offset (default: now); same input and time give the same bytes." };
        var previews = new Option<DirectoryInfo?>("--previews") { Description = "Also write page images (pdftoppm -png -r 60) into this directory." };
        var sealKey = new Option<string?>("--seal-key") { Description = "Sign the printed seal in the QR code with this ECDSA P-256 key (PKCS#11 URI; its certificate on the token needs the printed-seal key purpose), e.g. pkcs11:token=signing-dev;object=seal-qr;type=private." };
        var agencyId = new Option<string?>("--agency-id") { Description = $"The issuing agency's identifier in the seal (default for the dev token: {Signing.DevPki.DevLayout.PrintedSealAgencyId})." };
        var pin = new Option<string?>("--pin-source") { Description = "PIN source for --seal-key: env:NAME, file:/path or prompt (default: the dev token's PIN file)." };

        var cmd = new Command("render", "Render an approved decision as a PDF/A-3b result (Decree 30/2020 layout).");
        cmd.Arguments.Add(decision);
        foreach (var o in new Option[] { output, template, templates, baseUrl, code, created, previews, sealKey, agencyId, pin }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var input = parse.GetValue(decision)!;
            var outFile = parse.GetValue(output)!;
            var options = new RenderOptions
            {
                TemplateOverride = parse.GetValue(template),
                TemplateDirectory = parse.GetValue(templates)?.FullName,
                VerificationCode = parse.GetValue(code),
                Clock = parse.GetValue(created) is { } c ? new FixedClock(ParseTime(c)) : TimeProvider.System,
            };
            if (parse.GetValue(baseUrl) is { } url)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme != Uri.UriSchemeHttps && u.Scheme != Uri.UriSchemeHttp)
                {
                    throw new SigningException($"--base-url must be an absolute http(s) URL, got \"{url}\"");
                }

                options = options with { VerificationBaseUrl = u };
            }

            var loaded = DecisionJson.Load(input.FullName);
            using var seal = parse.GetValue(sealKey) is { } uri ? KeyResolver.Resolve(uri, null, parse.GetValue(pin), null, null) : null;
            if (seal != null)
            {
                var id = parse.GetValue(agencyId) ?? (seal.Token.Info.Label == Signing.DevPki.DevLayout.TokenLabel ? Signing.DevPki.DevLayout.PrintedSealAgencyId
                    : throw new SigningException("--seal-key needs --agency-id, the issuing agency's identifier in the seal"));
                options = options with { Seal = new Signing.Seal.PrintedSealSigner(seal.Key, seal.Certificate, id) };
            }

            var result = ResultRenderer.Render(loaded, options);
            AtomicFile.Write(outFile.FullName, result.Pdf);
            Console.WriteLine($"{outFile.FullName}: {result.PageCount} page(s), verification code {result.VerificationCode}");
            if (parse.GetValue(previews) is { } dir) WritePreviews(outFile.FullName, dir.FullName);
            return 0;
        });
        return cmd;
    }

    private static DateTimeOffset ParseTime(string s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) && s.Length > 10
            ? t
            : throw new SigningException($"--created must be an ISO 8601 time with offset, e.g. 2024-03-05T09:00:00+07:00; got \"{s}\"");

    internal static void WritePreviews(string pdf, string dir)
    {
        Directory.CreateDirectory(dir);
        var prefix = Path.Combine(dir, Path.GetFileNameWithoutExtension(pdf));
        var psi = new ProcessStartInfo("pdftoppm") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-png", "-r", "60", pdf, prefix }) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new SigningException("could not start pdftoppm");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new SigningException("--previews needs pdftoppm (poppler-utils) on the PATH");
        }

        using (p)
        {
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new SigningException($"pdftoppm failed: {err.ReplaceLineEndings(" ").Trim()}");
        }

        Console.WriteLine($"previews: {prefix}-*.png");
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
