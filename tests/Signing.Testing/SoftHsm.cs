using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Pkcs11;
using CKU = Net.Pkcs11Interop.Common.CKU;
using SessionType = Net.Pkcs11Interop.Common.SessionType;
using SlotsType = Net.Pkcs11Interop.Common.SlotsType;

namespace Signing.Testing;

/// <summary>
/// SoftHSM2 (Debian's real module) as the token in tests. Each test process gets its own token
/// directory, so tests never touch the developer's dev token, and can create as many tokens as
/// they need (SoftHSM2 always offers one more empty slot).
/// </summary>
public static class SoftHsm
{
    private static readonly Lock Gate = new();
    private static readonly Lazy<string> Config = new(CreateConfig);

    public static string ModulePath =>
        Environment.GetEnvironmentVariable("SIGNING_PKCS11_MODULE") is { Length: > 0 } m ? m : "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>The SoftHSM2 configuration of this process's tokens (for child processes: SOFTHSM2_CONF).</summary>
    public static string ConfigFile => Config.Value;

    /// <summary>The process-wide module, configured for this process's token directory.</summary>
    public static IPkcs11Library Library
    {
        get
        {
            _ = Config.Value;
            if (!File.Exists(ModulePath)) throw new InvalidOperationException($"SoftHSM2 is not installed at {ModulePath}: run hsm-config/setup.sh.");
            return Pkcs11Modules.Get(ModulePath);
        }
    }

    /// <summary>Initialises a fresh token with random SO and user PINs.</summary>
    public static TestToken CreateToken(string label)
    {
        var lib = Library;
        var userPin = Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
        var soPin = Encoding.UTF8.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(6)));
        lock (Gate)
        {
            var free = lib.GetSlotList(SlotsType.WithTokenPresent).First(s => !s.GetTokenInfo().TokenFlags.TokenInitialized);
            free.InitToken(soPin, Encoding.UTF8.GetBytes(label));

            // SoftHSM2 renumbers slots after C_InitToken: find the new token again by label.
            var slot = Pkcs11Token.FindSlot(lib, Pkcs11Uri.For(token: label));
            using var session = slot.OpenSession(SessionType.ReadWrite);
            session.Login(CKU.CKU_SO, soPin);
            session.InitPin(Encoding.UTF8.GetBytes(userPin));
            session.Logout();
        }

        return new TestToken(label, userPin);
    }

    private static string CreateConfig()
    {
        var dir = RepoPaths.NewTempDirectory("softhsm");
        Directory.CreateDirectory(Path.Combine(dir, "tokens"));
        var conf = Path.Combine(dir, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {Path.Combine(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        NativeEnvironment.Set("SOFTHSM2_CONF", conf);
        return conf;
    }
}

/// <summary>A token made for one test class; its user PIN lives only in test memory.</summary>
public sealed record TestToken(string Label, string UserPin)
{
    public Pkcs11Uri Uri => Pkcs11Uri.For(token: Label);

    public IPinSource PinSource => new FixedPinSource(UserPin);

    public Pkcs11Token Open(IPinSource? pinSource = null) => Pkcs11Token.Open(SoftHsm.Library, Uri, pinSource ?? PinSource);
}

/// <summary>A PIN known to the test; production PINs come from env, file or prompt.</summary>
public sealed class FixedPinSource(string pin) : IPinSource
{
    public int Calls { get; private set; }

    public string Description => "test";

    public byte[] GetPin(ITokenInfo token)
    {
        Calls++;
        return Encoding.UTF8.GetBytes(pin);
    }
}
