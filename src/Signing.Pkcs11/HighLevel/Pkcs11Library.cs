using System.Runtime.InteropServices;
using System.Text;
using Signing.Pkcs11.Native;

namespace Signing.Pkcs11;

public enum SlotsType
{
    WithTokenPresent,
    WithOrWithoutTokenPresent,
}

public enum SessionType
{
    ReadOnly,
    ReadWrite,
}

public sealed record LibraryInfo(Version CryptokiVersion, string ManufacturerId, string LibraryDescription, Version LibraryVersion);

public sealed record SlotInfo(ulong SlotId, string Description, string ManufacturerId, ulong Flags)
{
    public bool TokenPresent => (Flags & CKF.CKF_TOKEN_PRESENT) != 0;

    public bool RemovableDevice => (Flags & CKF.CKF_REMOVABLE_DEVICE) != 0;
}

public sealed record TokenInfo(
    string Label,
    string ManufacturerId,
    string Model,
    string SerialNumber,
    ulong Flags,
    ulong MinPinLength,
    ulong MaxPinLength)
{
    public bool TokenInitialized => (Flags & CKF.CKF_TOKEN_INITIALIZED) != 0;

    public bool LoginRequired => (Flags & CKF.CKF_LOGIN_REQUIRED) != 0;

    public bool UserPinInitialized => (Flags & CKF.CKF_USER_PIN_INITIALIZED) != 0;

    public bool UserPinCountLow => (Flags & CKF.CKF_USER_PIN_COUNT_LOW) != 0;

    public bool UserPinFinalTry => (Flags & CKF.CKF_USER_PIN_FINAL_TRY) != 0;

    public bool UserPinLocked => (Flags & CKF.CKF_USER_PIN_LOCKED) != 0;

    public bool ProtectedAuthenticationPath => (Flags & CKF.CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
}

public sealed record MechanismInfo(CKM Mechanism, ulong MinKeySize, ulong MaxKeySize, ulong Flags)
{
    public bool CanSign => (Flags & CKF.CKF_SIGN) != 0;
}

public sealed record SessionInfo(ulong SlotId, CKS State, ulong Flags, ulong DeviceError);

/// <summary>
/// A loaded PKCS#11 module (shaped like Pkcs11Interop's IPkcs11Library). C_Initialize is called
/// with OS locking; C_Finalize and the library unload happen on Dispose. A module may be
/// initialised only once per process: share one instance (see <see cref="Pkcs11Modules"/>).
/// </summary>
public sealed unsafe class Pkcs11Library : IDisposable
{
    private nint _library;
    private readonly bool _finalizeOnDispose;

    private Pkcs11Library(string path, nint library, CryptokiFunctions functions, bool finalizeOnDispose)
    {
        Path = path;
        _library = library;
        Functions = functions;
        _finalizeOnDispose = finalizeOnDispose;
    }

    public string Path { get; }

    public CkLayout Layout => Functions.Layout;

    internal CryptokiFunctions Functions { get; }

    /// <summary>Loads and initialises a module. <paramref name="layout"/> defaults to this platform's.</summary>
    public static Pkcs11Library Load(string path, CkLayout? layout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        layout ??= CkLayout.Current;
        var (lib, list) = CryptokiFunctions.Load(path);
        var functions = new CryptokiFunctions(list, layout);
        var args = layout.InitializeArgs;
        var block = (nint)NativeMemory.AllocZeroed((nuint)args.Size);
        try
        {
            layout.WriteUlong(block, args["flags"], CKF.CKF_OS_LOCKING_OK);
            var rv = functions.C_Initialize(block);
            if (rv is not (CKR.CKR_OK or CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED))
            {
                NativeLibrary.Free(lib);
                throw new Pkcs11Exception(rv, "C_Initialize", $"PKCS#11 module '{path}' failed to initialise.");
            }

            // If someone else in this process initialised it, they own C_Finalize.
            return new Pkcs11Library(path, lib, functions, finalizeOnDispose: rv == CKR.CKR_OK);
        }
        finally
        {
            NativeMemory.Free((void*)block);
        }
    }

    public LibraryInfo GetInfo()
    {
        var s = Layout.Info;
        var block = (nint)NativeMemory.AllocZeroed((nuint)s.Size);
        try
        {
            CryptokiFunctions.Check(Functions.C_GetInfo(block), "C_GetInfo");
            return new LibraryInfo(
                ReadVersion(block, s["cryptokiVersion"]),
                ReadPadded(block, s["manufacturerID"], 32),
                ReadPadded(block, s["libraryDescription"], 32),
                ReadVersion(block, s["libraryVersion"]));
        }
        finally
        {
            NativeMemory.Free((void*)block);
        }
    }

    public IReadOnlyList<Slot> GetSlotList(SlotsType type)
    {
        var present = type == SlotsType.WithTokenPresent;
        var u = Layout.UlongSize;
        var count = stackalloc byte[8];
        while (true)
        {
            CryptokiFunctions.Check(Functions.C_GetSlotList(present, 0, (nint)count), "C_GetSlotList");
            var n = Layout.ReadUlong((nint)count);
            if (n == 0) return [];
            var list = (nint)NativeMemory.AllocZeroed((nuint)((int)n * u));
            try
            {
                var rv = Functions.C_GetSlotList(present, list, (nint)count);
                if (rv == CKR.CKR_BUFFER_TOO_SMALL) continue; // a token arrived between the calls
                CryptokiFunctions.Check(rv, "C_GetSlotList");
                n = Layout.ReadUlong((nint)count);
                var slots = new List<Slot>((int)n);
                for (var i = 0; i < (int)n; i++) slots.Add(new Slot(this, Layout.ReadUlong(list, i * u)));
                return slots;
            }
            finally
            {
                NativeMemory.Free((void*)list);
            }
        }
    }

    public void Dispose()
    {
        if (_library == 0) return;
        if (_finalizeOnDispose) Functions.C_Finalize();
        NativeLibrary.Free(_library);
        _library = 0;
    }

    internal static Version ReadVersion(nint block, int offset) =>
        new(Marshal.ReadByte(block, offset), Marshal.ReadByte(block, offset + 1));

    /// <summary>Cryptoki strings are UTF-8, blank-padded, not NUL-terminated.</summary>
    internal static string ReadPadded(nint block, int offset, int length)
    {
        var bytes = new byte[length];
        Marshal.Copy(block + offset, bytes, 0, length);
        return Encoding.UTF8.GetString(bytes).TrimEnd(' ', '\0');
    }
}

/// <summary>A slot of a module (shaped like Pkcs11Interop's ISlot).</summary>
public sealed unsafe class Slot
{
    internal Slot(Pkcs11Library library, ulong slotId)
    {
        Library = library;
        SlotId = slotId;
    }

    public Pkcs11Library Library { get; }

    public ulong SlotId { get; }

    private CryptokiFunctions F => Library.Functions;

    private CkLayout L => Library.Layout;

    public SlotInfo GetSlotInfo()
    {
        var s = L.SlotInfo;
        var block = (nint)NativeMemory.AllocZeroed((nuint)s.Size);
        try
        {
            CryptokiFunctions.Check(F.C_GetSlotInfo(SlotId, block), "C_GetSlotInfo");
            return new SlotInfo(SlotId, Pkcs11Library.ReadPadded(block, s["slotDescription"], 64),
                Pkcs11Library.ReadPadded(block, s["manufacturerID"], 32), L.ReadUlong(block, s["flags"]));
        }
        finally
        {
            NativeMemory.Free((void*)block);
        }
    }

    public TokenInfo GetTokenInfo()
    {
        var s = L.TokenInfo;
        var block = (nint)NativeMemory.AllocZeroed((nuint)s.Size);
        try
        {
            CryptokiFunctions.Check(F.C_GetTokenInfo(SlotId, block), "C_GetTokenInfo");
            return new TokenInfo(
                Pkcs11Library.ReadPadded(block, s["label"], 32),
                Pkcs11Library.ReadPadded(block, s["manufacturerID"], 32),
                Pkcs11Library.ReadPadded(block, s["model"], 16),
                Pkcs11Library.ReadPadded(block, s["serialNumber"], 16),
                L.ReadUlong(block, s["flags"]),
                L.ReadUlong(block, s["ulMinPinLen"]),
                L.ReadUlong(block, s["ulMaxPinLen"]));
        }
        finally
        {
            NativeMemory.Free((void*)block);
        }
    }

    public IReadOnlyList<CKM> GetMechanismList()
    {
        var count = stackalloc byte[8];
        CryptokiFunctions.Check(F.C_GetMechanismList(SlotId, 0, (nint)count), "C_GetMechanismList");
        var n = (int)L.ReadUlong((nint)count);
        var list = (nint)NativeMemory.AllocZeroed((nuint)Math.Max(1, n * L.UlongSize));
        try
        {
            CryptokiFunctions.Check(F.C_GetMechanismList(SlotId, list, (nint)count), "C_GetMechanismList");
            n = (int)L.ReadUlong((nint)count);
            var result = new List<CKM>(n);
            for (var i = 0; i < n; i++) result.Add((CKM)L.ReadUlong(list, i * L.UlongSize));
            return result;
        }
        finally
        {
            NativeMemory.Free((void*)list);
        }
    }

    public MechanismInfo GetMechanismInfo(CKM mechanism)
    {
        var s = L.MechanismInfo;
        var block = (nint)NativeMemory.AllocZeroed((nuint)s.Size);
        try
        {
            CryptokiFunctions.Check(F.C_GetMechanismInfo(SlotId, (ulong)mechanism, block), "C_GetMechanismInfo");
            return new MechanismInfo(mechanism, L.ReadUlong(block, s["ulMinKeySize"]), L.ReadUlong(block, s["ulMaxKeySize"]), L.ReadUlong(block, s["flags"]));
        }
        finally
        {
            NativeMemory.Free((void*)block);
        }
    }

    /// <summary>Initialises (erases!) the token in this slot with an SO PIN and a label.</summary>
    public void InitToken(ReadOnlySpan<byte> soPin, string label)
    {
        var padded = new byte[32];
        Array.Fill(padded, (byte)' ');
        var encoded = Encoding.UTF8.GetBytes(label);
        if (encoded.Length > 32) throw new ArgumentException("A token label is at most 32 bytes of UTF-8.", nameof(label));
        encoded.CopyTo(padded, 0);
        fixed (byte* pin = soPin)
        fixed (byte* lbl = padded)
        {
            CryptokiFunctions.Check(F.C_InitToken(SlotId, (nint)pin, (ulong)soPin.Length, (nint)lbl), "C_InitToken");
        }
    }

    /// <summary>Closes every session this application has with the token (logs it out too).</summary>
    public void CloseAllSessions() => CryptokiFunctions.Check(F.C_CloseAllSessions(SlotId), "C_CloseAllSessions");

    public Session OpenSession(SessionType type)
    {
        var flags = CKF.CKF_SERIAL_SESSION | (type == SessionType.ReadWrite ? CKF.CKF_RW_SESSION : 0);
        var handle = stackalloc byte[8];
        CryptokiFunctions.Check(F.C_OpenSession(SlotId, flags, (nint)handle), "C_OpenSession");
        return new Session(this, L.ReadUlong((nint)handle));
    }
}
