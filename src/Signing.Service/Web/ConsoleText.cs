using System.Globalization;
using Microsoft.Extensions.Localization;

namespace Signing.Service.Web;

/// <summary>
/// The resource of every word the pages show (Resources/Web/ConsoleText.resx is Vietnamese, the
/// neutral language; ConsoleText.en.resx English). Views get it as <c>T</c>.
/// </summary>
public sealed class ConsoleText;

/// <summary>Dates and times as the pages show them: always Vietnam time (UTC+07:00, no daylight saving).</summary>
public static class VietnamTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(7);

    /// <summary>"ngày 05 tháng 03 năm 2024" (the format is the resource's Format_Date).</summary>
    public static string Date(IStringLocalizer t, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(t);
        return time.ToOffset(Offset).ToString(t["Format_Date"], CultureInfo.InvariantCulture);
    }

    /// <summary>"ngày 05 tháng 03 năm 2024, 14:05:09 (+07:00)".</summary>
    public static string DateTime(IStringLocalizer t, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(t);
        return time.ToOffset(Offset).ToString(t["Format_DateTime"], CultureInfo.InvariantCulture);
    }

    /// <summary>A calendar date typed in a form (yyyy-MM-dd) as the start of that day in Vietnam.</summary>
    public static DateTimeOffset? StartOfDay(string? isoDate) =>
        DateOnly.TryParseExact(isoDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), Offset) : null;

    /// <summary>A decision's ISO date (yyyy-MM-dd) shown as "ngày 05 tháng 03 năm 2024"; anything else as given.</summary>
    public static string IsoDate(IStringLocalizer t, string isoDate) =>
        StartOfDay(isoDate) is { } d ? Date(t, d) : isoDate;
}

/// <summary>Names the resource has for ids the registry holds, falling back to the id itself.</summary>
public static class Labels
{
    public static string Template(IStringLocalizer t, string id)
    {
        ArgumentNullException.ThrowIfNull(t);
        var s = t["Template_" + id];
        return s.ResourceNotFound ? id : s.Value;
    }

    public static string Action(IStringLocalizer t, string action)
    {
        ArgumentNullException.ThrowIfNull(t);
        var s = t["Action_" + action];
        return s.ResourceNotFound ? action : s.Value;
    }
}
