using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Signing.Pkcs11.Native;

/// <summary>
/// How a platform's Cryptoki headers lay out data. 64-bit Linux/macOS: CK_ULONG is 8 bytes and
/// structures are naturally aligned. 64-bit Windows: CK_ULONG is 4 bytes and every structure is
/// packed to 1 byte (the PKCS#11 headers' <c>#pragma pack(push, cryptoki, 1)</c>).
/// All marshalling goes through this one object, so both layouts are testable on any OS.
/// </summary>
public sealed unsafe class CkLayout
{
    public static readonly CkLayout Unix64 = new("unix-64", ulongSize: 8, packed: false);
    public static readonly CkLayout Windows64 = new("windows-64", ulongSize: 4, packed: true);

    private CkLayout(string name, int ulongSize, bool packed)
    {
        Name = name;
        UlongSize = ulongSize;
        Packed = packed;
    }

    /// <summary>The layout of the process this runs in.</summary>
    public static CkLayout Current
    {
        get
        {
            if (IntPtr.Size != 8) throw new PlatformNotSupportedException("Only 64-bit processes are supported.");
            return OperatingSystem.IsWindows() ? Windows64 : Unix64;
        }
    }

    public string Name { get; }

    public int UlongSize { get; }

    public bool Packed { get; }

    public static int PointerSize => 8;

    /// <summary>CK_UNAVAILABLE_INFORMATION: (CK_ULONG)~0 in this layout's width.</summary>
    public ulong UnavailableInformation => UlongSize == 4 ? uint.MaxValue : ulong.MaxValue;

    public ulong ReadUlong(nint address, int offset = 0) => UlongSize == 4
        ? Unsafe.ReadUnaligned<uint>(ref Unsafe.AsRef<byte>((void*)(address + offset)))
        : Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef<byte>((void*)(address + offset)));

    public void WriteUlong(nint address, int offset, ulong value)
    {
        if (UlongSize == 4)
        {
            if (value > uint.MaxValue && value != ulong.MaxValue) throw new OverflowException($"{value} does not fit a 4-byte CK_ULONG.");
            Unsafe.WriteUnaligned(ref Unsafe.AsRef<byte>((void*)(address + offset)), (uint)value);
        }
        else
        {
            Unsafe.WriteUnaligned(ref Unsafe.AsRef<byte>((void*)(address + offset)), value);
        }
    }

    public static nint ReadPointer(nint address, int offset) =>
        Unsafe.ReadUnaligned<nint>(ref Unsafe.AsRef<byte>((void*)(address + offset)));

    public static void WritePointer(nint address, int offset, nint value) =>
        Unsafe.WriteUnaligned(ref Unsafe.AsRef<byte>((void*)(address + offset)), value);

    /// <summary>Narrows a CK_RV / CK_ULONG returned in a 64-bit register to this layout's width.</summary>
    public ulong FromRegister(nuint value) => UlongSize == 4 ? (uint)value : (ulong)value;

    public override string ToString() => Name;

    // Structures -------------------------------------------------------------------------

    public CkStructLayout Info => _info ??= Build(CkStructs.Info);
    public CkStructLayout SlotInfo => _slotInfo ??= Build(CkStructs.SlotInfo);
    public CkStructLayout TokenInfo => _tokenInfo ??= Build(CkStructs.TokenInfo);
    public CkStructLayout SessionInfo => _sessionInfo ??= Build(CkStructs.SessionInfo);
    public CkStructLayout MechanismInfo => _mechanismInfo ??= Build(CkStructs.MechanismInfo);
    public CkStructLayout Attribute => _attribute ??= Build(CkStructs.Attribute);
    public CkStructLayout Mechanism => _mechanism ??= Build(CkStructs.Mechanism);
    public CkStructLayout InitializeArgs => _initializeArgs ??= Build(CkStructs.InitializeArgs);
    public CkStructLayout FunctionList => _functionList ??= Build(CkStructs.FunctionList);
    public CkStructLayout RsaPkcsPssParams => _pss ??= Build(CkStructs.RsaPkcsPssParams);

    private CkStructLayout? _info, _slotInfo, _tokenInfo, _sessionInfo, _mechanismInfo, _attribute, _mechanism, _initializeArgs, _functionList, _pss;

    private CkStructLayout Build(CkField[] fields)
    {
        var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
        int offset = 0, maxAlign = 1;
        foreach (var f in fields)
        {
            var (size, align) = f.Kind switch
            {
                CkFieldKind.Ulong => (UlongSize, UlongSize),
                CkFieldKind.Pointer => (PointerSize, PointerSize),
                CkFieldKind.Bytes => (f.Length, 1),
                CkFieldKind.Version => (2, 1),
                _ => throw new InvalidOperationException(),
            };
            if (Packed) align = 1;
            offset = (offset + align - 1) / align * align;
            offsets[f.Name] = offset;
            offset += size;
            maxAlign = Math.Max(maxAlign, align);
        }

        var total = (offset + maxAlign - 1) / maxAlign * maxAlign;
        return new CkStructLayout(offsets, total);
    }
}

public enum CkFieldKind
{
    Ulong,
    Pointer,
    Bytes,
    Version,
}

public readonly record struct CkField(string Name, CkFieldKind Kind, int Length = 0);

/// <summary>Field offsets and total size of one Cryptoki structure in one layout.</summary>
public sealed class CkStructLayout(IReadOnlyDictionary<string, int> offsets, int size)
{
    public int Size { get; } = size;

    public int this[string field] => offsets.TryGetValue(field, out var o) ? o : throw new ArgumentException($"no field {field}", nameof(field));
}

/// <summary>The Cryptoki structures we use, field by field, as in pkcs11t.h (v2.40).</summary>
internal static class CkStructs
{
    private static CkField U(string n) => new(n, CkFieldKind.Ulong);
    private static CkField P(string n) => new(n, CkFieldKind.Pointer);
    private static CkField B(string n, int len) => new(n, CkFieldKind.Bytes, len);
    private static CkField V(string n) => new(n, CkFieldKind.Version);

    public static readonly CkField[] Info = [V("cryptokiVersion"), B("manufacturerID", 32), U("flags"), B("libraryDescription", 32), V("libraryVersion")];
    public static readonly CkField[] SlotInfo = [B("slotDescription", 64), B("manufacturerID", 32), U("flags"), V("hardwareVersion"), V("firmwareVersion")];
    public static readonly CkField[] TokenInfo =
    [
        B("label", 32), B("manufacturerID", 32), B("model", 16), B("serialNumber", 16), U("flags"),
        U("ulMaxSessionCount"), U("ulSessionCount"), U("ulMaxRwSessionCount"), U("ulRwSessionCount"),
        U("ulMaxPinLen"), U("ulMinPinLen"), U("ulTotalPublicMemory"), U("ulFreePublicMemory"),
        U("ulTotalPrivateMemory"), U("ulFreePrivateMemory"), V("hardwareVersion"), V("firmwareVersion"), B("utcTime", 16),
    ];
    public static readonly CkField[] SessionInfo = [U("slotID"), U("state"), U("flags"), U("ulDeviceError")];
    public static readonly CkField[] MechanismInfo = [U("ulMinKeySize"), U("ulMaxKeySize"), U("flags")];
    public static readonly CkField[] Attribute = [U("type"), P("pValue"), U("ulValueLen")];
    public static readonly CkField[] Mechanism = [U("mechanism"), P("pParameter"), U("ulParameterLen")];
    public static readonly CkField[] InitializeArgs = [P("CreateMutex"), P("DestroyMutex"), P("LockMutex"), P("UnlockMutex"), U("flags"), P("pReserved")];
    public static readonly CkField[] RsaPkcsPssParams = [U("hashAlg"), U("mgf"), U("sLen")];

    /// <summary>CK_FUNCTION_LIST: a version, then the 68 v2.40 function pointers in header order.</summary>
    public static readonly string[] FunctionNames =
    [
        "C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList", "C_GetSlotList", "C_GetSlotInfo", "C_GetTokenInfo",
        "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken", "C_InitPIN", "C_SetPIN", "C_OpenSession", "C_CloseSession",
        "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState", "C_SetOperationState", "C_Login", "C_Logout",
        "C_CreateObject", "C_CopyObject", "C_DestroyObject", "C_GetObjectSize", "C_GetAttributeValue", "C_SetAttributeValue",
        "C_FindObjectsInit", "C_FindObjects", "C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate",
        "C_EncryptFinal", "C_DecryptInit", "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", "C_DigestInit", "C_Digest",
        "C_DigestUpdate", "C_DigestKey", "C_DigestFinal", "C_SignInit", "C_Sign", "C_SignUpdate", "C_SignFinal",
        "C_SignRecoverInit", "C_SignRecover", "C_VerifyInit", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal",
        "C_VerifyRecoverInit", "C_VerifyRecover", "C_DigestEncryptUpdate", "C_DecryptDigestUpdate", "C_SignEncryptUpdate",
        "C_DecryptVerifyUpdate", "C_GenerateKey", "C_GenerateKeyPair", "C_WrapKey", "C_UnwrapKey", "C_DeriveKey",
        "C_SeedRandom", "C_GenerateRandom", "C_GetFunctionStatus", "C_CancelFunction", "C_WaitForSlotEvent",
    ];

    public static readonly CkField[] FunctionList = [V("version"), .. FunctionNames.Select(P)];
}
