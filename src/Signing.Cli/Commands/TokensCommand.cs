using System.CommandLine;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Pkcs11;
using CKO = Net.Pkcs11Interop.Common.CKO;
using CKR = Net.Pkcs11Interop.Common.CKR;
using SlotsType = Net.Pkcs11Interop.Common.SlotsType;

namespace Signing.Cli.Commands;

/// <summary>`signing tokens`: slots, tokens and the keys and certificates on them, with their URIs.</summary>
internal static class TokensCommand
{
    public static Command Create()
    {
        var module = new Option<string?>("--module") { Description = "PKCS#11 module path (default: SIGNING_PKCS11_MODULE or SoftHSM2)" };
        var pin = new Option<string?>("--pin-source") { Description = "env:NAME, file:/path or prompt; with a PIN, private objects are listed too (default: the dev token's PIN file)" };
        var cmd = new Command("tokens", "List slots, tokens, keys and certificates with their PKCS#11 URIs.") { module, pin };
        cmd.SetAction(parse =>
        {
            var path = DevDefaults.Module(parse.GetValue(module));
            var lib = Pkcs11Modules.Get(path);
            var info = lib.GetInfo();
            Console.WriteLine($"module {path}: {info.ManufacturerId} {info.LibraryDescription} {info.LibraryVersion} (Cryptoki {info.CryptokiVersion})");
            foreach (var slot in lib.GetSlotList(SlotsType.WithOrWithoutTokenPresent))
            {
                var slotInfo = slot.GetSlotInfo();
                if (!slotInfo.SlotFlags.TokenPresent)
                {
                    Console.WriteLine($"slot {slot.SlotId}: {slotInfo.SlotDescription} (no token)");
                    continue;
                }

                var t = slot.GetTokenInfo();
                if (!t.TokenFlags.TokenInitialized)
                {
                    Console.WriteLine($"slot {slot.SlotId}: empty token (not initialised)");
                    continue;
                }

                Console.WriteLine($"slot {slot.SlotId}: token '{t.Label}' serial {t.SerialNumber} model {t.Model} by {t.ManufacturerId}{Flags(t)}");
                var pinSource = DevDefaults.PinSource(parse.GetValue(pin), t.Label);
                using var token = Pkcs11Token.Open(lib, Pkcs11Uri.For(token: t.Label, serial: t.SerialNumber), pinSource);
                IReadOnlyList<TokenObject> objects;
                try
                {
                    objects = new Pkcs11KeyStore(token).ListObjects(login: pinSource != null);
                    if (pinSource == null) Console.WriteLine("  (no PIN source: public objects only)");
                }
                catch (Pkcs11Exception ex) when (ex.ReturnValue == CKR.CKR_PIN_INCORRECT)
                {
                    Console.WriteLine($"  (not listed: {ex.Message})");
                    continue;
                }
                foreach (var o in objects)
                {
                    var what = o.Class == CKO.CKO_CERTIFICATE ? o.Subject : $"{o.KeyType}-{o.KeyBits}";
                    Console.WriteLine($"  {o.Uri}  {what}");
                }
            }

            return 0;
        });
        return cmd;
    }

    private static string Flags(ITokenInfo token)
    {
        var t = token.TokenFlags;
        var flags = new List<string>();
        if (t.UserPinLocked) flags.Add("PIN LOCKED");
        else if (t.UserPinFinalTry) flags.Add("PIN final try");
        else if (t.UserPinCountLow) flags.Add("PIN count low");
        if (t.ProtectedAuthenticationPath) flags.Add("PIN pad");
        return flags.Count == 0 ? "" : $" [{string.Join(", ", flags)}]";
    }
}
