using Net.Pkcs11Interop.Common;

namespace Signing.Pkcs11.Tests;

/// <summary>Every CKR a user can meet maps to a sentence that says what to do, plus the raw code for support.</summary>
public class ErrorMessageTests
{
    [Theory]
    [InlineData(CKR.CKR_PIN_INCORRECT, "The PIN is incorrect.")]
    [InlineData(CKR.CKR_PIN_LOCKED, "The PIN is locked")]
    [InlineData(CKR.CKR_TOKEN_NOT_PRESENT, "The token is not present")]
    [InlineData(CKR.CKR_DEVICE_REMOVED, "The token was removed.")]
    [InlineData(CKR.CKR_MECHANISM_INVALID, "does not support this signature mechanism")]
    [InlineData(CKR.CKR_KEY_HANDLE_INVALID, "The key is no longer available")]
    [InlineData(CKR.CKR_USER_NOT_LOGGED_IN, "Not logged in")]
    [InlineData(CKR.CKR_PIN_EXPIRED, "has expired")]
    public void Codes_map_to_clear_messages(CKR rv, string expected)
    {
        var ex = new Pkcs11Exception(rv, "C_Sign");
        Assert.Contains(expected, ex.Message.Split(" (", 2)[0], StringComparison.Ordinal);
        Assert.EndsWith($"({rv} from C_Sign)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Vendor_codes_are_shown_in_hex()
    {
        var ex = new Pkcs11Exception((CKR)0x80000123, "C_Login");
        Assert.Contains("CKR 0x80000123 from C_Login", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CKR.CKR_DEVICE_REMOVED, true)]
    [InlineData(CKR.CKR_SESSION_HANDLE_INVALID, true)]
    [InlineData(CKR.CKR_PIN_INCORRECT, false)]
    public void Token_loss_is_told_apart_from_user_errors(CKR rv, bool gone) =>
        Assert.Equal(gone, new Pkcs11Exception(rv, "C_Sign").IsTokenGone);
}
