using System.CommandLine;
using System.Globalization;
using Signing.Core;
using Signing.Core.IO;
using Signing.Pades;
using Signing.Pades.Appearance;
using Signing.Pades.LongTerm;
using Signing.Revocation;
using Signing.Validation.Modifications;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing sign in.pdf -o out.pdf --key pkcs11:...`: one PAdES signature (B-T with a timestamp)
/// appended as an incremental update; the input's bytes stay as they are.
/// </summary>
internal static class SignCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("input") { Description = "The PDF to sign." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the signed PDF.", Required = true };
        var key = new Option<string>("--key") { Description = "The signing key, an RFC 7512 URI (pkcs11:token=...;object=...;type=private).", Required = true };
        var module = new Option<string?>("--module") { Description = "PKCS#11 module (default: the URI's module-path, SIGNING_PKCS11_MODULE, SoftHSM2)." };
        var pin = new Option<string?>("--pin-source") { Description = "env:NAME, file:/path or prompt (default: the dev token's PIN file, for the dev token only)." };
        var cert = new Option<string?>("--cert") { Description = "Signer certificate (PEM/DER); default: the one on the token next to the key." };
        var chain = new Option<string?>("--chain") { Description = "PEM bundle of the CA certificates to embed; default: the dev chain for the dev token." };
        var image = new Option<FileInfo?>("--image") { Description = "Handwritten-signature image (transparent PNG)." };
        var seal = new Option<FileInfo?>("--seal") { Description = "Agency seal image (red, transparent PNG, real size)." };
        var agency = new Option<string?>("--agency") { Description = "Agency name shown with the signing time (the seal's visible information)." };
        var rect = new Option<string?>("--rect") { Description = "Visible signature rectangle x,y,width,height in PDF points from the bottom left." };
        var page = new Option<int>("--page") { Description = "Page of the signature (1-based).", DefaultValueFactory = _ => 1 };
        var reason = new Option<string?>("--reason") { Description = "Reason (/Reason)." };
        var location = new Option<string?>("--location") { Description = "Place of signing (/Location)." };
        var field = new Option<string?>("--field") { Description = "Name of the new signature field." };
        var tsa = new Option<string?>("--tsa") { Description = "RFC 3161 TSA URL (default: the built-in dev TSA, in process)." };
        var noTimestamp = new Option<bool>("--no-timestamp") { Description = "Make a PAdES B-B signature without a timestamp (the same as --level B-B)." };
        var level = new Option<string>("--level") { Description = "PAdES level: B-B, B-T (default), B-LT (adds a /DSS with OCSP/CRL data) or B-LTA (then a document timestamp and its own data).", DefaultValueFactory = _ => "B-T" };
        level.AcceptOnlyFromAmong("B-B", "B-T", "B-LT", "B-LTA");
        var pss = new Option<bool>("--pss") { Description = "RSA-PSS instead of PKCS#1 v1.5 (RSA keys)." };
        var certify = new Option<string>("--certify")
        {
            Description = "DocMDP level the first signature of a document certifies with: 1 (no changes), 2 (form filling and signing), 3 (also annotations) or none.",
            DefaultValueFactory = _ => "2",
        };
        certify.AcceptOnlyFromAmong("1", "2", "3", "none");

        var cmd = new Command("sign", "Sign a PDF with a PKCS#11 key: PAdES (ETSI.CAdES.detached), B-T by default.");
        cmd.Arguments.Add(input);
        foreach (var o in new Option[] { output, key, module, pin, cert, chain, image, seal, agency, rect, page, reason, location, field, tsa, noTimestamp, level, pss, certify }) cmd.Options.Add(o);
        cmd.SetAction(async (parse, ct) =>
        {
            var pdf = ReadInput(parse.GetValue(input)!);
            var padesLevel = parse.GetValue(noTimestamp) ? PadesLevel.BB : LongTermUpdate.Parse(parse.GetValue(level)!);
            if (parse.GetValue(noTimestamp) && parse.GetValue(level) is not ("B-T" or "B-B")) throw new SigningException("--no-timestamp makes B-B; it cannot be combined with --level " + parse.GetValue(level) + ".");
            var placement = ParseRect(parse.GetValue(rect));
            var appearance = Appearance(parse.GetValue(image), parse.GetValue(seal), parse.GetValue(agency));
            if (placement == null && appearance is { SignatureImagePng: not null } or { SealImagePng: not null })
            {
                throw new SigningException("--image and --seal need --rect to place them.");
            }

            if (placement == null && appearance != null) placement = SignaturePlacement.TopRight(200, 40); // the text-only variant for attachments and copies

            using var signer = KeyResolver.Resolve(parse.GetValue(key)!, parse.GetValue(module), parse.GetValue(pin), parse.GetValue(cert), parse.GetValue(chain));
            var needsDev = padesLevel >= PadesLevel.BLT || (padesLevel == PadesLevel.BT && parse.GetValue(tsa) == null);
            using var dev = needsDev && (parse.GetValue(tsa) == null || File.Exists(DevDefaults.Layout.SoftHsmConfig)) ? DevServices.Open(parse.GetValue(module), null) : null;
            var tsaClient = padesLevel == PadesLevel.BB ? null : TimestampClients.Create(parse.GetValue(tsa), dev);
            var request = new SignatureRequest
            {
                SignerCertificate = signer.Certificate,
                Chain = signer.Chain,
                FieldName = parse.GetValue(field),
                PageIndex = parse.GetValue(page) - 1,
                Placement = placement,
                Appearance = appearance,
                SignerName = signer.Certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false),
                Reason = parse.GetValue(reason),
                Location = parse.GetValue(location),
                Scheme = parse.GetValue(pss) ? Cms.SignatureScheme.RsaPss : null,
                ReserveTimestamp = tsaClient != null,
                CertifyIfFirst = parse.GetValue(certify) is "none" ? null : (DocMdpPermission)int.Parse(parse.GetValue(certify)!, CultureInfo.InvariantCulture),
            };
            var signed = await PadesSigner.SignAsync(pdf, request, signer.Key, tsaClient, TimeProvider.System, ct);
            if (padesLevel >= PadesLevel.BLT)
            {
                // The certificates' own OCSP/CRL URLs first; for dev certificates the dev responders in process when nothing serves them.
                using var online = new OnlineRevocationSource();
                IRevocationSource source = dev is null ? online : new FirstAnswerSource(online, new DevPki.DevRevocationSource(new DevPki.DevOcspResponder(new DevPki.Pkcs11DevKeyStore(dev.Store), dev.Layout), new DevPki.Pkcs11DevKeyStore(dev.Store)));
                signed = await LongTermUpdate.ExtendAsync(signed, padesLevel, source, tsaClient, TimeProvider.System, ct);
            }

            var outFile = parse.GetValue(output)!.FullName;
            AtomicFile.Write(outFile, signed);
            Console.WriteLine($"{outFile}: signed by {request.SignerName} (PAdES {LongTermUpdate.Name(padesLevel)})");
            return 0;
        });
        return cmd;
    }

    internal static byte[] ReadInput(FileInfo file)
    {
        if (!file.Exists) throw new SigningException($"Input file not found: {file.FullName}");
        return File.ReadAllBytes(file.FullName);
    }

    internal static SignatureAppearance? Appearance(FileInfo? image, FileInfo? seal, string? agency)
    {
        if (image == null && seal == null && agency == null) return null;
        return new SignatureAppearance
        {
            SignatureImagePng = image != null ? ReadInput(image) : null,
            SealImagePng = seal != null ? ReadInput(seal) : null,
            AgencyName = agency,
        };
    }

    private static SignaturePlacement? ParseRect(string? value)
    {
        if (value == null) return null;
        var parts = value.Split(',');
        var numbers = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN).ToArray();
        if (numbers.Length != 4 || numbers.Any(double.IsNaN) || numbers[2] <= 0 || numbers[3] <= 0)
        {
            throw new SigningException($"--rect must be x,y,width,height in points with a positive width and height, got \"{value}\".");
        }

        return new SignaturePlacement(numbers[0], numbers[1], numbers[2], numbers[3]);
    }
}
