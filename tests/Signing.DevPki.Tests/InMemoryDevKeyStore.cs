using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Signing.Core.Keys;

namespace Signing.DevPki.Tests;

/// <summary>
/// A dev key store in process memory over <see cref="SoftwareSignatureKey"/>, for testing the PKI
/// logic without a token. Also linked into the timestamping tests.
/// </summary>
public sealed class InMemoryDevKeyStore : IDevKeyStore, IDisposable
{
    private readonly ConcurrentDictionary<string, SoftwareSignatureKey> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, X509Certificate2> _certificates = new(StringComparer.Ordinal);

    public int GeneratedKeyCount { get; private set; }

    public ISignatureKey? FindKey(string label) => _keys.TryGetValue(label, out var k) ? k : null;

    public ISignatureKey GenerateKey(DevKeySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var locator = "memory:" + spec.Label;
        var key = spec.Algorithm == KeyAlgorithm.Rsa
            ? SoftwareSignatureKey.CreateRsa(spec.Bits, locator)
            : SoftwareSignatureKey.CreateEcdsa(spec.Algorithm, locator);
        if (_keys.TryRemove(spec.Label, out var old)) old.Dispose();
        _keys[spec.Label] = key;
        GeneratedKeyCount++;
        return key;
    }

    public X509Certificate2? FindCertificate(string label) => _certificates.TryGetValue(label, out var c) ? c : null;

    public void StoreCertificate(string label, X509Certificate2 certificate) => _certificates[label] = certificate;

    /// <summary>Forgets a certificate, as if someone deleted it from the token.</summary>
    public void DeleteCertificate(string label) => _certificates.TryRemove(label, out _);

    /// <summary>Forgets a key (and so forces a new one), as if it were deleted from the token.</summary>
    public void DeleteKey(string label)
    {
        if (_keys.TryRemove(label, out var k)) k.Dispose();
    }

    public void Dispose()
    {
        foreach (var k in _keys.Values) k.Dispose();
        _keys.Clear();
    }
}
