using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Core;
using Signing.Core.Keys;
using Signing.Cms;
using Signing.Pkcs11;
using CKR = Net.Pkcs11Interop.Common.CKR;

namespace Signing.Agent;

/// <summary>What the token says about the PIN before we try it.</summary>
public enum PinState
{
    Ok,
    CountLow,
    FinalTry,
    Locked,
}

/// <summary>The head's signing token as the batch uses it: one login, then one signature per document.</summary>
public interface IHeadToken : IDisposable
{
    string Description { get; }

    X509Certificate2 Certificate { get; }

    PinState ReadPinState();

    /// <summary>Logs in once; the PIN is asked for here, once.</summary>
    void Login();

    byte[] Sign(byte[] hash, SignatureScheme scheme);
}

/// <summary>The token is absent, was removed, or was reset mid-batch.</summary>
public sealed class TokenUnavailableException(string message) : SigningException(message);

/// <summary>
/// A PIN source that asks once. The PIN bytes are handed to C_Login and zeroed by the caller; a
/// second request means the token was reset or re-inserted, and a batch must then stop rather
/// than sign with a PIN kept in memory.
/// </summary>
public sealed class AskOncePinSource(Func<ITokenInfo, byte[]> ask) : IPinSource
{
    private int _asked;

    public string Description => "asked once";

    public byte[] GetPin(ITokenInfo token)
    {
        if (Interlocked.Exchange(ref _asked, 1) == 1)
            throw new TokenUnavailableException($"Token '{token?.Label}' asked for the PIN again: it was removed or reset. Run the batch again to sign the rest.");
        return ask(token!);
    }
}

/// <summary>The token through Pkcs11Interop: found by serial, certificate and key by their shared CKA_ID.</summary>
public sealed class Pkcs11HeadToken : IHeadToken
{
    private readonly Pkcs11Token _token;
    private readonly byte[] _keyId;
    private Pkcs11SignatureKey? _key;

    private Pkcs11HeadToken(Pkcs11Token token, X509Certificate2 certificate, byte[] keyId)
    {
        _token = token;
        Certificate = certificate;
        _keyId = keyId;
    }

    public string Description => $"'{_token.Info.Label}' (serial {_token.Info.SerialNumber})";

    public X509Certificate2 Certificate { get; }

    /// <summary>Opens the configured token and checks it holds the enrolled certificate and its key.</summary>
    public static Pkcs11HeadToken Open(AgentSettings settings, IPinSource pin)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Pkcs11Token token;
        try
        {
            token = Pkcs11Token.Open(settings.Module, Pkcs11Uri.For(serial: settings.TokenSerial), pin);
        }
        catch (Pkcs11NotFoundException)
        {
            throw new TokenUnavailableException($"Your token '{settings.TokenLabel}' (serial {settings.TokenSerial}) is not present: insert it and run again. Nothing was signed.");
        }

        try
        {
            var store = new Pkcs11KeyStore(token);
            var id = Convert.FromHexString(settings.KeyId);
            var certificate = store.FindCertificate(Pkcs11Uri.For(id: id, type: "cert"), login: false)
                ?? throw new SigningException($"Token {Describe(token)} holds no certificate with id {settings.KeyId}: this is not the token you enrolled. Nothing was signed.");
            var sha = Convert.ToHexString(SHA256.HashData(certificate.RawData));
            if (!string.Equals(sha, settings.CertificateSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new SigningException($"Token {Describe(token)} holds certificate '{certificate.Subject}' ({sha[..16]}…), not the one you enrolled ({settings.CertificateSha256[..16]}…): insert your own token, or run setup to enroll this one. Nothing was signed.");
            }

            return new Pkcs11HeadToken(token, certificate, id);
        }
        catch
        {
            token.Dispose();
            throw;
        }
    }

    private static string Describe(Pkcs11Token token) => $"'{token.Info.Label}' (serial {token.Info.SerialNumber})";

    public PinState ReadPinState()
    {
        var flags = Guard(_token.ReadInfo).TokenFlags;
        return flags.UserPinLocked ? PinState.Locked : flags.UserPinFinalTry ? PinState.FinalTry : flags.UserPinCountLow ? PinState.CountLow : PinState.Ok;
    }

    /// <summary>Logs in (the PIN is asked here), then finds the private key, which is a private object.</summary>
    public void Login() => _key = Guard(() =>
    {
        _token.Login();
        var key = new Pkcs11KeyStore(_token).GetSignatureKey(Pkcs11Uri.For(id: _keyId, type: "private"));
        if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(Certificate.PublicKey.ExportSubjectPublicKeyInfo()))
            throw new SigningException("The private key on the token does not belong to the enrolled certificate.");
        return key;
    });

    public byte[] Sign(byte[] hash, SignatureScheme scheme)
    {
        var key = _key ?? throw new InvalidOperationException("Login() comes before Sign()");
        return Guard(() => scheme switch
        {
            SignatureScheme.RsaPkcs1 => key.SignHash(hash, HashAlgorithmName.SHA256, RsaPaddingMode.Pkcs1),
            SignatureScheme.RsaPss => key.SignHash(hash, HashAlgorithmName.SHA256, RsaPaddingMode.Pss),
            _ => key.SignHash(hash, HashAlgorithmName.SHA256),
        });
    }

    // A token pulled out shows up as "gone" codes, or as "not found" when the pool tries to reopen it.
    private T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (Pkcs11Exception e) when (e.IsTokenGone || e.ReturnValue == CKR.CKR_DEVICE_ERROR)
        {
            throw new TokenUnavailableException($"The token was removed or stopped answering ({Pkcs11Exception.NameOf(e.ReturnValue)}).");
        }
        catch (Pkcs11NotFoundException)
        {
            throw new TokenUnavailableException("The token was removed.");
        }
    }

    public void Dispose()
    {
        _token.Dispose();
        Certificate.Dispose();
    }
}
