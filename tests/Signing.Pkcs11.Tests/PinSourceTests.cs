using System.Text;
using NSubstitute;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.Core;

namespace Signing.Pkcs11.Tests;

public class PinSourceTests
{
    private static readonly ITokenInfo Token = TokenLabelled("signing-dev");

    [Fact]
    public void File_source_strips_the_trailing_newline()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "123456\n");
        try
        {
            Assert.Equal("123456", Encoding.UTF8.GetString(PinSources.Parse("file:" + path).GetPin(Token)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Environment_source_reads_the_variable_and_explains_when_unset()
    {
        var name = "SIGNING_TEST_PIN_" + Guid.NewGuid().ToString("N");
        var source = PinSources.Parse("env:" + name);
        var ex = Assert.Throws<SigningException>(() => source.GetPin(Token));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Environment.SetEnvironmentVariable(name, "4321");
        Assert.Equal("4321", Encoding.UTF8.GetString(source.GetPin(Token)));
        Environment.SetEnvironmentVariable(name, null);
    }

    [Fact]
    public void Missing_or_empty_files_and_unknown_specs_are_clear_errors()
    {
        Assert.Contains("cannot read PIN file", Assert.Throws<SigningException>(() => PinSources.Parse("file:/nonexistent/pin").GetPin(Token)).Message, StringComparison.Ordinal);
        var empty = Path.GetTempFileName();
        Assert.Contains("is empty", Assert.Throws<SigningException>(() => PinSources.Parse("file:" + empty).GetPin(Token)).Message, StringComparison.Ordinal);
        File.Delete(empty);
        Assert.Contains("Unknown PIN source", Assert.Throws<SigningException>(() => PinSources.Parse("plain:1234")).Message, StringComparison.Ordinal);
    }

    private static ITokenInfo TokenLabelled(string label)
    {
        var token = Substitute.For<ITokenInfo>();
        token.Label.Returns(label);
        return token;
    }
}
