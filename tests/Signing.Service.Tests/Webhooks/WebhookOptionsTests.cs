using Microsoft.Extensions.Configuration;
using Signing.Core;
using Signing.Service.Webhooks;

namespace Signing.Service.Tests.Webhooks;

/// <summary>The retry schedule docs/webhooks.md promises, and the refusal of a bad setting.</summary>
public sealed class WebhookOptionsTests
{
    [Fact]
    public void The_default_schedule_doubles_from_5_s_to_an_hour_and_ends_after_16_attempts()
    {
        var options = WebhookOptions.Read(new ConfigurationBuilder().Build());
        var waits = Enumerable.Range(1, options.MaxAttempts - 1).Select(options.RetryDelay).ToList();

        Assert.Equal(16, options.MaxAttempts);
        Assert.Equal([5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600, 3600, 3600], waits.Select(w => w.TotalSeconds));
        Assert.Equal(new TimeSpan(6, 25, 15), waits.Aggregate(TimeSpan.Zero, (a, b) => a + b));
    }

    [Theory]
    [InlineData("MaxAttempts", "0", "Signing:Webhooks:MaxAttempts")]
    [InlineData("Timeout", "soon", "Signing:Webhooks:Timeout")]
    [InlineData("AllowLoopbackHttp", "yes", "Signing:Webhooks:AllowLoopbackHttp")]
    [InlineData("MaxRetryDelay", "00:00:01", "Signing:Webhooks:MaxRetryDelay")]
    public void A_bad_setting_stops_startup_naming_the_key(string key, string value, string named)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Signing:Webhooks:" + key] = value }).Build();
        var error = Assert.Throws<SigningException>(() => WebhookOptions.Read(configuration));
        Assert.StartsWith(named, error.Message, StringComparison.Ordinal);
    }
}
