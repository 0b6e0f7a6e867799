using Signing.Pades;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using Signing.Core.Timestamps;
using Signing.Testing;

namespace Signing.Testing.Pades;

/// <summary>
/// A real RFC 3161 TSA for tests: the request is made and the reply checked by .NET
/// (<see cref="Rfc3161TimestampRequest"/>: status, nonce, imprint), the token is issued by
/// `openssl ts -reply` with a software TSA key. Not a fake: openssl signs a real token.
/// </summary>
public sealed class OpenSslTimestampClient : ITimestampClient
{
    private static readonly Lock SerialLock = new();
    private readonly string _directory;
    private readonly string _signerCertificate;
    private readonly string _signerKey;
    private readonly string _chain;

    public OpenSslTimestampClient(TestPki pki, string? signerKeyOverride = null)
        : this(Path.Combine(pki.Directory, "tsa"), pki.TsaPem, signerKeyOverride ?? pki.TsaKeyPem, pki.ChainPem)
    {
    }

    /// <summary>A TSA with its own certificate, key and chain files (PEM), e.g. one under a root of its own.</summary>
    public OpenSslTimestampClient(string directory, string signerCertificatePem, string signerKeyPem, string chainPem)
    {
        _signerCertificate = signerCertificatePem;
        _signerKey = signerKeyPem;
        _chain = chainPem;
        _directory = directory;
        Directory.CreateDirectory(_directory);
        var serial = Path.Combine(_directory, "serial");
        lock (SerialLock)
        {
            if (!File.Exists(serial)) File.WriteAllText(serial, "01\n");
        }

        File.WriteAllText(ConfigPath, OpenSslTsaConfig.Text(serial, "1.3.6.1.4.1.99999.1"));
    }

    private string ConfigPath => Path.Combine(_directory, "tsa.cnf");

    public Task<byte[]> GetTokenAsync(ReadOnlyMemory<byte> hash, HashAlgorithmName hashAlgorithm, CancellationToken cancellationToken = default)
    {
        var nonce = RandomNumberGenerator.GetBytes(8);
        nonce[0] &= 0x7F;
        var request = Rfc3161TimestampRequest.CreateFromHash(hash, hashAlgorithm, nonce: nonce, requestSignerCertificates: true);
        var id = Guid.NewGuid().ToString("N");
        var query = Path.Combine(_directory, id + ".tsq");
        var reply = Path.Combine(_directory, id + ".tsr");
        File.WriteAllBytes(query, request.Encode());
        ToolResult result;
        lock (SerialLock)
        {
            result = ExternalTool.Run("openssl", "ts", "-reply", "-config", ConfigPath, "-queryfile", query,
                "-signer", _signerCertificate, "-inkey", _signerKey, "-chain", _chain, "-out", reply);
        }

        if (result.ExitCode != 0 || !File.Exists(reply)) throw new TimestampException("The test TSA (openssl ts -reply) failed: " + result.StdErr.Split('\n')[0]);
        var replyBytes = File.ReadAllBytes(reply);
        var token = request.ProcessResponse(replyBytes, out _);
        using var tsaCert = token.AsSignedCms().SignerInfos[0].Certificate ?? throw new TimestampException("The TSA token has no signer certificate.");
        var eku = tsaCert.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension>().SingleOrDefault();
        if (eku is null || !eku.Critical || eku.EnhancedKeyUsages.Count != 1 || eku.EnhancedKeyUsages[0].Value != "1.3.6.1.5.5.7.3.8")
        {
            throw new TimestampException("The TSA certificate lacks the critical, sole timeStamping EKU.");
        }

        // Return the token exactly as the TSA encoded it (TimeStampResp ::= SEQUENCE { status, timeStampToken }).
        var resp = new System.Formats.Asn1.AsnReader(replyBytes, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        resp.ReadEncodedValue();
        return Task.FromResult(resp.ReadEncodedValue().ToArray());
    }
}
