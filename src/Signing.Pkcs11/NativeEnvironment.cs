using System.Runtime.InteropServices;

namespace Signing.Pkcs11;

/// <summary>
/// Sets a variable that native modules read with getenv (e.g. SoftHSM2's SOFTHSM2_CONF).
/// On Unix, <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes only .NET's
/// own copy of the environment, which a C library never sees; this sets both.
/// </summary>
public static partial class NativeEnvironment
{
    public static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows() && SetEnv(name, value, 1) != 0)
        {
            throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
