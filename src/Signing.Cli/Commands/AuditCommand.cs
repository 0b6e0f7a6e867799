using System.CommandLine;
using Signing.Core;
using Signing.Core.Documents;
using Signing.Storage;
using Signing.Validation;

namespace Signing.Cli.Commands;

/// <summary>
/// `signing audit verify`: walks the registry's hash-chained audit log, checks every TSA anchor
/// (docs/service.md, "The audit trail"), and names the first broken record or failing anchor.
/// </summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory of an SQLite registry (holds signing.db)" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string of the registry (or env:NAME to read it from a variable)" };
        var trust = new Option<string[]>("--trust") { Description = "TSA trust anchor certificates (PEM, may repeat) for the anchors' tokens; default: the dev root.", AllowMultipleArgumentsPerToken = true };
        var policyFile = new Option<FileInfo>("--policy") { Description = "Validation policy JSON (its TimestampTrustAnchors and revocation rules judge the anchors' tokens)." };
        var maxUnanchored = new Option<long?>("--max-unanchored") { Description = "Fail when more than this many records at the end of the log are not covered by a good anchor." };
        var verify = new Command("verify", "Check the audit chain and its TSA anchors: prints \"audit chain OK: N records\" and how far it is anchored, or the first problem and exits 1.")
        {
            dataDir, postgres, trust, policyFile, maxUnanchored,
        };
        verify.SetAction(async (parse, ct) =>
        {
            var dir = parse.GetValue(dataDir);
            var conn = ConnectionString(parse.GetValue(postgres));
            if (string.IsNullOrWhiteSpace(dir) == string.IsNullOrWhiteSpace(conn))
                throw new SigningException("give exactly one of --data-dir DIR or --postgres CONNSTRING");
            if (parse.GetValue(maxUnanchored) is < 0) throw new SigningException("--max-unanchored must not be negative");

            // Trust is read only when there is an anchor to judge: a log without anchors needs none.
            var tokens = new LazyTokenCheck(() => new AuditAnchorTokenCheck(VerifyCommand.Policy(parse.GetValue(policyFile), parse.GetValue(trust))));
            await using var audit = await DocumentStorage.OpenAuditLogAsync(dir, conn, ct);
            var result = await audit.Log.VerifyAsync(tokens, ct);
            if (result.Problem is { } problem)
            {
                Console.Error.WriteLine($"audit chain BROKEN at seq {problem.Seq} ({problem.Kind.ToString().ToLowerInvariant()}): {problem.Message}");
                return CliRunner.UserError;
            }

            Console.WriteLine($"audit chain OK: {result.RecordCount} records, head {result.HeadHash}");
            var anchoring = result.Anchoring!;
            Console.WriteLine(anchoring.Describe());
            var tail = anchoring.UnanchoredFrom is { } from ? result.RecordCount - from + 1 : 0;
            if (parse.GetValue(maxUnanchored) is { } max && tail > max)
            {
                Console.Error.WriteLine($"audit chain NOT ANCHORED enough: the last {tail} records (from seq {anchoring.UnanchoredFrom}) have no good anchor, more than --max-unanchored {max}");
                return CliRunner.UserError;
            }

            return 0;
        });
        return new Command("audit", "The registry's tamper-evident audit log.") { verify };
    }

    /// <summary>Keeps passwords off the command line when wanted: "env:NAME" reads the string from a variable.</summary>
    private static string? ConnectionString(string? value)
    {
        if (value is null || !value.StartsWith("env:", StringComparison.Ordinal)) return value;
        var name = value[4..];
        var fromEnv = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(fromEnv) ? throw new SigningException($"environment variable {name} is not set") : fromEnv;
    }

    private sealed class LazyTokenCheck(Func<IAuditAnchorTokenCheck> create) : IAuditAnchorTokenCheck
    {
        private IAuditAnchorTokenCheck? _check;

        public AuditAnchorTokenVerdict Check(byte[] token, byte[] expectedImprint) => (_check ??= create()).Check(token, expectedImprint);
    }
}
