using System.Runtime.InteropServices;

namespace Signing.Pkcs11.Native;

/// <summary>
/// The module's CK_FUNCTION_LIST as typed unmanaged calls. Every CK_ULONG passed by value travels
/// as <c>nuint</c>: on 64-bit Windows a 4-byte argument still occupies a 64-bit register or stack
/// slot and the callee reads only its low half, so one set of signatures serves both layouts.
/// Returned CK_RV values are narrowed with <see cref="CkLayout.FromRegister"/>; CK_ULONGs passed
/// by pointer always point at cells sized by the layout.
/// </summary>
internal sealed unsafe class CryptokiFunctions
{
    private readonly nint[] _fn;

    public CryptokiFunctions(nint functionList, CkLayout layout)
    {
        Layout = layout;
        var names = CkStructs.FunctionNames;
        _fn = new nint[names.Length];
        for (var i = 0; i < names.Length; i++) _fn[i] = CkLayout.ReadPointer(functionList, layout.FunctionList[names[i]]);
    }

    public CkLayout Layout { get; }

    private nint F(int index, string name) =>
        _fn[index] != 0 ? _fn[index] : throw new Pkcs11Exception(CKR.CKR_FUNCTION_NOT_SUPPORTED, name);

    private CKR R(nuint rv) => (CKR)Layout.FromRegister(rv);

    public CKR C_Initialize(nint args) => R(((delegate* unmanaged<nint, nuint>)F(0, "C_Initialize"))(args));
    public CKR C_Finalize() => R(((delegate* unmanaged<nint, nuint>)F(1, "C_Finalize"))(0));
    public CKR C_GetInfo(nint info) => R(((delegate* unmanaged<nint, nuint>)F(2, "C_GetInfo"))(info));
    public CKR C_GetSlotList(bool tokenPresent, nint list, nint count) => R(((delegate* unmanaged<byte, nint, nint, nuint>)F(4, "C_GetSlotList"))(tokenPresent ? (byte)1 : (byte)0, list, count));
    public CKR C_GetSlotInfo(ulong slot, nint info) => R(((delegate* unmanaged<nuint, nint, nuint>)F(5, "C_GetSlotInfo"))((nuint)slot, info));
    public CKR C_GetTokenInfo(ulong slot, nint info) => R(((delegate* unmanaged<nuint, nint, nuint>)F(6, "C_GetTokenInfo"))((nuint)slot, info));
    public CKR C_GetMechanismList(ulong slot, nint list, nint count) => R(((delegate* unmanaged<nuint, nint, nint, nuint>)F(7, "C_GetMechanismList"))((nuint)slot, list, count));
    public CKR C_GetMechanismInfo(ulong slot, ulong type, nint info) => R(((delegate* unmanaged<nuint, nuint, nint, nuint>)F(8, "C_GetMechanismInfo"))((nuint)slot, (nuint)type, info));
    public CKR C_InitToken(ulong slot, nint pin, ulong pinLen, nint label) => R(((delegate* unmanaged<nuint, nint, nuint, nint, nuint>)F(9, "C_InitToken"))((nuint)slot, pin, (nuint)pinLen, label));
    public CKR C_InitPIN(ulong session, nint pin, ulong pinLen) => R(((delegate* unmanaged<nuint, nint, nuint, nuint>)F(10, "C_InitPIN"))((nuint)session, pin, (nuint)pinLen));
    public CKR C_OpenSession(ulong slot, ulong flags, nint session) => R(((delegate* unmanaged<nuint, nuint, nint, nint, nint, nuint>)F(12, "C_OpenSession"))((nuint)slot, (nuint)flags, 0, 0, session));
    public CKR C_CloseSession(ulong session) => R(((delegate* unmanaged<nuint, nuint>)F(13, "C_CloseSession"))((nuint)session));
    public CKR C_CloseAllSessions(ulong slot) => R(((delegate* unmanaged<nuint, nuint>)F(14, "C_CloseAllSessions"))((nuint)slot));
    public CKR C_GetSessionInfo(ulong session, nint info) => R(((delegate* unmanaged<nuint, nint, nuint>)F(15, "C_GetSessionInfo"))((nuint)session, info));
    public CKR C_Login(ulong session, ulong userType, nint pin, ulong pinLen) => R(((delegate* unmanaged<nuint, nuint, nint, nuint, nuint>)F(18, "C_Login"))((nuint)session, (nuint)userType, pin, (nuint)pinLen));
    public CKR C_Logout(ulong session) => R(((delegate* unmanaged<nuint, nuint>)F(19, "C_Logout"))((nuint)session));
    public CKR C_CreateObject(ulong session, nint template, ulong count, nint handle) => R(((delegate* unmanaged<nuint, nint, nuint, nint, nuint>)F(20, "C_CreateObject"))((nuint)session, template, (nuint)count, handle));
    public CKR C_DestroyObject(ulong session, ulong handle) => R(((delegate* unmanaged<nuint, nuint, nuint>)F(22, "C_DestroyObject"))((nuint)session, (nuint)handle));
    public CKR C_GetAttributeValue(ulong session, ulong handle, nint template, ulong count) => R(((delegate* unmanaged<nuint, nuint, nint, nuint, nuint>)F(24, "C_GetAttributeValue"))((nuint)session, (nuint)handle, template, (nuint)count));
    public CKR C_FindObjectsInit(ulong session, nint template, ulong count) => R(((delegate* unmanaged<nuint, nint, nuint, nuint>)F(26, "C_FindObjectsInit"))((nuint)session, template, (nuint)count));
    public CKR C_FindObjects(ulong session, nint handles, ulong max, nint count) => R(((delegate* unmanaged<nuint, nint, nuint, nint, nuint>)F(27, "C_FindObjects"))((nuint)session, handles, (nuint)max, count));
    public CKR C_FindObjectsFinal(ulong session) => R(((delegate* unmanaged<nuint, nuint>)F(28, "C_FindObjectsFinal"))((nuint)session));
    public CKR C_SignInit(ulong session, nint mechanism, ulong key) => R(((delegate* unmanaged<nuint, nint, nuint, nuint>)F(42, "C_SignInit"))((nuint)session, mechanism, (nuint)key));
    public CKR C_Sign(ulong session, nint data, ulong dataLen, nint signature, nint signatureLen) => R(((delegate* unmanaged<nuint, nint, nuint, nint, nint, nuint>)F(43, "C_Sign"))((nuint)session, data, (nuint)dataLen, signature, signatureLen));
    public CKR C_GenerateKeyPair(ulong session, nint mechanism, nint pubTemplate, ulong pubCount, nint privTemplate, ulong privCount, nint pub, nint priv) =>
        R(((delegate* unmanaged<nuint, nint, nint, nuint, nint, nuint, nint, nint, nuint>)F(59, "C_GenerateKeyPair"))((nuint)session, mechanism, pubTemplate, (nuint)pubCount, privTemplate, (nuint)privCount, pub, priv));
    public CKR C_GenerateRandom(ulong session, nint buffer, ulong length) => R(((delegate* unmanaged<nuint, nint, nuint, nuint>)F(64, "C_GenerateRandom"))((nuint)session, buffer, (nuint)length));

    /// <summary>Throws a <see cref="Pkcs11Exception"/> for anything but CKR_OK.</summary>
    public static void Check(CKR rv, string function)
    {
        if (rv != CKR.CKR_OK) throw new Pkcs11Exception(rv, function);
    }

    /// <summary>Loads a module and returns its function list (C_GetFunctionList).</summary>
    public static (nint Library, nint FunctionList) Load(string path)
    {
        nint lib;
        try
        {
            lib = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException ex)
        {
            throw new Pkcs11ModuleException($"PKCS#11 module '{path}' could not be loaded: {ex.Message.ReplaceLineEndings(" ")}");
        }
        catch (BadImageFormatException)
        {
            throw new Pkcs11ModuleException($"PKCS#11 module '{path}' is not a 64-bit library for this platform.");
        }

        if (!NativeLibrary.TryGetExport(lib, "C_GetFunctionList", out var getFunctionList))
        {
            NativeLibrary.Free(lib);
            throw new Pkcs11ModuleException($"'{path}' is not a PKCS#11 module (no C_GetFunctionList).");
        }

        nint list = 0;
        var rv = ((delegate* unmanaged<nint*, nuint>)getFunctionList)(&list);
        if ((rv & 0xFFFFFFFF) != 0 || list == 0)
        {
            NativeLibrary.Free(lib);
            throw new Pkcs11ModuleException($"PKCS#11 module '{path}' returned no function list.");
        }

        return (lib, list);
    }
}
