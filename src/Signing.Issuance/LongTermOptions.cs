using Microsoft.Extensions.Configuration;
using System.Globalization;
using Signing.Core;
using Signing.Pades.LongTerm;
using Signing.Pdf.Templates;

namespace Signing.Issuance;

/// <summary>
/// Which PAdES level an issued result gets after the seal (<c>Signing:LongTerm</c>): B-LTA unless
/// configured otherwise, per template (<c>Templates:&lt;id&gt;</c>) over per issuing agency
/// (<c>Agencies:N:Name</c> + <c>Agencies:N:Level</c>) over the default (<c>Level</c>). B-B is not
/// offered: the seal is always timestamped. Every value is checked at startup.
/// </summary>
public sealed record LongTermOptions
{
    public const string Section = "Signing:LongTerm";

    public PadesLevel DefaultLevel { get; init; } = PadesLevel.BLTA;

    public IReadOnlyDictionary<string, PadesLevel> Templates { get; init; } = new Dictionary<string, PadesLevel>(StringComparer.Ordinal);

    /// <summary>By issuing agency name as the decision writes it (compared without case).</summary>
    public IReadOnlyDictionary<string, PadesLevel> Agencies { get; init; } = new Dictionary<string, PadesLevel>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The level of a result of <paramref name="template"/> issued by <paramref name="agency"/>.</summary>
    public PadesLevel LevelFor(string template, string? agency) =>
        Templates.TryGetValue(template, out var byTemplate) ? byTemplate
        : agency is not null && Agencies.TryGetValue(agency.Trim(), out var byAgency) ? byAgency
        : DefaultLevel;

    public static LongTermOptions Read(IConfiguration configuration, IReadOnlyCollection<string>? knownTemplates = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        knownTemplates ??= TemplateCatalog.BuiltIn.Ids;
        var s = configuration.GetSection(Section);
        var level = s["Level"] is { } text && !string.IsNullOrWhiteSpace(text) ? Level(text, "Level") : PadesLevel.BLTA;

        var templates = new Dictionary<string, PadesLevel>(StringComparer.Ordinal);
        foreach (var child in s.GetSection("Templates").GetChildren())
        {
            if (!knownTemplates.Contains(child.Key))
                throw new SigningException($"{Section}:Templates:{child.Key}: no template '{child.Key}' (known: {string.Join(", ", knownTemplates.Order(StringComparer.Ordinal))}).");
            templates[child.Key] = Level(child.Value, "Templates:" + child.Key);
        }

        var agencies = new Dictionary<string, PadesLevel>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in s.GetSection("Agencies").GetChildren())
        {
            var key = "Agencies:" + child.Key;
            var name = child["Name"]?.Trim();
            if (string.IsNullOrEmpty(name)) throw new SigningException($"{Section}:{key}:Name is not set: the issuing agency as decisions name it.");
            if (!agencies.TryAdd(name, Level(child["Level"], key + ":Level")))
                throw new SigningException($"{Section}:{key}:Name '{name}' is configured twice.");
        }

        return new LongTermOptions { DefaultLevel = level, Templates = templates, Agencies = agencies };
    }

    private static PadesLevel Level(string? text, string key)
    {
        var value = text?.Trim();
        PadesLevel level;
        try
        {
            level = LongTermUpdate.Parse(value ?? "");
        }
        catch (SigningException)
        {
            throw new SigningException($"{Section}:{key} '{value}' is not one of B-T, B-LT, B-LTA.");
        }

        return level == PadesLevel.BB
            ? throw new SigningException($"{Section}:{key} '{value}' is not one of B-T, B-LT, B-LTA (the agency seal is always timestamped).")
            : level;
    }
}

/// <summary>
/// The archive upkeep job (<c>Signing:Archive</c>): whether it runs (<c>Enabled</c>, default true),
/// how often (<c>Interval</c>, default 06:00:00), how long before the last document timestamp's
/// TSA certificate expires or its algorithms reach their policy sunset a result is renewed
/// (<c>Margin</c>, default 90 days), how long one renewal's claim lives before another instance
/// may take it over (<c>Lease</c>, default 00:15:00), and how many results one run looks at (<c>BatchSize</c>).
/// </summary>
public sealed record ArchiveOptions
{
    public const string Section = "Signing:Archive";

    public bool Enabled { get; init; } = true;

    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(6);

    public TimeSpan Margin { get; init; } = TimeSpan.FromDays(90);

    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(15);

    public int BatchSize { get; init; } = 100;

    public static ArchiveOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var s = configuration.GetSection(Section);
        var d = new ArchiveOptions();
        var enabled = s["Enabled"]?.Trim();
        if (!string.IsNullOrEmpty(enabled) && !bool.TryParse(enabled, out _))
            throw new SigningException($"{Section}:Enabled '{enabled}' is not true or false.");
        var batch = s["BatchSize"]?.Trim();
        var size = d.BatchSize;
        if (!string.IsNullOrEmpty(batch) && (!int.TryParse(batch, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > 10_000))
            throw new SigningException($"{Section}:BatchSize '{batch}' is not a number between 1 and 10000.");
        return new ArchiveOptions
        {
            Enabled = string.IsNullOrEmpty(enabled) || bool.Parse(enabled),
            Interval = Duration(s, "Interval", d.Interval),
            Margin = Duration(s, "Margin", d.Margin),
            Lease = Duration(s, "Lease", d.Lease),
            BatchSize = size,
        };
    }

    private static TimeSpan Duration(IConfigurationSection s, string key, TimeSpan fallback)
    {
        var text = s[key]?.Trim();
        if (string.IsNullOrEmpty(text)) return fallback;
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
            ? value
            : throw new SigningException($"{Section}:{key} '{text}' is not a positive duration ([d.]hh:mm:ss).");
    }
}
