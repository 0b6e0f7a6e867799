using Net.Pkcs11Interop.Common;
using Signing.Core;
using LibraryException = Net.Pkcs11Interop.Common.Pkcs11Exception;

namespace Signing.Pkcs11;

/// <summary>
/// A Cryptoki call failed. The message says what it means for the user in one line, then the
/// raw code and function for support; it never contains a PIN or key material.
/// </summary>
public class Pkcs11Exception : SigningException
{
    public Pkcs11Exception(CKR returnValue, string function)
        : base($"{Describe(returnValue)} ({NameOf(returnValue)} from {function})")
    {
        ReturnValue = returnValue;
        Function = function;
    }

    public Pkcs11Exception(CKR returnValue, string function, string message)
        : base($"{message} ({NameOf(returnValue)} from {function})")
    {
        ReturnValue = returnValue;
        Function = function;
    }

    private Pkcs11Exception(LibraryException inner)
        : base($"{Describe(inner.RV)} ({NameOf(inner.RV)} from {inner.Method})", inner)
    {
        ReturnValue = inner.RV;
        Function = inner.Method;
    }

    public CKR ReturnValue { get; }

    public string Function { get; } = "";

    /// <summary>The token is gone or its sessions are no longer valid; reopening may help.</summary>
    public bool IsTokenGone => IsGone(ReturnValue);

    /// <summary>Pkcs11Interop's exception, told in our words.</summary>
    public static Pkcs11Exception From(LibraryException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new Pkcs11Exception(exception);
    }

    public static bool IsGone(CKR rv) => rv is CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_REMOVED
        or CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED or CKR.CKR_TOKEN_NOT_RECOGNIZED
        or CKR.CKR_SLOT_ID_INVALID or CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID;

    /// <summary>The return value of a failed Cryptoki call, whichever of the two exception types says it.</summary>
    internal static CKR? ReturnValueOf(Exception exception) => exception switch
    {
        Pkcs11Exception ours => ours.ReturnValue,
        LibraryException library => library.RV,
        _ => null,
    };

    public static string NameOf(CKR rv) => Enum.IsDefined(rv) ? rv.ToString() : $"CKR 0x{(ulong)rv:X}";

    public static string Describe(CKR rv) => rv switch
    {
        CKR.CKR_PIN_INCORRECT => "The PIN is incorrect.",
        CKR.CKR_PIN_LOCKED => "The PIN is locked; the token's security officer must unblock it.",
        CKR.CKR_PIN_INVALID => "The PIN contains characters the token does not accept.",
        CKR.CKR_PIN_LEN_RANGE => "The PIN has the wrong length for this token.",
        CKR.CKR_PIN_EXPIRED => "The PIN has expired and must be changed on the token first.",
        CKR.CKR_TOKEN_NOT_PRESENT => "The token is not present (is it plugged in?).",
        CKR.CKR_DEVICE_REMOVED => "The token was removed.",
        CKR.CKR_TOKEN_NOT_RECOGNIZED => "The module does not recognise the token in this slot.",
        CKR.CKR_SLOT_ID_INVALID => "The slot no longer exists (was the token re-inserted?).",
        CKR.CKR_MECHANISM_INVALID => "The token does not support this signature mechanism.",
        CKR.CKR_MECHANISM_PARAM_INVALID => "The token rejected the mechanism's parameters.",
        CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_OBJECT_HANDLE_INVALID => "The key is no longer available on the token.",
        CKR.CKR_KEY_TYPE_INCONSISTENT => "The key's type does not fit this mechanism.",
        CKR.CKR_KEY_FUNCTION_NOT_PERMITTED => "The key is not allowed to sign.",
        CKR.CKR_USER_NOT_LOGGED_IN => "Not logged in to the token.",
        CKR.CKR_USER_PIN_NOT_INITIALIZED => "The token's user PIN has not been set.",
        CKR.CKR_USER_TYPE_INVALID => "The token does not know this user type.",
        CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED => "The token session was closed.",
        CKR.CKR_SESSION_COUNT => "The token has no free sessions.",
        CKR.CKR_SESSION_READ_ONLY => "The token session is read-only.",
        CKR.CKR_TOKEN_WRITE_PROTECTED => "The token is write-protected.",
        CKR.CKR_DATA_LEN_RANGE => "The data to sign has the wrong length for this key.",
        CKR.CKR_DEVICE_ERROR => "The token reported a device error.",
        CKR.CKR_DEVICE_MEMORY => "The token is out of memory.",
        CKR.CKR_FUNCTION_NOT_SUPPORTED => "The PKCS#11 module does not implement this function.",
        CKR.CKR_FUNCTION_CANCELED => "The operation was cancelled on the token.",
        CKR.CKR_TEMPLATE_INCOMPLETE or CKR.CKR_TEMPLATE_INCONSISTENT => "The token rejected the object template.",
        CKR.CKR_ATTRIBUTE_VALUE_INVALID => "The token rejected an attribute value.",
        CKR.CKR_CRYPTOKI_NOT_INITIALIZED => "The PKCS#11 module is not initialised.",
        CKR.CKR_HOST_MEMORY => "The PKCS#11 module ran out of host memory.",
        CKR.CKR_CURVE_NOT_SUPPORTED => "The token does not support this elliptic curve.",
        _ => "The PKCS#11 module reported an error.",
    };
}

/// <summary>The module file itself could not be used.</summary>
public sealed class Pkcs11ModuleException : SigningException
{
    public Pkcs11ModuleException(string message) : base(message) { }

    public Pkcs11ModuleException() { }

    public Pkcs11ModuleException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>No token or object matched what was asked for (by label, serial or URI).</summary>
public sealed class Pkcs11NotFoundException : SigningException
{
    public Pkcs11NotFoundException(string message) : base(message) { }

    public Pkcs11NotFoundException() { }

    public Pkcs11NotFoundException(string message, Exception inner) : base(message, inner) { }
}
