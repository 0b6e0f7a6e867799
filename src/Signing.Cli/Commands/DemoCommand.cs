using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Signing.Core.Decisions;
using Signing.Core.IO;
using Signing.DevPki;
using Signing.Pades;
using Signing.Pades.Appearance;
using Signing.Validation;
using Signing.Pdf.Rendering;
using Signing.Timestamping;
using Signing.Timestamping.Http;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing demo`: the main job on the embedded default. Renders every sample decision as a
/// PDF/A-3b result, signs it as the department head and then with the agency seal on the dev
/// token, timestamps both signatures with the built-in TSA over loopback HTTP (PAdES B-T),
/// verifies the results and says where they are.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Output directory (default: <SIGNING_HOME>/demo)." };
        var samples = new Option<DirectoryInfo?>("--samples") { Description = "Decision JSON files to use (default: the samples built into the CLI)." };
        var previews = new Option<DirectoryInfo?>("--previews") { Description = "Also write page images of the signed results here (pdftoppm)." };
        var cmd = new Command("demo", "Render, sign (head, then seal), timestamp and verify the sample decisions on the dev token.") { outDir, samples, previews };
        cmd.SetAction(async (parse, ct) =>
        {
            using var dev = DevServices.Open();
            var inputs = SampleDecisions.Read(parse.GetValue(samples));
            var output = parse.GetValue(outDir)?.FullName ?? Path.Combine(dev.Layout.Home, "demo");
            Directory.CreateDirectory(output);
            var signatureImage = DevSamples.SignatureImage;
            var sealImage = DevSamples.SealImage;

            // The built-in TSA, served on loopback so the signatures go through the real RFC 3161 protocol.
            await using var tsaApp = TimestampHttpServer.Build(dev.TimestampAuthority(), "http://127.0.0.1:0");
            await tsaApp.StartAsync(ct);
            var tsaUrl = tsaApp.Urls.First() + "/tsa";
            var tsa = TimestampClients.Create(tsaUrl, null);

            using var head = KeyResolver.Resolve("pkcs11:token=signing-dev;object=head;type=private", null, null, null, null);
            using var seal = KeyResolver.Resolve("pkcs11:token=signing-dev;object=seal;type=private", null, null, null, null);
            using var printedSeal = KeyResolver.Resolve($"pkcs11:token=signing-dev;object={DevLayout.PrintedSealLabel};type=private", null, null, null, null);
            var sealSigner = new Signing.Seal.PrintedSealSigner(printedSeal.Key, printedSeal.Certificate, DevLayout.PrintedSealAgencyId);
            var anchors = VerifyCommand.TrustAnchors(null);
            Console.WriteLine($"dev token '{head.Token.Info.Label}', TSA {tsaUrl}");

            var failures = 0;
            foreach (var (name, json) in inputs)
            {
                var decision = DecisionJson.Parse(json);
                var rendered = ResultRenderer.Render(decision, new RenderOptions { Seal = sealSigner });
                var headSigned = await PadesSigner.SignAsync(rendered.Pdf, Request(head, rendered.HeadSlot, new SignatureAppearance { SignatureImagePng = signatureImage, ShowSigningTime = false }, "Ký duyệt", decision.Place), head.Key, tsa, TimeProvider.System, ct);
                var sealed_ = await PadesSigner.SignAsync(headSigned, Request(seal, rendered.SealSlot, new SignatureAppearance { SealImagePng = sealImage, AgencyName = decision.IssuingAgency }, "Đóng dấu ban hành", decision.Place), seal.Key, tsa, TimeProvider.System, ct);
                var file = Path.Combine(output, name + ".pdf");
                AtomicFile.Write(file, sealed_);
                var report = PdfSignatureVerifier.Verify(sealed_, new VerificationPolicy { TrustAnchors = anchors });
                if (report.Verdict != Verdict.PASSED) failures++;
                var levels = string.Join(", ", report.Signatures.Select(s => $"{s.FieldName} {s.PadesLevel} {s.Indication}"));
                Console.WriteLine($"{file}: code {rendered.VerificationCode}, {rendered.PageCount} page(s), {levels}");
                if (parse.GetValue(previews) is { } dir) RenderCommand.WritePreviews(file, dir.FullName);
            }

            await tsaApp.StopAsync(ct);
            Console.WriteLine($"done: {inputs.Count} results in {output}; check one with: pdfsig -nssdir sql:{dev.Layout.NssDatabase} {Path.Combine(output, "quyet-dinh.pdf")}");
            return failures == 0 ? 0 : 3;
        });
        return cmd;
    }

    private static SignatureRequest Request(ResolvedSigner signer, SignatureSlot slot, SignatureAppearance appearance, string reason, string location) => new()
    {
        SignerCertificate = signer.Certificate,
        Chain = signer.Chain,
        PageIndex = slot.PageIndex,
        Placement = new SignaturePlacement(slot.X, slot.Y, slot.Width, slot.Height),
        Appearance = appearance,
        SignerName = signer.Certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false),
        Reason = reason,
        Location = location,
    };
}
