using System.CommandLine;
using System.Security.Cryptography;
using Signing.Core.IO;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing timestamp file -o file.tst [--tsa URL]`: an RFC 3161 timestamp token (DER) over the
/// file's SHA-256, checked before it is written. `openssl ts -verify -data file -in file.tst -token_in` judges it.
/// </summary>
internal static class TimestampCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("file") { Description = "The file to timestamp." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the DER TimeStampToken.", Required = true };
        var tsa = new Option<string?>("--tsa") { Description = "RFC 3161 TSA URL (default: the built-in dev TSA, in process)." };
        var cmd = new Command("timestamp", "Get an RFC 3161 timestamp token for a file.") { output, tsa };
        cmd.Arguments.Add(input);
        cmd.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(input)!;
            if (!file.Exists) throw new Core.SigningException($"Input file not found: {file.FullName}");
            byte[] hash;
            await using (var stream = file.OpenRead()) hash = await SHA256.HashDataAsync(stream, ct);
            using var dev = parse.GetValue(tsa) == null ? DevServices.Open() : null;
            var token = await TimestampClients.Create(parse.GetValue(tsa), dev).GetTokenAsync(hash, HashAlgorithmName.SHA256, ct);
            var outFile = parse.GetValue(output)!.FullName;
            AtomicFile.Write(outFile, token);
            Console.WriteLine($"{outFile}: RFC 3161 token over SHA-256 {Convert.ToHexStringLower(hash)}");
            return 0;
        });
        return cmd;
    }
}
