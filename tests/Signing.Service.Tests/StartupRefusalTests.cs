using Signing.Testing;

namespace Signing.Service.Tests;

/// <summary>
/// The service checks at start what its first request would otherwise find missing, and refuses
/// with one line naming it: the bundled fonts, pdftoppm, the TSA, the validation policy, the long-term levels (token, key and storage refusals
/// are in <see cref="IssuanceRefusalTests"/>). Run as a real process, as an operator meets it.
/// </summary>
public sealed class StartupRefusalTests : IDisposable
{
    private const string Refusal = "signing-service: cannot start: ";
    private readonly TestPki _pki = new();
    private readonly string _data = RepoPaths.NewTempDirectory("service-refusal");
    private readonly string _copy = RepoPaths.NewTempDirectory("service-copy");

    [Fact]
    public async Task Without_pdftoppm_on_the_path_it_refuses_to_start_naming_it()
    {
        var (exitCode, output) = await ServiceProcess.RunToExitAsync(Settings(), _data, AppContext.BaseDirectory, TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["PATH"] = _copy });

        AssertRefused(exitCode, output, "Signing:Previews:Pdftoppm: pdftoppm is not on the PATH (install poppler-utils).");
    }

    [Fact]
    public async Task With_a_damaged_font_assembly_it_refuses_to_start_naming_the_fonts()
    {
        // A copy of the build output (the host resolves links to the real folder), but for a Signing.Fonts.dll that is not an assembly.
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory))
        {
            var name = Path.GetFileName(file);
            if (name == "Signing.Fonts.dll") File.WriteAllText(Path.Combine(_copy, name), "not an assembly");
            else File.Copy(file, Path.Combine(_copy, name));
        }
        foreach (var dir in Directory.EnumerateDirectories(AppContext.BaseDirectory))
            Directory.CreateSymbolicLink(Path.Combine(_copy, Path.GetFileName(dir)), dir);

        var (exitCode, output) = await ServiceProcess.RunToExitAsync(Settings(), _data, _copy, TimeSpan.FromSeconds(60));

        AssertRefused(exitCode, output, "Signing:Fonts: the bundled fonts (Signing.Fonts) cannot be loaded");
    }

    [Fact]
    public async Task With_the_tsa_down_it_refuses_to_start_naming_it()
    {
        var settings = Settings();
        settings["Signing:Tsa:Url"] = "http://127.0.0.1:1/tsa";
        settings.Remove("Signing:Tsa:KeyUri");

        var (exitCode, output) = await ServiceProcess.RunToExitAsync(settings, _data, AppContext.BaseDirectory, TimeSpan.FromSeconds(60));

        AssertRefused(exitCode, output, "Signing:Tsa: the TSA (http://127.0.0.1:1/tsa) does not answer with a valid timestamp");
    }

    [Theory]
    [InlineData("Signing:Validation:SignerKeyUsage:0", "keyEncipherment", "Signing:Validation: SignerKeyUsage:0 'keyEncipherment' is not nonRepudiation or digitalSignature")] // a bad validation policy
    [InlineData("Signing:LongTerm:Templates:giay-phep-xay-dung", "B-LTA", "Signing:LongTerm:Templates:giay-phep-xay-dung: no template 'giay-phep-xay-dung'")] // a level for an unknown template
    [InlineData("Signing:Telemetry:OtlpEndpoint", "collector:4317", "Signing:Telemetry:OtlpEndpoint: 'collector:4317' is not an absolute http or https URL")] // a trace endpoint without a scheme
    public async Task With_a_bad_setting_it_refuses_to_start_naming_the_key(string key, string value, string reason)
    {
        var settings = Settings();
        settings[key] = value;

        var (exitCode, output) = await ServiceProcess.RunToExitAsync(settings, _data, AppContext.BaseDirectory, TimeSpan.FromSeconds(60));

        AssertRefused(exitCode, output, reason);
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = RunningService.DefaultSettings(_pki);
        settings["Signing:DataDirectory"] = _data;
        return settings;
    }

    private static void AssertRefused(int exitCode, string output, string reason)
    {
        Assert.Equal(2, exitCode);
        var refusal = output.Split('\n').Where(l => l.StartsWith(Refusal, StringComparison.Ordinal)).ToList();
        Assert.True(refusal.Count == 1, "one refusal line expected:\n" + output);
        Assert.Contains(reason, refusal[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_copy, recursive: true);
    }
}
