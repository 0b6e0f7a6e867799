using System.Runtime.InteropServices;
using System.Text;
using Signing.Pkcs11.Native;

namespace Signing.Pkcs11;

/// <summary>
/// A session with a token (shaped like Pkcs11Interop's ISession). A session is NOT thread-safe:
/// one thread at a time (the session pool guarantees this for the product's own use).
/// </summary>
public sealed unsafe class Session : IDisposable
{
    private const int FindBatch = 64;
    private bool _closed;

    internal Session(Slot slot, ulong handle)
    {
        Slot = slot;
        SessionId = handle;
    }

    public Slot Slot { get; }

    public ulong SessionId { get; }

    private CryptokiFunctions F => Slot.Library.Functions;

    private CkLayout L => Slot.Library.Layout;

    /// <summary>Logs in. The caller owns <paramref name="pin"/> and should zero it afterwards.</summary>
    public void Login(CKU userType, ReadOnlySpan<byte> pin)
    {
        fixed (byte* p = pin)
        {
            var rv = F.C_Login(SessionId, (ulong)userType, (nint)p, (ulong)pin.Length);
            if (rv != CKR.CKR_USER_ALREADY_LOGGED_IN) CryptokiFunctions.Check(rv, "C_Login");
        }
    }

    /// <summary>Logs in with a PIN given as text; the UTF-8 copy is zeroed after use.</summary>
    public void Login(CKU userType, string pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        var bytes = Encoding.UTF8.GetBytes(pin);
        try
        {
            Login(userType, bytes);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    public void Logout()
    {
        var rv = F.C_Logout(SessionId);
        if (rv != CKR.CKR_USER_NOT_LOGGED_IN) CryptokiFunctions.Check(rv, "C_Logout");
    }

    /// <summary>Sets the user PIN (in an SO session).</summary>
    public void InitPin(ReadOnlySpan<byte> pin)
    {
        fixed (byte* p = pin)
        {
            CryptokiFunctions.Check(F.C_InitPIN(SessionId, (nint)p, (ulong)pin.Length), "C_InitPIN");
        }
    }

    public SessionInfo GetSessionInfo()
    {
        var s = L.SessionInfo;
        var block = (nint)NativeMemory.AllocZeroed((nuint)s.Size);
        try
        {
            CryptokiFunctions.Check(F.C_GetSessionInfo(SessionId, block), "C_GetSessionInfo");
            return new SessionInfo(L.ReadUlong(block, s["slotID"]), (CKS)L.ReadUlong(block, s["state"]), L.ReadUlong(block, s["flags"]), L.ReadUlong(block, s["ulDeviceError"]));
        }
        finally
        {
            NativeMemory.Free((void*)block);
        }
    }

    public List<ObjectHandle> FindAllObjects(IEnumerable<ObjectAttribute> template)
    {
        ArgumentNullException.ThrowIfNull(template);
        using var native = ToNative(template);
        CryptokiFunctions.Check(F.C_FindObjectsInit(SessionId, native.Pointer, (ulong)native.Count), "C_FindObjectsInit");
        var result = new List<ObjectHandle>();
        var handles = (nint)NativeMemory.AllocZeroed((nuint)(FindBatch * L.UlongSize));
        var count = stackalloc byte[8];
        try
        {
            while (true)
            {
                CryptokiFunctions.Check(F.C_FindObjects(SessionId, handles, FindBatch, (nint)count), "C_FindObjects");
                var n = (int)L.ReadUlong((nint)count);
                for (var i = 0; i < n; i++) result.Add(new ObjectHandle(L.ReadUlong(handles, i * L.UlongSize)));
                if (n < FindBatch) break;
            }
        }
        finally
        {
            NativeMemory.Free((void*)handles);
            F.C_FindObjectsFinal(SessionId);
        }

        return result;
    }

    /// <summary>
    /// Reads attributes in two passes (lengths, then values). Attributes the token will not reveal
    /// (sensitive, or not defined for this object) come back with <see cref="ObjectAttribute.CannotBeRead"/>.
    /// </summary>
    public List<ObjectAttribute> GetAttributeValue(ObjectHandle handle, IReadOnlyList<CKA> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var lengths = new int[types.Count];
        using (var probe = new NativeTemplate(L, types.Select(t => ((ulong)t, 0)).ToList()))
        {
            var rv = F.C_GetAttributeValue(SessionId, handle.Value, probe.Pointer, (ulong)probe.Count);
            if (rv is not (CKR.CKR_OK or CKR.CKR_ATTRIBUTE_SENSITIVE or CKR.CKR_ATTRIBUTE_TYPE_INVALID))
            {
                CryptokiFunctions.Check(rv, "C_GetAttributeValue");
            }

            for (var i = 0; i < types.Count; i++)
            {
                var len = probe.ValueLength(i);
                lengths[i] = len == L.UnavailableInformation ? -1 : checked((int)len);
            }
        }

        var readable = Enumerable.Range(0, types.Count).Where(i => lengths[i] >= 0).ToList();
        var values = new Dictionary<int, byte[]>();
        if (readable.Count > 0)
        {
            using var read = new NativeTemplate(L, readable.Select(i => ((ulong)types[i], lengths[i])).ToList());
            var rv = F.C_GetAttributeValue(SessionId, handle.Value, read.Pointer, (ulong)read.Count);
            if (rv is not (CKR.CKR_OK or CKR.CKR_ATTRIBUTE_SENSITIVE or CKR.CKR_ATTRIBUTE_TYPE_INVALID))
            {
                CryptokiFunctions.Check(rv, "C_GetAttributeValue");
            }

            for (var j = 0; j < readable.Count; j++)
            {
                if (read.ValueLength(j) != L.UnavailableInformation) values[readable[j]] = read.Value(j);
            }
        }

        return types.Select((t, i) => values.TryGetValue(i, out var v) ? ObjectAttribute.Read(t, v) : ObjectAttribute.Unavailable(t)).ToList();
    }

    public ObjectHandle CreateObject(IEnumerable<ObjectAttribute> template)
    {
        ArgumentNullException.ThrowIfNull(template);
        using var native = ToNative(template);
        var handle = stackalloc byte[8];
        CryptokiFunctions.Check(F.C_CreateObject(SessionId, native.Pointer, (ulong)native.Count, (nint)handle), "C_CreateObject");
        return new ObjectHandle(L.ReadUlong((nint)handle));
    }

    public void DestroyObject(ObjectHandle handle) =>
        CryptokiFunctions.Check(F.C_DestroyObject(SessionId, handle.Value), "C_DestroyObject");

    public void GenerateKeyPair(Mechanism mechanism, IEnumerable<ObjectAttribute> publicKeyTemplate, IEnumerable<ObjectAttribute> privateKeyTemplate, out ObjectHandle publicKey, out ObjectHandle privateKey)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        using var pub = ToNative(publicKeyTemplate);
        using var priv = ToNative(privateKeyTemplate);
        var pubHandle = stackalloc byte[8];
        var privHandle = stackalloc byte[8];
        WithMechanism(mechanism, mech =>
            CryptokiFunctions.Check(F.C_GenerateKeyPair(SessionId, mech, pub.Pointer, (ulong)pub.Count, priv.Pointer, (ulong)priv.Count, (nint)pubHandle, (nint)privHandle), "C_GenerateKeyPair"));
        publicKey = new ObjectHandle(L.ReadUlong((nint)pubHandle));
        privateKey = new ObjectHandle(L.ReadUlong((nint)privHandle));
    }

    /// <summary>
    /// Signs <paramref name="data"/> in one C_SignInit/C_Sign pair. <paramref name="expectedLength"/>
    /// (e.g. the modulus size) avoids the length-query round trip; a too-small guess is retried.
    /// </summary>
    public byte[] Sign(Mechanism mechanism, ObjectHandle key, ReadOnlySpan<byte> data, int expectedLength = 0)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        var param = mechanism.EncodeParameter(L);
        var m = L.Mechanism;
        var mech = stackalloc byte[m.Size];
        fixed (byte* p = param)
        fixed (byte* d = data)
        {
            L.WriteUlong((nint)mech, m["mechanism"], (ulong)mechanism.Type);
            CkLayout.WritePointer((nint)mech, m["pParameter"], (nint)p);
            L.WriteUlong((nint)mech, m["ulParameterLen"], (ulong)(param?.Length ?? 0));
            CryptokiFunctions.Check(F.C_SignInit(SessionId, (nint)mech, key.Value), "C_SignInit");

            var len = stackalloc byte[8];
            var size = expectedLength > 0 ? expectedLength : 0;
            if (size == 0)
            {
                L.WriteUlong((nint)len, 0, 0);
                CheckSign(F.C_Sign(SessionId, (nint)d, (ulong)data.Length, 0, (nint)len));
                size = (int)L.ReadUlong((nint)len);
            }

            while (true)
            {
                var signature = new byte[size];
                L.WriteUlong((nint)len, 0, (ulong)size);
                fixed (byte* s = signature)
                {
                    var rv = F.C_Sign(SessionId, (nint)d, (ulong)data.Length, (nint)s, (nint)len);
                    var actual = (int)L.ReadUlong((nint)len);
                    if (rv == CKR.CKR_BUFFER_TOO_SMALL && actual > size)
                    {
                        size = actual; // the operation stays active; ask again with room enough
                        continue;
                    }

                    CheckSign(rv);
                    return actual == size ? signature : signature.AsSpan(0, actual).ToArray();
                }
            }
        }
    }

    public byte[] GenerateRandom(int length)
    {
        var buffer = new byte[length];
        fixed (byte* b = buffer)
        {
            CryptokiFunctions.Check(F.C_GenerateRandom(SessionId, (nint)b, (ulong)length), "C_GenerateRandom");
        }

        return buffer;
    }

    public void CloseSession()
    {
        if (_closed) return;
        _closed = true;
        F.C_CloseSession(SessionId);
    }

    public void Dispose() => CloseSession();

    private static void CheckSign(CKR rv) => CryptokiFunctions.Check(rv, "C_Sign");

    private NativeTemplate ToNative(IEnumerable<ObjectAttribute> template) =>
        new(L, template.Select(a => ((ulong)a.Type, (byte[]?)a.Encode(L))).ToList());

    private void WithMechanism(Mechanism mechanism, Action<nint> action)
    {
        var param = mechanism.EncodeParameter(L);
        var m = L.Mechanism;
        var mech = stackalloc byte[m.Size];
        fixed (byte* p = param)
        {
            L.WriteUlong((nint)mech, m["mechanism"], (ulong)mechanism.Type);
            CkLayout.WritePointer((nint)mech, m["pParameter"], (nint)p);
            L.WriteUlong((nint)mech, m["ulParameterLen"], (ulong)(param?.Length ?? 0));
            action((nint)mech);
        }
    }
}
