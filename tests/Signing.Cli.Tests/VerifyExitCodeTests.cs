using System.Text.Json;
using Signing.Testing;

namespace Signing.Cli.Tests;

/// <summary>
/// `signing verify --json` on hostile files, as the real executable: the exit code is the verdict
/// (0 PASSED, 2 INDETERMINATE, 3 FAILED) with a report on stdout, or 1 with one line on stderr for a
/// file too damaged to read. Never 70: an internal error is a bug, not an answer.
/// </summary>
[Collection("cli")]
public sealed class VerifyExitCodeTests(Workspace ws) : IClassFixture<Workspace>
{
    private const string Head = "pkcs11:token=signing-dev;object=head;type=private";

    /// <summary>Runs verify --json and checks the contract; returns the exit code.</summary>
    private static int AssertVerifyContract(string file)
    {
        var r = Cli.Run("verify", file, "--json");
        Assert.True(r.ExitCode is 0 or 1 or 2 or 3, $"{Path.GetFileName(file)}: exit {r.ExitCode}\n{r.All}");
        if (r.ExitCode == 1)
        {
            Cli.AssertOneLineError(r, 1, "");
            Assert.DoesNotContain("internal error", r.StdErr, StringComparison.Ordinal);
            return 1;
        }

        using var json = JsonDocument.Parse(r.StdOut);
        var verdict = json.RootElement.GetProperty("verdict").GetString();
        Assert.Equal(3, json.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.True((verdict, r.ExitCode) is ("PASSED", 0) or ("INDETERMINATE", 2) or ("FAILED", 3), $"{Path.GetFileName(file)}: verdict {verdict}, exit {r.ExitCode}");
        return r.ExitCode;
    }

    [Fact]
    public void Exit_code_follows_the_verdict_for_passed_failed_and_unsigned_files()
    {
        var signed = ws.PathOf("exit-signed.pdf");
        Assert.Equal(0, Cli.Run("sign", ws.Unsigned, "-o", signed, "--key", Head).ExitCode);
        Assert.Equal(0, AssertVerifyContract(signed));
        Assert.Equal(2, AssertVerifyContract(ws.Unsigned)); // no signature: nothing vouches for it

        var bytes = File.ReadAllBytes(signed);
        bytes[2000] ^= 0x01;
        var flipped = ws.PathOf("exit-flipped.pdf");
        File.WriteAllBytes(flipped, bytes);
        Assert.Equal(3, AssertVerifyContract(flipped));
    }

    [Fact]
    public void Truncated_garbage_and_empty_files_are_a_verdict_or_a_one_line_refusal()
    {
        var signed = ws.PathOf("hostile-signed.pdf");
        Assert.Equal(0, Cli.Run("sign", ws.Unsigned, "-o", signed, "--key", Head).ExitCode);
        var bytes = File.ReadAllBytes(signed);
        var random = new Random(20261201);
        var garbage = new byte[4096];
        random.NextBytes(garbage);
        var cases = new Dictionary<string, byte[]>
        {
            ["empty"] = [],
            ["garbage"] = garbage,
            ["header-only"] = "%PDF-1.7\n"u8.ToArray(),
            ["header-then-garbage"] = [.. "%PDF-1.7\n"u8, .. garbage],
            ["cut-after-first-revision"] = bytes.AsSpan(0, File.ReadAllBytes(ws.Unsigned).Length - 1).ToArray(),
            ["cut-in-the-signature"] = bytes.AsSpan(0, bytes.Length * 3 / 4).ToArray(),
            ["cut-before-eof"] = bytes.AsSpan(0, bytes.Length - 8).ToArray(),
            ["garbage-appended"] = [.. bytes, .. garbage],
            ["nul-in-the-xref"] = Overwrite(bytes, bytes.Length - 200, new byte[40]),
        };
        var exits = new Dictionary<string, int>();
        foreach (var (name, content) in cases)
        {
            var path = ws.PathOf($"hostile-{name}.pdf");
            File.WriteAllBytes(path, content);
            exits[name] = AssertVerifyContract(path);
        }

        Assert.Equal(1, exits["empty"]);
        Assert.Equal(1, exits["garbage"]);
        // Bytes after the signed revision: a finding (3), or no readable end of file at all (1); never a pass.
        Assert.True(exits.Where(e => e.Key.StartsWith("cut-", StringComparison.Ordinal) || e.Key is "garbage-appended" or "nul-in-the-xref").All(e => e.Value != 0), string.Join(", ", exits));
    }

    [AttackCorpusFact]
    public void Public_attack_samples_are_a_verdict_or_a_one_line_refusal_never_a_pass_of_a_manipulated_file()
    {
        // Two samples of each attack class keep the run short; the in-process suite reads all 75.
        var samples = Directory.GetDirectories(AttackCorpus.Directory!).Order(StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.pdf").Order(StringComparer.Ordinal).Take(2)).ToList();
        Assert.True(samples.Count >= 15);
        foreach (var sample in samples)
        {
            var exit = AssertVerifyContract(sample);
            // None of the samples' signers is our anchor, so nothing in the corpus may pass.
            Assert.True(exit != 0, $"{Path.GetFileName(sample)} passed");
        }
    }

    private static byte[] Overwrite(byte[] source, int at, byte[] with)
    {
        var copy = (byte[])source.Clone();
        with.CopyTo(copy, at);
        return copy;
    }
}
