using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Core;
using Signing.Core.Keys;

namespace Signing.Pkcs11;

/// <summary>
/// A private key on a token, found by an RFC 7512 URI. Signs host-computed hashes:
/// RSA PKCS#1 v1.5 as CKM_RSA_PKCS over a DigestInfo, RSA-PSS as CKM_RSA_PKCS_PSS, ECDSA as
/// CKM_ECDSA (the token returns r||s). Hash-and-sign mechanisms (CKM_SHA256_RSA_PKCS, ...) are
/// available through <see cref="SignData"/>.
/// </summary>
public sealed class Pkcs11SignatureKey : ISignatureKey
{
    private readonly Pkcs11Token _token;
    private readonly Pkcs11Uri _uri;
    private readonly byte[] _spki;

    // Built once per key: a mechanism is immutable once made (PSS parameters live in native
    // memory it owns), so every signature and thread can share it.
    private readonly IMechanism _plain;
    private readonly IMechanism? _pssSha256, _pssSha384, _pssSha512;
    private (int Generation, IObjectHandle Handle) _cached;

    internal Pkcs11SignatureKey(Pkcs11Token token, Pkcs11Uri uri, IObjectHandle handle, KeyAlgorithm algorithm, int bits, byte[] spki)
    {
        _token = token;
        _uri = uri;
        _spki = spki;
        Algorithm = algorithm;
        KeySizeBits = bits;
        _cached = (token.Generation, handle);
        var mechanisms = token.Library.Factories.MechanismFactory;
        if (algorithm == KeyAlgorithm.Rsa)
        {
            _plain = mechanisms.Create(CKM.CKM_RSA_PKCS);
            _pssSha256 = Pss(token.Library.Factories, CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, 32);
            _pssSha384 = Pss(token.Library.Factories, CKM.CKM_SHA384, CKG.CKG_MGF1_SHA384, 48);
            _pssSha512 = Pss(token.Library.Factories, CKM.CKM_SHA512, CKG.CKG_MGF1_SHA512, 64);
        }
        else
        {
            _plain = mechanisms.Create(CKM.CKM_ECDSA);
        }
    }

    public string Locator => _uri.ToString();

    public KeyAlgorithm Algorithm { get; }

    public int KeySizeBits { get; }

    public Pkcs11Token Token => _token;

    public byte[] ExportSubjectPublicKeyInfo() => (byte[])_spki.Clone();

    public byte[] SignHash(ReadOnlySpan<byte> hash, HashAlgorithmName hashAlgorithm, RsaPaddingMode padding = RsaPaddingMode.Pkcs1)
    {
        var expected = ExpectedHashLength(hashAlgorithm);
        if (hash.Length != expected) throw new SigningException($"A {hashAlgorithm.Name} hash is {expected} bytes, got {hash.Length}.");
        if (Algorithm != KeyAlgorithm.Rsa) return Sign(_plain, hash.ToArray());
        if (padding == RsaPaddingMode.Pss)
        {
            var pss = hashAlgorithm == HashAlgorithmName.SHA256 ? _pssSha256 : hashAlgorithm == HashAlgorithmName.SHA384 ? _pssSha384 : _pssSha512;
            return Sign(pss!, hash.ToArray());
        }

        return Sign(_plain, DigestInfo.Wrap(hash, hashAlgorithm));
    }

    /// <summary>Lets the token hash and sign (e.g. CKM_SHA256_RSA_PKCS); the result is in the token's raw format.</summary>
    public byte[] SignData(ReadOnlySpan<byte> data, CKM mechanism)
    {
        using var m = _token.Library.Factories.MechanismFactory.Create(mechanism);
        return Sign(m, data.ToArray());
    }

    private byte[] Sign(IMechanism mechanism, byte[] data) =>
        _token.Run(session => session.Sign(mechanism, Handle(session), data));

    private IObjectHandle Handle(ISession session)
    {
        var cached = _cached;
        if (cached.Generation == _token.Generation) return cached.Handle;
        var handle = Pkcs11KeyStore.FindSingle(session, _token.Info.Label, _uri, CKO.CKO_PRIVATE_KEY);
        _cached = (_token.Generation, handle);
        return handle;
    }

    // Salt as long as the hash, MGF1 over the same hash: what CMS and PAdES expect of RSASSA-PSS.
    private static IMechanism Pss(Pkcs11InteropFactories factories, CKM hash, CKG mgf, ulong saltLength) =>
        factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_PSS, factories.MechanismParamsFactory.CreateCkRsaPkcsPssParams((ulong)hash, (ulong)mgf, saltLength));

    private static int ExpectedHashLength(HashAlgorithmName name) =>
        name == HashAlgorithmName.SHA256 ? 32
        : name == HashAlgorithmName.SHA384 ? 48
        : name == HashAlgorithmName.SHA512 ? 64
        : throw new SigningException($"Hash algorithm {name.Name} is not allowed for signatures (use SHA-256 or stronger).");
}

/// <summary>PKCS#1 v1.5 DigestInfo encoding, for CKM_RSA_PKCS over a host-computed hash.</summary>
public static class DigestInfo
{
    private static readonly byte[] Sha256Prefix = Convert.FromHexString("3031300d060960864801650304020105000420");
    private static readonly byte[] Sha384Prefix = Convert.FromHexString("3041300d060960864801650304020205000430");
    private static readonly byte[] Sha512Prefix = Convert.FromHexString("3051300d060960864801650304020305000440");

    public static byte[] Wrap(ReadOnlySpan<byte> hash, HashAlgorithmName name)
    {
        var prefix = name == HashAlgorithmName.SHA256 ? Sha256Prefix
            : name == HashAlgorithmName.SHA384 ? Sha384Prefix
            : name == HashAlgorithmName.SHA512 ? Sha512Prefix
            : throw new SigningException($"No DigestInfo for {name.Name}.");
        return [.. prefix, .. hash];
    }
}
