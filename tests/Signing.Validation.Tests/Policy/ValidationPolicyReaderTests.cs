using System.Security.Cryptography.X509Certificates;
using Signing.Core;
using Signing.Testing;
using Signing.Testing.Pades;
using Signing.Validation.Policy;

namespace Signing.Validation.Tests.Policy;

/// <summary>A policy file loads into the policy the verifier uses; a bad one is one line naming the key, and no policy.</summary>
public sealed class ValidationPolicyReaderTests : IDisposable
{
    private static readonly TestPki Pki = TestPki.Shared;
    private readonly string _dir = RepoPaths.NewTempDirectory("policy-file");

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "policy.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void A_policy_file_loads_every_setting_and_the_verifier_applies_it()
    {
        File.Copy(Pki.RootPem, Path.Combine(_dir, "signers.pem"));
        var path = Write($$"""
            {
              // Anchors per purpose; relative paths are relative to this file.
              "SignatureTrustAnchors": [ "signers.pem" ],
              "TimestampTrustAnchors": [ "{{SeparateTsaPki.Shared.RootPem.Replace("\\", "\\\\", StringComparison.Ordinal)}}" ],
              "SignerKeyUsage": [ "nonRepudiation", "digitalSignature" ],
              "SignerKeyUsageMatch": "all",
              "DigestAlgorithms": [ { "Algorithm": "SHA-256", "Until": null }, { "Algorithm": "SHA1", "Until": "2009-12-31" } ],
              "PublicKeys": [ { "Algorithm": "RSA", "MinBits": 3072 }, { "Algorithm": "EC", "MinBits": 256, "Until": "2040-01-01" } ]
            }
            """);

        var policy = ValidationPolicyReader.ReadFile(path, defaultAnchors: null);

        Assert.Equal(Pki.Root.Thumbprint, Assert.Single(policy.SignatureTrustAnchors).Thumbprint);
        Assert.Equal(SeparateTsaPki.Shared.Root.Thumbprint, Assert.Single(policy.TimestampTrustAnchors).Thumbprint);
        Assert.True(policy.SignerKeyUsage.All);
        Assert.Equal([X509KeyUsageFlags.NonRepudiation, X509KeyUsageFlags.DigitalSignature], policy.SignerKeyUsage.Required);
        Assert.Equal([new DigestRule("SHA256", null), new DigestRule("SHA1", new DateTimeOffset(2009, 12, 31, 0, 0, 0, TimeSpan.Zero))], policy.Crypto.Digests);
        Assert.Equal([new KeySizeRule("RSA", 3072, null), new KeySizeRule("EC", 256, new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero))], policy.Crypto.PublicKeys);

        // The head's 2048-bit key is below this file's RSA minimum.
        var s = Assert.Single(PdfSignatureVerifier.Verify(SignedResults.Headed, policy).Signatures);
        Assert.Equal(Indication.INDETERMINATE, s.Indication);
        Assert.Equal("CRYPTO_CONSTRAINTS_FAILURE", s.SubIndication);
    }

    [Fact]
    public void What_a_file_leaves_out_keeps_the_built_in_default_and_the_default_anchors()
    {
        var policy = ValidationPolicyReader.ReadFile(Write("{}"), Pki.TrustAnchors);

        Assert.Same(Pki.TrustAnchors[0], Assert.Single(policy.SignatureTrustAnchors));
        Assert.Same(Pki.TrustAnchors[0], Assert.Single(policy.TimestampTrustAnchors));
        Assert.Equal(SignerKeyUsage.Default, policy.SignerKeyUsage);
        Assert.Equal(CryptoConstraints.Default, policy.Crypto);
        Assert.Equal(Indication.TOTAL_PASSED, PdfSignatureVerifier.Verify(SignedResults.Headed, policy).Signatures[0].Indication);
    }

    [Fact]
    public void Configuration_entries_read_the_same_as_a_file()
    {
        var entries = new Dictionary<string, string?>
        {
            ["SignerKeyUsage"] = null,
            ["SignerKeyUsage:0"] = "digitalSignature",
            ["PublicKeys:0:Algorithm"] = "rsa",
            ["PublicKeys:0:MinBits"] = "2048",
            ["PublicKeys:0:Until"] = "",
        };

        var policy = ValidationPolicyReader.Read(entries, _dir, Pki.TrustAnchors, "Signing:Validation");

        Assert.Equal([X509KeyUsageFlags.DigitalSignature], policy.SignerKeyUsage.Required);
        Assert.Equal([new KeySizeRule("RSA", 2048, null)], policy.Crypto.PublicKeys);
    }

    [Theory]
    [InlineData("""{ "TrustAnchor": [] }""", "unknown key 'TrustAnchor'")]
    [InlineData("""{ "DigestAlgorithms": [ { "Algorithm": "SHA1", "Until": "soon" } ] }""", "DigestAlgorithms:0:Until 'soon' is not a date")]
    [InlineData("""{ "DigestAlgorithms": [ { "Algorithm": "WHIRLPOOL" } ] }""", "DigestAlgorithms:0:Algorithm 'WHIRLPOOL' is not one of")]
    [InlineData("""{ "PublicKeys": [ { "Algorithm": "RSA", "MinBits": "many" } ] }""", "PublicKeys:0:MinBits 'many' is not a number of bits")]
    [InlineData("""{ "PublicKeys": [ { "Algorithm": "DSA", "MinBits": 2048 } ] }""", "PublicKeys:0:Algorithm 'DSA' is not RSA or EC")]
    [InlineData("""{ "PublicKeys": [ { "Algorithm": "RSA", "MinBits": 2048, "Until": null, "Max": 1 } ] }""", "unknown key 'PublicKeys:0:Max'")]
    [InlineData("""{ "SignerKeyUsage": [ "keyEncipherment" ] }""", "SignerKeyUsage:0 'keyEncipherment' is not nonRepudiation or digitalSignature")]
    [InlineData("""{ "SignerKeyUsageMatch": "most" }""", "SignerKeyUsageMatch 'most' is not 'any' or 'all'")]
    [InlineData("""{ "SignatureTrustAnchors": "root.pem" }""", "SignatureTrustAnchors must be a list")]
    [InlineData("""{ "SignatureTrustAnchors": [ "missing.pem" ] }""", "SignatureTrustAnchors:0")]
    [InlineData("""{ "SignerKeyUsage": [ """, "not valid JSON")]
    [InlineData("""[ 1 ]""", "the top level is not a JSON object")]
    public void A_bad_policy_file_is_one_line_naming_the_problem(string json, string expected)
    {
        var path = Write(json);

        var e = Assert.Throws<SigningException>(() => ValidationPolicyReader.ReadFile(path, Pki.TrustAnchors));

        Assert.StartsWith($"policy file {path}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Without_default_anchors_a_file_must_name_both_anchor_sets()
    {
        File.Copy(Pki.RootPem, Path.Combine(_dir, "signers.pem"));
        var path = Write("""{ "SignatureTrustAnchors": [ "signers.pem" ] }""");

        var e = Assert.Throws<SigningException>(() => ValidationPolicyReader.ReadFile(path, defaultAnchors: null));

        Assert.Contains("TimestampTrustAnchors is not set and there is no default", e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
