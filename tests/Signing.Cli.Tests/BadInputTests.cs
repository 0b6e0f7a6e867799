using Signing.Testing;

namespace Signing.Cli.Tests;

/// <summary>Every bad input: one line on stderr, a non-zero exit, and no output file.</summary>
[Collection("cli")]
public sealed class BadInputTests(Workspace ws) : IClassFixture<Workspace>
{
    private const string Head = "pkcs11:token=signing-dev;object=head;type=private";

    [Fact]
    public void Bad_policy_file()
    {
        var policy = ws.PathOf("bad-policy.json");
        File.WriteAllText(policy, """{ "DigestAlgorithms": [ { "Algorithm": "SHA1", "Until": "someday" } ] }""");
        var r = Cli.Run("verify", ws.Unsigned, "--policy", policy, "--json");
        Cli.AssertOneLineError(r, 1, $"policy file {policy}: DigestAlgorithms:0:Until 'someday' is not a date");
        Assert.Equal("", r.StdOut);
    }

    [Fact]
    public void Wrong_pin()
    {
        var output = ws.PathOf("wrong-pin.pdf");
        var r = Cli.Run(new Dictionary<string, string> { ["SIGNING_TEST_WRONG_PIN"] = "000000000000" }, "sign", ws.Unsigned, "-o", output, "--key", Head, "--pin-source", "env:SIGNING_TEST_WRONG_PIN");
        Cli.AssertOneLineError(r, 1, "The PIN is incorrect.");
        Assert.DoesNotContain("000000000000", r.All, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Key_uri_not_found()
    {
        var output = ws.PathOf("no-key.pdf");
        Cli.AssertOneLineError(Cli.Run("sign", ws.Unsigned, "-o", output, "--key", "pkcs11:token=signing-dev;object=nobody;type=private"), 1, "No private key");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Missing_token()
    {
        var output = ws.PathOf("no-token.pdf");
        Cli.AssertOneLineError(Cli.Run("sign", ws.Unsigned, "-o", output, "--key", "pkcs11:token=unplugged;object=head;type=private"), 1, "No token matches pkcs11:token=unplugged");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_document_certified_with_no_changes_allowed()
    {
        var certified = ws.PathOf("certified-p1.pdf");
        var first = Cli.Run("sign", ws.Unsigned, "-o", certified, "--key", Head, "--no-timestamp", "--certify", "1");
        Assert.True(first.ExitCode == 0, first.All);

        var output = ws.PathOf("certified-p1-signed-again.pdf");
        Cli.AssertOneLineError(Cli.Run("sign", certified, "-o", output, "--key", Head, "--no-timestamp", "--field", "Second"), 1, "with no changes allowed (DocMDP P=1); it cannot be signed again");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Malformed_key_uri()
    {
        Cli.AssertOneLineError(Cli.Run("sign", ws.Unsigned, "-o", ws.PathOf("x.pdf"), "--key", "token=signing-dev"), 1, "Invalid PKCS#11 URI");
    }

    [Fact]
    public void Tsa_down()
    {
        var output = ws.PathOf("tsa-down.pdf");
        Cli.AssertOneLineError(Cli.Run("sign", ws.Unsigned, "-o", output, "--key", Head, "--tsa", "http://127.0.0.1:9/tsa"), 1, "TSA unreachable");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Corrupt_pdf()
    {
        var corrupt = ws.PathOf("corrupt.pdf");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(ws.Unsigned).AsSpan(0, 3000).ToArray());
        var output = ws.PathOf("corrupt-signed.pdf");
        var r = Cli.Run("sign", corrupt, "-o", output, "--key", Head);
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(output));
        Assert.Equal(1, Cli.Run("verify", corrupt).ExitCode);
    }

    [Fact]
    public void Encrypted_pdf()
    {
        var encrypted = ws.PathOf("encrypted.pdf");
        ExternalTool.RunChecked("qpdf", "--encrypt", "user", "owner", "256", "--", ws.Unsigned, encrypted);
        var output = ws.PathOf("encrypted-signed.pdf");
        Cli.AssertOneLineError(Cli.Run("sign", encrypted, "-o", output, "--key", Head), 1, "ncrypt");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Missing_input_and_missing_output_directory()
    {
        Cli.AssertOneLineError(Cli.Run("sign", ws.PathOf("nope.pdf"), "-o", ws.PathOf("x.pdf"), "--key", Head), 1, "Input file not found");
        Cli.AssertOneLineError(Cli.Run("sign", ws.Unsigned, "-o", "/nonexistent-dir/x.pdf", "--key", Head), 1, "Output directory does not exist");
    }

    [Fact]
    public void Images_without_a_place_and_bad_rectangles()
    {
        Cli.AssertOneLineError(Cli.Run("sign", ws.Unsigned, "-o", ws.PathOf("x.pdf"), "--key", Head, "--seal", Path.Combine(RepoPaths.Samples, "images", "seal.png")), 1, "need --rect");
        Cli.AssertOneLineError(Cli.Run("sign", ws.Unsigned, "-o", ws.PathOf("x.pdf"), "--key", Head, "--rect", "1,2,3"), 1, "--rect must be");
    }

    [Fact]
    public void Module_that_is_not_there()
    {
        Cli.AssertOneLineError(Cli.Run("tokens", "--module", "/nonexistent/libpkcs11.so"), 1, "could not be loaded");
    }
}
