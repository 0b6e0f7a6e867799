using Microsoft.Extensions.Configuration;
using Signing.Core;
using Signing.Pades.LongTerm;
using Signing.Issuance;

namespace Signing.Issuance.Tests;

/// <summary>The long-term level and archive settings: the precedence of template over agency over default, and a one-line refusal per bad value.</summary>
public sealed class LongTermOptionsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] entries) =>
        new ConfigurationBuilder().AddInMemoryCollection(entries.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value))).Build();

    [Fact]
    public void B_LTA_is_the_default_and_a_template_rule_wins_over_an_agency_rule()
    {
        Assert.Equal(PadesLevel.BLTA, LongTermOptions.Read(Config()).LevelFor("quyet-dinh", "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"));
        var options = LongTermOptions.Read(Config(
            ("Signing:LongTerm:Level", "B-LT"),
            ("Signing:LongTerm:Templates:giay-phep", "B-T"),
            ("Signing:LongTerm:Agencies:0:Name", "Sở Xây dựng"),
            ("Signing:LongTerm:Agencies:0:Level", "b-lta")));
        Assert.Equal(PadesLevel.BLT, options.LevelFor("quyet-dinh", "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"));
        Assert.Equal(PadesLevel.BLTA, options.LevelFor("mau-04-xin-loi", " SỞ XÂY DỰNG "));
        Assert.Equal(PadesLevel.BT, options.LevelFor("giay-phep", "SỞ XÂY DỰNG"));
    }

    [Theory]
    [InlineData("Signing:LongTerm:Level", "B-X", "Signing:LongTerm:Level 'B-X' is not one of B-T, B-LT, B-LTA.")]
    [InlineData("Signing:LongTerm:Level", "B-B", "Signing:LongTerm:Level 'B-B' is not one of B-T, B-LT, B-LTA (the agency seal is always timestamped).")]
    [InlineData("Signing:LongTerm:Templates:no-such-template", "B-T", "Signing:LongTerm:Templates:no-such-template: no template 'no-such-template'")]
    [InlineData("Signing:LongTerm:Agencies:0:Level", "B-T", "Signing:LongTerm:Agencies:0:Name is not set")]
    public void A_bad_level_setting_is_refused_naming_the_key(string key, string value, string message)
    {
        var e = Assert.Throws<SigningException>(() => LongTermOptions.Read(Config((key, value))));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_agency_named_twice_is_refused()
    {
        var e = Assert.Throws<SigningException>(() => LongTermOptions.Read(Config(
            ("Signing:LongTerm:Agencies:0:Name", "Sở Xây dựng"), ("Signing:LongTerm:Agencies:0:Level", "B-T"),
            ("Signing:LongTerm:Agencies:1:Name", "SỞ XÂY DỰNG"), ("Signing:LongTerm:Agencies:1:Level", "B-LT"))));
        Assert.Equal("Signing:LongTerm:Agencies:1:Name 'SỞ XÂY DỰNG' is configured twice.", e.Message);
    }

    [Theory]
    [InlineData("Signing:Archive:Margin", "-1.00:00:00", "Signing:Archive:Margin '-1.00:00:00' is not a positive duration ([d.]hh:mm:ss).")]
    [InlineData("Signing:Archive:Enabled", "sometimes", "Signing:Archive:Enabled 'sometimes' is not true or false.")]
    [InlineData("Signing:Archive:BatchSize", "0", "Signing:Archive:BatchSize '0' is not a number between 1 and 10000.")]
    public void A_bad_archive_setting_is_refused_naming_the_key(string key, string value, string message)
    {
        var e = Assert.Throws<SigningException>(() => ArchiveOptions.Read(Config((key, value))));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Archive_defaults_and_values()
    {
        var defaults = ArchiveOptions.Read(Config());
        Assert.True(defaults.Enabled);
        Assert.Equal(TimeSpan.FromDays(90), defaults.Margin);
        var set = ArchiveOptions.Read(Config(("Signing:Archive:Margin", "30.00:00:00"), ("Signing:Archive:Enabled", "false"), ("Signing:Archive:Lease", "00:05:00")));
        Assert.False(set.Enabled);
        Assert.Equal(TimeSpan.FromDays(30), set.Margin);
        Assert.Equal(TimeSpan.FromMinutes(5), set.Lease);
    }
}
