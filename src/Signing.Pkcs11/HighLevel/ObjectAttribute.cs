using System.Text;
using Signing.Pkcs11.Native;

namespace Signing.Pkcs11;

/// <summary>A handle of an object on a token, valid within the session's application.</summary>
public readonly record struct ObjectHandle(ulong Value);

/// <summary>
/// One CK_ATTRIBUTE. CK_ULONG values are kept as numbers and encoded at call time, because
/// their width depends on the platform's layout.
/// </summary>
public sealed class ObjectAttribute
{
    private readonly byte[]? _bytes;
    private readonly ulong? _ulong;

    public ObjectAttribute(CKA type) => Type = type;

    public ObjectAttribute(CKA type, byte[] value)
    {
        Type = type;
        _bytes = value ?? throw new ArgumentNullException(nameof(value));
    }

    public ObjectAttribute(CKA type, string value) : this(type, Encoding.UTF8.GetBytes(value)) { }

    public ObjectAttribute(CKA type, bool value) : this(type, [value ? (byte)1 : (byte)0]) { }

    public ObjectAttribute(CKA type, ulong value)
    {
        Type = type;
        _ulong = value;
    }

    public ObjectAttribute(CKA type, CKO value) : this(type, (ulong)value) { }

    public ObjectAttribute(CKA type, CKK value) : this(type, (ulong)value) { }

    public ObjectAttribute(CKA type, CKC value) : this(type, (ulong)value) { }

    private ObjectAttribute(CKA type, bool cannotBeRead, byte[]? raw)
    {
        Type = type;
        CannotBeRead = cannotBeRead;
        _bytes = raw;
    }

    internal static ObjectAttribute Read(CKA type, byte[] raw) => new(type, false, raw);

    internal static ObjectAttribute Unavailable(CKA type) => new(type, true, null);

    public CKA Type { get; }

    /// <summary>The token refused to reveal this attribute (sensitive or not defined for the object).</summary>
    public bool CannotBeRead { get; }

    public byte[] GetValueAsByteArray() => _bytes ?? (_ulong.HasValue ? BitConverter.GetBytes(_ulong.Value) : []);

    public string GetValueAsString() => Encoding.UTF8.GetString(_bytes ?? []);

    public bool GetValueAsBool() => _bytes is { Length: > 0 } b && b[0] != 0;

    public ulong GetValueAsUlong()
    {
        if (_ulong.HasValue) return _ulong.Value;
        var b = _bytes ?? [];
        return b.Length switch
        {
            4 => BitConverter.ToUInt32(b),
            8 => BitConverter.ToUInt64(b),
            _ => throw new InvalidOperationException($"{Type} is {b.Length} bytes, not a CK_ULONG."),
        };
    }

    internal byte[] Encode(CkLayout layout)
    {
        if (!_ulong.HasValue) return _bytes ?? [];
        return layout.UlongSize == 4 ? BitConverter.GetBytes(checked((uint)_ulong.Value)) : BitConverter.GetBytes(_ulong.Value);
    }
}

/// <summary>A CK_MECHANISM: a type and, for some, a parameter structure.</summary>
public sealed class Mechanism
{
    private readonly ulong[]? _ulongParams;
    private readonly byte[]? _rawParams;

    public Mechanism(CKM type) => Type = type;

    public Mechanism(CKM type, byte[] parameter)
    {
        Type = type;
        _rawParams = parameter;
    }

    private Mechanism(CKM type, ulong[] ulongParams)
    {
        Type = type;
        _ulongParams = ulongParams;
    }

    public CKM Type { get; }

    /// <summary>CKM_RSA_PKCS_PSS (or a hash-and-sign PSS variant) with its CK_RSA_PKCS_PSS_PARAMS.</summary>
    public static Mechanism RsaPss(CKM type, CKM hashAlgorithm, CKG mgf, ulong saltLength) =>
        new(type, [(ulong)hashAlgorithm, (ulong)mgf, saltLength]);

    internal byte[]? EncodeParameter(CkLayout layout)
    {
        if (_rawParams != null) return _rawParams;
        if (_ulongParams == null) return null;
        var buffer = new byte[_ulongParams.Length * layout.UlongSize];
        for (var i = 0; i < _ulongParams.Length; i++)
        {
            var bytes = layout.UlongSize == 4 ? BitConverter.GetBytes(checked((uint)_ulongParams[i])) : BitConverter.GetBytes(_ulongParams[i]);
            bytes.CopyTo(buffer, i * layout.UlongSize);
        }

        return buffer;
    }
}
