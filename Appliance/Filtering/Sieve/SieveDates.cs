using System.Globalization;

namespace Appliance.Filtering.Sieve;

/// <summary>
/// The date extension (RFC 5260): <c>currentdate</c> (§5, the time now) and <c>date</c> (§4, a header's date), cut into
/// the date parts of §4.2. Out-of-office replies need currentdate for their start and end dates.
/// </summary>
public static class SieveDates
{
    /// <summary>The date parts of RFC 5260 §4.2.</summary>
    public static readonly IReadOnlySet<string> Parts = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "year", "month", "day", "date", "julian", "hour", "minute", "second", "time", "iso8601", "std11", "zone", "weekday",
    };

    /// <summary>The Modified Julian Day's day 0 (RFC 5260 §4.2, "julian").</summary>
    private static readonly DateTime JulianEpoch = new(1858, 11, 17, 0, 0, 0, DateTimeKind.Unspecified);

    /// <summary>Checks a literal date part and zone when the script is saved, so that a typo is shown on its line.</summary>
    internal static void Check(SieveNode node, bool variables)
    {
        int index = node.Name == "date" ? 1 : 0;
        var part = node.PositionalStrings(index)[0];
        if (!(variables && part.Contains("${", StringComparison.Ordinal)) && !Parts.Contains(part))
        {
            throw new SieveSyntaxException(node.Positional[index].Line, node.Positional[index].Column,
                $"unknown date part '{part}' ({string.Join(", ", Parts)})");
        }
        if (node.TagString("zone") is { } zone && !(variables && zone.Contains("${", StringComparison.Ordinal)) && ParseZone(zone) is null)
        {
            var argument = node.Tags["zone"]!;
            throw new SieveSyntaxException(argument.Line, argument.Column, $"invalid time zone '{zone}' (+hhmm or -hhmm)");
        }
    }

    /// <summary>Now in the given zone ("+hhmm"/"-hhmm"), or in the server's local zone when none is given (§4.1.1).
    /// An invalid zone from a variable falls back to local time.</summary>
    public static DateTimeOffset Now(TimeProvider time, string? zone)
    {
        ArgumentNullException.ThrowIfNull(time);
        var utc = time.GetUtcNow();
        return zone is not null && ParseZone(zone) is { } offset
            ? utc.ToOffset(offset)
            : TimeZoneInfo.ConvertTime(utc, time.LocalTimeZone);
    }

    /// <summary>
    /// The date of a header field in the wanted zone (§4.1.1: the given one, the field's own with :originalzone, else
    /// local time); null when the field is missing or does not hold an RFC 2822 date, which makes the test false (§4).
    /// </summary>
    public static DateTimeOffset? HeaderDate(MimeKit.MimeMessage message, string field, TimeProvider time, string? zone, bool originalZone)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(time);
        var value = message.Headers[field];
        if (value is null || !MimeKit.Utils.DateUtils.TryParse(value, out var date))
        {
            return null;
        }
        if (originalZone)
        {
            return date;
        }
        return zone is not null && ParseZone(zone) is { } offset ? date.ToOffset(offset) : TimeZoneInfo.ConvertTime(date, time.LocalTimeZone);
    }

    /// <summary>time-zone = ( "+" / "-" ) 4DIGIT (RFC 5260 §4.1.1): hours 00–23, minutes 00–59.</summary>
    public static TimeSpan? ParseZone(string zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (zone.Length != 5 || zone[0] is not ('+' or '-') || !zone.Skip(1).All(char.IsAsciiDigit))
        {
            return null;
        }
        int hours = (zone[1] - '0') * 10 + (zone[2] - '0'), minutes = (zone[3] - '0') * 10 + (zone[4] - '0');
        if (hours > 23 || minutes > 59)
        {
            return null;
        }
        var offset = new TimeSpan(hours, minutes, 0);
        return zone[0] == '-' ? -offset : offset;
    }

    /// <summary>One date part of <paramref name="date"/> as RFC 5260 §4.2 writes it, or null for an unknown part.</summary>
    public static string? Part(DateTimeOffset date, string part)
    {
        ArgumentNullException.ThrowIfNull(part);
        var c = CultureInfo.InvariantCulture;
        return part.ToLowerInvariant() switch
        {
            "year" => date.Year.ToString("D4", c),
            "month" => date.Month.ToString("D2", c),
            "day" => date.Day.ToString("D2", c),
            "date" => date.ToString("yyyy'-'MM'-'dd", c),
            "julian" => ((long)(date.DateTime.Date - JulianEpoch).TotalDays).ToString(c),
            "hour" => date.Hour.ToString("D2", c),
            "minute" => date.Minute.ToString("D2", c),
            "second" => date.Second.ToString("D2", c),
            "time" => date.ToString("HH':'mm':'ss", c),
            // RFC 3339 date-time with the zone as ±hh:mm.
            "iso8601" => date.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", c) + Zone(date.Offset, colon: true),
            // RFC 2822 §3.3 date-time.
            "std11" => date.ToString("ddd', 'dd' 'MMM' 'yyyy' 'HH':'mm':'ss' '", c) + Zone(date.Offset, colon: false),
            "zone" => Zone(date.Offset, colon: false),
            "weekday" => ((int)date.DayOfWeek).ToString(c),
            _ => null,
        };
    }

    private static string Zone(TimeSpan offset, bool colon)
    {
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs.Hours:D2}{(colon ? ":" : "")}{abs.Minutes:D2}");
    }
}
