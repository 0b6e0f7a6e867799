using Signing.DevPki;
using Signing.Pkcs11;

namespace Signing.Cli;

/// <summary>
/// What the CLI uses when the user names nothing: the dev layout (SIGNING_HOME or the checkout's
/// .dev), SoftHSM2 pointed at the dev token store, and the dev token's PIN file.
/// </summary>
internal static class DevDefaults
{
    public static DevLayout Layout { get; } = DevLayout.Default();

    /// <summary>Resolves the module and makes SoftHSM2 find the dev tokens (unless SOFTHSM2_CONF is set).</summary>
    public static string Module(string? module)
    {
        DevTokenSetup.UseDevSoftHsmConfig(Layout);
        return module ?? DevLayout.ModulePath;
    }

    /// <summary>An explicit PIN source, else (for the dev token only) its PIN file when it exists, else none.</summary>
    public static IPinSource? PinSource(string? spec, string tokenLabel = DevLayout.TokenLabel)
    {
        if (spec != null) return PinSources.Parse(spec);
        return tokenLabel == DevLayout.TokenLabel && File.Exists(Layout.UserPinFile) ? new FilePinSource(Layout.UserPinFile) : null;
    }
}
