using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Signing.Core;
using Signing.Testing;

namespace Signing.Pkcs11.Tests;

/// <summary>The session pool, login handling and token loss on the real module.</summary>
public class SessionPoolTests(TokenFixture fx) : IClassFixture<TokenFixture>
{
    [Fact]
    public void Two_threads_sign_a_thousand_times_each_without_error()
    {
        var hash = SHA256.HashData("pool"u8);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(fx.Rsa.ExportSubjectPublicKeyInfo(), out _);
        var failures = 0;
        var signatures = new byte[2][];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, t =>
        {
            for (var i = 0; i < 1000; i++)
            {
                var s = fx.Rsa.SignHash(hash, HashAlgorithmName.SHA256);
                if (s.Length != 256) Interlocked.Increment(ref failures);
                signatures[t] = s;
            }
        });
        Assert.Equal(0, failures);
        Assert.True(rsa.VerifyHash(hash, signatures[0], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.True(rsa.VerifyHash(hash, signatures[1], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Logs_in_once_for_many_signatures()
    {
        var pins = new FixedPinSource(fx.TestToken.UserPin);
        using var token = fx.TestToken.Open(pins);
        var key = new Pkcs11KeyStore(token).GetSignatureKey(Pkcs11Uri.For(obj: "p256"));
        for (var i = 0; i < 20; i++) key.SignHash(SHA256.HashData([(byte)i]), HashAlgorithmName.SHA256);
        Assert.Equal(1, pins.Calls);
    }

    [Fact]
    public void Logs_in_again_after_the_token_logged_out()
    {
        var pins = new FixedPinSource(fx.TestToken.UserPin);
        using var token = fx.TestToken.Open(pins);
        var key = new Pkcs11KeyStore(token).GetSignatureKey(Pkcs11Uri.For(obj: "rsa"));
        key.SignHash(new byte[32], HashAlgorithmName.SHA256);

        // Logging out any session logs out the application: the next signature must re-login by itself.
        token.Run(s => s.Logout(), login: false);
        key.SignHash(new byte[32], HashAlgorithmName.SHA256);
        Assert.Equal(2, pins.Calls);
    }

    [Fact]
    public void Finds_a_private_key_after_the_login_was_lost_by_logging_in_again()
    {
        var pins = new FixedPinSource(fx.TestToken.UserPin);
        using var token = fx.TestToken.Open(pins);
        var store = new Pkcs11KeyStore(token);
        store.GetSignatureKey(Pkcs11Uri.For(obj: "rsa"));

        // Logged out elsewhere, a private key is invisible (not found) rather than refused as "not logged in".
        token.Run(s => s.Logout(), login: false);
        var key = store.GetSignatureKey(Pkcs11Uri.For(obj: "rsa"));
        Assert.Equal(256, key.SignHash(new byte[32], HashAlgorithmName.SHA256).Length);
        Assert.Equal(2, pins.Calls);
    }

    [Fact]
    public async Task Signatures_on_several_threads_survive_logouts_under_them()
    {
        var pins = new FixedPinSource(fx.TestToken.UserPin);
        using var token = fx.TestToken.Open(pins);
        var store = new Pkcs11KeyStore(token);
        var key = store.GetSignatureKey(Pkcs11Uri.For(obj: "rsa"));
        key.SignHash(new byte[32], HashAlgorithmName.SHA256);
        using var stop = new CancellationTokenSource();
        var logouts = 0;
        var logOut = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(500);
                try
                {
                    token.Run(s => s.Logout(), login: false);
                    Interlocked.Increment(ref logouts);
                }
                catch (Pkcs11Exception)
                {
                    // not logged in at that moment
                }
            }
        });
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            for (var i = 0; Volatile.Read(ref logouts) < 5 && DateTime.UtcNow < deadline; i++)
            {
                try
                {
                    if (i % 10 == 0) store.GetSignatureKey(Pkcs11Uri.For(obj: "rsa"));
                    Assert.Equal(256, key.SignHash(new byte[32], HashAlgorithmName.SHA256).Length);
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                }
            }
        });
        await stop.CancelAsync();
        await logOut;
        Assert.True(logouts >= 5, $"only {logouts} logouts in 20 s");
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(3)));
    }

    [Fact]
    public void Reopens_after_all_sessions_were_invalidated_as_by_a_reinserted_token()
    {
        using var token = fx.TestToken.Open();
        var key = new Pkcs11KeyStore(token).GetSignatureKey(Pkcs11Uri.For(obj: "rsa"));
        key.SignHash(new byte[32], HashAlgorithmName.SHA256);
        var generation = token.Generation;

        // Closing every session is what a removal does to the application's handles.
        Pkcs11Token.FindSlot(SoftHsm.Library, fx.TestToken.Uri).CloseAllSessions();
        var signature = key.SignHash(new byte[32], HashAlgorithmName.SHA256);
        Assert.Equal(256, signature.Length);
        Assert.True(token.Generation > generation);
    }

    [Fact]
    public void A_wrong_pin_says_so_and_never_shows_the_pin()
    {
        using var token = fx.TestToken.Open(new FixedPinSource("999999"));
        var ex = Assert.Throws<Pkcs11Exception>(() => token.Login());
        Assert.Equal(CKR.CKR_PIN_INCORRECT, ex.ReturnValue);
        Assert.StartsWith("The PIN is incorrect.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("999999", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_token_lists_what_is_present()
    {
        var ex = Assert.Throws<Pkcs11NotFoundException>(() => Pkcs11Token.Open(SoftHsm.Library, Pkcs11Uri.For(token: "no-such-token"), null));
        Assert.Contains("No token matches pkcs11:token=no-such-token", ex.Message, StringComparison.Ordinal);
        Assert.Contains(fx.TestToken.Label, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_that_needs_a_pin_without_a_pin_source_says_so()
    {
        using var token = Pkcs11Token.Open(SoftHsm.Library, fx.TestToken.Uri, null);
        var ex = Assert.Throws<SigningException>(() => token.Login());
        Assert.Contains("no PIN source", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_module_that_is_not_there_is_a_clear_error()
    {
        var ex = Assert.Throws<Pkcs11ModuleException>(() => Pkcs11Modules.Get("/nonexistent/libnothing.so"));
        Assert.Contains("/nonexistent/libnothing.so", ex.Message, StringComparison.Ordinal);
        var runtimeLibrary = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so"); // a shared library, but no Cryptoki
        var notModule = Assert.Throws<Pkcs11ModuleException>(() => Pkcs11Modules.Get(runtimeLibrary));
        Assert.Contains("not a PKCS#11 module", notModule.Message, StringComparison.Ordinal);
    }
}
