using System.Runtime.InteropServices;

namespace Signing.Pkcs11.Native;

/// <summary>
/// A CK_ATTRIBUTE array and its value buffers in one unmanaged block. Values may be
/// sensitive (e.g. nothing here is a PIN, but CKA_VALUE can be), so the block is zeroed on free.
/// </summary>
internal sealed unsafe class NativeTemplate : IDisposable
{
    private readonly CkLayout _layout;
    private nint _block;
    private readonly nuint _blockSize;

    /// <summary>A template with the given values (for create / find / generate).</summary>
    public NativeTemplate(CkLayout layout, IReadOnlyList<(ulong Type, byte[]? Value)> attributes)
        : this(layout, attributes.Select(a => (a.Type, a.Value?.Length ?? 0)).ToList())
    {
        for (var i = 0; i < attributes.Count; i++)
        {
            var value = attributes[i].Value;
            if (value is { Length: > 0 }) Marshal.Copy(value, 0, ValuePointer(i), value.Length);
        }
    }

    /// <summary>A template with buffers of the given lengths (for reading values).</summary>
    public NativeTemplate(CkLayout layout, IReadOnlyList<(ulong Type, int Length)> slots)
    {
        _layout = layout;
        Count = slots.Count;
        var entry = layout.Attribute.Size;
        var headers = entry * Count;
        var total = headers + slots.Sum(s => s.Length);
        _blockSize = (nuint)Math.Max(total, 1);
        _block = (nint)NativeMemory.AllocZeroed(_blockSize);
        var valueOffset = headers;
        for (var i = 0; i < Count; i++)
        {
            var at = _block + (i * entry);
            layout.WriteUlong(at, layout.Attribute["type"], slots[i].Type);
            CkLayout.WritePointer(at, layout.Attribute["pValue"], slots[i].Length > 0 ? _block + valueOffset : 0);
            layout.WriteUlong(at, layout.Attribute["ulValueLen"], (ulong)slots[i].Length);
            valueOffset += slots[i].Length;
        }
    }

    public int Count { get; }

    public nint Pointer => _block;

    public nint ValuePointer(int index) => CkLayout.ReadPointer(_block + (index * _layout.Attribute.Size), _layout.Attribute["pValue"]);

    public ulong ValueLength(int index) => _layout.ReadUlong(_block + (index * _layout.Attribute.Size), _layout.Attribute["ulValueLen"]);

    public byte[] Value(int index)
    {
        var len = ValueLength(index);
        var result = new byte[checked((int)len)];
        if (len > 0) Marshal.Copy(ValuePointer(index), result, 0, result.Length);
        return result;
    }

    public void Dispose()
    {
        if (_block == 0) return;
        NativeMemory.Clear((void*)_block, _blockSize);
        NativeMemory.Free((void*)_block);
        _block = 0;
    }
}
