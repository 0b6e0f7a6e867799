using Signing.Core;
using static Signing.Issuance.SettingValues;

namespace Signing.Service.Webhooks;

/// <summary>
/// How webhooks are delivered (<c>Signing:Webhooks</c>). A failed attempt is retried after
/// <see cref="FirstRetryDelay"/>, doubling each time up to <see cref="MaxRetryDelay"/>; after
/// <see cref="MaxAttempts"/> attempts the delivery is dead until someone redelivers it.
/// </summary>
public sealed record WebhookOptions
{
    public const string Section = "Signing:Webhooks";

    /// <summary>Whether this instance runs the delivery worker (the API is there either way).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How often an idle worker looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may take, connect to last header.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromHours(1);

    public int MaxAttempts { get; init; } = 16;

    /// <summary>Deliveries one worker claims at a time (sent in parallel: each is the oldest of its document).</summary>
    public int BatchSize { get; init; } = 20;

    /// <summary>
    /// Accept http:// subscription URLs on a loopback host (127.0.0.0/8, ::1, localhost): a receiver on
    /// the same machine, for development and tests. Off by default: everything else must be https.
    /// </summary>
    public bool AllowLoopbackHttp { get; init; }

    /// <summary>The wait before attempt <paramref name="failedAttempts"/> + 1.</summary>
    public TimeSpan RetryDelay(int failedAttempts)
    {
        var factor = Math.Pow(2, Math.Min(Math.Max(failedAttempts - 1, 0), 30));
        var ticks = Math.Min(FirstRetryDelay.Ticks * factor, MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Reads the section; a bad value stops startup with one line naming the key.</summary>
    public static WebhookOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var s = configuration.GetSection(Section);
        var d = new WebhookOptions();
        var options = new WebhookOptions
        {
            Enabled = Flag(s, "Enabled", d.Enabled),
            PollInterval = Duration(s, "PollInterval", d.PollInterval),
            Timeout = Duration(s, "Timeout", d.Timeout),
            FirstRetryDelay = Duration(s, "FirstRetryDelay", d.FirstRetryDelay),
            MaxRetryDelay = Duration(s, "MaxRetryDelay", d.MaxRetryDelay),
            MaxAttempts = Number(s, "MaxAttempts", d.MaxAttempts, 1, 100),
            BatchSize = Number(s, "BatchSize", d.BatchSize, 1, 500),
            AllowLoopbackHttp = Flag(s, "AllowLoopbackHttp", d.AllowLoopbackHttp),
        };
        if (options.MaxRetryDelay < options.FirstRetryDelay)
            throw new SigningException($"{Section}:MaxRetryDelay '{options.MaxRetryDelay}' is shorter than {Section}:FirstRetryDelay '{options.FirstRetryDelay}'.");
        return options;
    }
}
