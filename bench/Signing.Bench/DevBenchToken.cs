using Signing.DevPki;
using Signing.Pkcs11;

namespace Signing.Bench;

/// <summary>The dev token every suite signs on (made by hsm-config/setup.sh).</summary>
internal static class DevBenchToken
{
    public static DevLayout Layout()
    {
        var layout = DevLayout.Default();
        if (!File.Exists(layout.SoftHsmConfig)) throw new InvalidOperationException("No dev token: run hsm-config/setup.sh first.");
        NativeEnvironment.Set("SOFTHSM2_CONF", layout.SoftHsmConfig);
        return layout;
    }

    public static Pkcs11Token Open(DevLayout layout) =>
        Pkcs11Token.Open(DevLayout.ModulePath, Pkcs11Uri.For(token: DevLayout.TokenLabel), new FilePinSource(layout.UserPinFile));
}
