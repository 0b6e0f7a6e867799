using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Validation;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing verify file.pdf [--json]`: every signature's integrity, chain, timestamp and coverage.
/// The exit code follows the report's verdict: 0 PASSED, 2 INDETERMINATE, 3 FAILED; 1 when the file
/// is too damaged to read (not a PDF, a read limit hit), which is a one-line error, not a report.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("file") { Description = "The PDF to verify." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (schema in docs/verification-report.md)." };
        var trust = new Option<string[]>("--trust") { Description = "Trust anchor certificates (PEM, may repeat); default: the dev root.", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("verify", "Verify the signatures of a PDF.") { json, trust };
        cmd.Arguments.Add(input);
        cmd.SetAction(parse =>
        {
            var pdf = SignCommand.ReadInput(parse.GetValue(input)!);
            var report = PdfSignatureVerifier.Verify(pdf, new VerificationPolicy { TrustAnchors = TrustAnchors(parse.GetValue(trust)) });
            Console.WriteLine(parse.GetValue(json) ? report.ToJson() : report.ToText());
            return report.Verdict.ExitCode();
        });
        return cmd;
    }

    internal static X509Certificate2Collection TrustAnchors(string[]? files)
    {
        var anchors = new X509Certificate2Collection();
        if (files is { Length: > 0 })
        {
            foreach (var f in files) anchors.AddRange(KeyResolver.LoadChain(f).ToArray());
            return anchors;
        }

        var devRoot = DevDefaults.Layout.CertificateFile("root-ca");
        if (!File.Exists(devRoot)) throw new SigningException("No trust anchors: give --trust root.pem (or run hsm-config/setup.sh for the dev root).");
        anchors.Add(KeyResolver.LoadCertificate(devRoot));
        return anchors;
    }
}
