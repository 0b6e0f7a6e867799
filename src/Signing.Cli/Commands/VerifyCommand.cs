using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Validation;
using Signing.Validation.Policy;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing verify file.pdf [--json] [--trust root.pem] [--policy policy.json] [--at TIME] [--offline]`: every signature's
/// integrity, chain, timestamp and coverage, under the validation policy (docs/verification-report.md,
/// "Validation policy"). The exit code follows the report's verdict: 0 PASSED, 2 INDETERMINATE,
/// 3 FAILED; 1 when the policy or anchors cannot be read (before anything is verified) or the file is
/// too damaged to read (not a PDF, a read limit hit), which is a one-line error, not a report.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("file") { Description = "The PDF to verify." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (schema in docs/verification-report.md)." };
        var trust = new Option<string[]>("--trust") { Description = "Trust anchor certificates (PEM, may repeat); default: the dev root.", AllowMultipleArgumentsPerToken = true };
        var policyFile = new Option<FileInfo>("--policy") { Description = "Validation policy JSON (anchors per purpose, key usage, crypto constraints); what it leaves out keeps the built-in default." };
        var at = new Option<string?>("--at") { Description = "Validate at this time (ISO 8601), past or future, instead of now." };
        var offline = new Option<bool>("--offline") { Description = "Use only what the file carries (its /DSS) and the trust anchors: nothing is fetched." };
        var cmd = new Command("verify", "Verify the signatures of a PDF.") { json, trust, policyFile, at, offline };
        cmd.Arguments.Add(input);
        cmd.SetAction(parse =>
        {
            // The policy first: a bad policy file stops before any input is read or output written.
            var policy = Policy(parse.GetValue(policyFile), parse.GetValue(trust));
            if (DevRevocationCommands.ParseTime(parse.GetValue(at), "--at") is { } time) policy = policy with { ValidationTime = time };
            if (parse.GetValue(offline)) policy = policy with { Revocation = policy.Revocation with { ForceOffline = true } };
            var pdf = SignCommand.ReadInput(parse.GetValue(input)!);
            var report = PdfSignatureVerifier.Verify(pdf, policy);
            Console.WriteLine(parse.GetValue(json) ? report.ToJson() : report.ToText());
            return report.Verdict.ExitCode();
        });
        return cmd;
    }

    /// <summary>The policy file's policy, with --trust (or the dev root, when set up) for anchors it leaves out; without a file the built-in default.</summary>
    internal static VerificationPolicy Policy(FileInfo? file, string[]? trust)
    {
        if (file is null) return new VerificationPolicy { TrustAnchors = TrustAnchors(trust) };
        var fallback = trust is { Length: > 0 } || File.Exists(DevDefaults.Layout.CertificateFile("root-ca")) ? TrustAnchors(trust) : null;
        return ValidationPolicyReader.ReadFile(file.FullName, fallback);
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
