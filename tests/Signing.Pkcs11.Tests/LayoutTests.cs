using Signing.Pkcs11.Native;

namespace Signing.Pkcs11.Tests;

/// <summary>
/// Sizes and offsets of the Cryptoki structures in both layouts. The Unix numbers were checked
/// against gcc's offsetof over p11-kit's pkcs11.h on x86-64 Linux; the Windows numbers follow from
/// 4-byte CK_ULONG and 1-byte packing (pkcs11.h's #pragma pack(push, cryptoki, 1)).
/// </summary>
public class LayoutTests
{
    [Theory]
    [InlineData("unix", 88, 40, 48, 80)]
    [InlineData("windows", 72, 34, 38, 70)]
    public void CK_INFO(string os, int size, int flags, int description, int libraryVersion)
    {
        var s = Layout(os).Info;
        Assert.Equal(size, s.Size);
        Assert.Equal(0, s["cryptokiVersion"]);
        Assert.Equal(2, s["manufacturerID"]);
        Assert.Equal(flags, s["flags"]);
        Assert.Equal(description, s["libraryDescription"]);
        Assert.Equal(libraryVersion, s["libraryVersion"]);
    }

    [Theory]
    [InlineData("unix", 208, 96, 104, 136, 144, 176, 184, 186, 188)]
    [InlineData("windows", 160, 96, 100, 116, 120, 136, 140, 142, 144)]
    public void CK_TOKEN_INFO(string os, int size, int flags, int maxSessions, int maxPin, int minPin, int freePrivate, int hw, int fw, int utc)
    {
        var s = Layout(os).TokenInfo;
        Assert.Equal(size, s.Size);
        Assert.Equal(0, s["label"]);
        Assert.Equal(32, s["manufacturerID"]);
        Assert.Equal(64, s["model"]);
        Assert.Equal(80, s["serialNumber"]);
        Assert.Equal(flags, s["flags"]);
        Assert.Equal(maxSessions, s["ulMaxSessionCount"]);
        Assert.Equal(maxPin, s["ulMaxPinLen"]);
        Assert.Equal(minPin, s["ulMinPinLen"]);
        Assert.Equal(freePrivate, s["ulFreePrivateMemory"]);
        Assert.Equal(hw, s["hardwareVersion"]);
        Assert.Equal(fw, s["firmwareVersion"]);
        Assert.Equal(utc, s["utcTime"]);
    }

    [Theory]
    [InlineData("unix", 24, 8, 16)]
    [InlineData("windows", 16, 4, 12)]
    public void CK_ATTRIBUTE_and_CK_MECHANISM(string os, int size, int pointer, int length)
    {
        var l = Layout(os);
        Assert.Equal(size, l.Attribute.Size);
        Assert.Equal(0, l.Attribute["type"]);
        Assert.Equal(pointer, l.Attribute["pValue"]);
        Assert.Equal(length, l.Attribute["ulValueLen"]);
        Assert.Equal(size, l.Mechanism.Size);
        Assert.Equal(pointer, l.Mechanism["pParameter"]);
        Assert.Equal(length, l.Mechanism["ulParameterLen"]);
    }

    [Theory]
    [InlineData("unix", 48, 32, 40)]
    [InlineData("windows", 44, 32, 36)]
    public void CK_C_INITIALIZE_ARGS(string os, int size, int flags, int reserved)
    {
        var s = Layout(os).InitializeArgs;
        Assert.Equal(size, s.Size);
        Assert.Equal(0, s["CreateMutex"]);
        Assert.Equal(24, s["UnlockMutex"]);
        Assert.Equal(flags, s["flags"]);
        Assert.Equal(reserved, s["pReserved"]);
    }

    [Theory]
    [InlineData("unix", 552, 8, 352, 544)]
    [InlineData("windows", 546, 2, 346, 538)]
    public void CK_FUNCTION_LIST(string os, int size, int first, int sign, int last)
    {
        var s = Layout(os).FunctionList;
        Assert.Equal(size, s.Size);
        Assert.Equal(first, s["C_Initialize"]);
        Assert.Equal(sign, s["C_Sign"]);
        Assert.Equal(last, s["C_WaitForSlotEvent"]);
    }

    [Theory]
    [InlineData("unix", 112, 96, 104, 32, 24, 24)]
    [InlineData("windows", 104, 96, 100, 16, 12, 12)]
    public void Other_structures(string os, int slotInfo, int slotFlags, int slotHw, int sessionInfo, int mechanismInfo, int pss)
    {
        var l = Layout(os);
        Assert.Equal(slotInfo, l.SlotInfo.Size);
        Assert.Equal(slotFlags, l.SlotInfo["flags"]);
        Assert.Equal(slotHw, l.SlotInfo["hardwareVersion"]);
        Assert.Equal(sessionInfo, l.SessionInfo.Size);
        Assert.Equal(mechanismInfo, l.MechanismInfo.Size);
        Assert.Equal(pss, l.RsaPkcsPssParams.Size);
    }

    [Fact]
    public void Ulong_width_and_unavailable_information_follow_the_layout()
    {
        Assert.Equal(8, CkLayout.Unix64.UlongSize);
        Assert.Equal(4, CkLayout.Windows64.UlongSize);
        Assert.Equal(ulong.MaxValue, CkLayout.Unix64.UnavailableInformation);
        Assert.Equal(uint.MaxValue, CkLayout.Windows64.UnavailableInformation);
        Assert.Equal(0xA0UL, CkLayout.Windows64.FromRegister(unchecked((nuint)0xDEADBEEF000000A0)));
        Assert.Same(OperatingSystem.IsWindows() ? CkLayout.Windows64 : CkLayout.Unix64, CkLayout.Current);
    }

    [Fact]
    public void Mechanism_parameters_are_encoded_per_layout()
    {
        var m = Mechanism.RsaPss(CKM.CKM_RSA_PKCS_PSS, CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, 32);
        var unix = Encode(m, CkLayout.Unix64);
        var win = Encode(m, CkLayout.Windows64);
        Assert.Equal(24, unix.Length);
        Assert.Equal(12, win.Length);
        Assert.Equal(0x250UL, BitConverter.ToUInt64(unix, 0));
        Assert.Equal(32U, BitConverter.ToUInt32(win, 8));
    }

    private static byte[] Encode(Mechanism m, CkLayout layout) =>
        (byte[])typeof(Mechanism).GetMethod("EncodeParameter", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.Invoke(m, [layout])!;

    private static CkLayout Layout(string os) => os == "unix" ? CkLayout.Unix64 : CkLayout.Windows64;
}
