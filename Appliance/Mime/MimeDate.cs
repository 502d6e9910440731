using System.Globalization;

namespace Appliance.Mime;

/// <summary>
/// RFC 5322 §3.3: <c>date-time = [ day-of-week "," ] date time [CFWS]</c>, <c>date = day month year</c>,
/// <c>time = time-of-day zone</c>, <c>zone = (FWS ( "+" / "-" ) 4DIGIT) / obs-zone</c>.
/// </summary>
public static class MimeDate
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    /// <summary>"Tue, 1 Jul 2003 10:52:37 +0200".</summary>
    public static string Format(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return value.ToString("ddd, d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
            + sign + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + abs.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>Parses leniently (comments, missing seconds, two-digit years per §4.3, obsolete zone names); null when unreadable.</summary>
    public static DateTimeOffset? TryParse(string value)
    {
        var tokens = new List<string>();
        var pos = 0;
        while (pos < value.Length)
        {
            StructuredText.SkipCfws(value, ref pos);
            var start = pos;
            while (pos < value.Length && value[pos] is not (' ' or '\t' or ',' or '(' or '\r' or '\n'))
            {
                pos++;
            }
            if (pos > start)
            {
                tokens.Add(value[start..pos]);
            }
            else if (pos < value.Length && value[pos] == ',')
            {
                pos++;
            }
        }
        if (tokens.Count > 0 && tokens[0].Length >= 3 && char.IsAsciiLetter(tokens[0][0]))
        {
            tokens.RemoveAt(0);
        }
        if (tokens.Count < 4
            || !int.TryParse(tokens[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || tokens[1].Length < 3
            || Array.IndexOf(Months, tokens[1][..3].ToLowerInvariant()) is var monthIndex && monthIndex < 0
            || !int.TryParse(tokens[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year))
        {
            return null;
        }
        year = year < 50 && tokens[2].Length <= 2 ? 2000 + year : year < 1000 ? 1900 + year : year;
        var time = tokens[3].Split(':');
        if (time.Length < 2
            || !int.TryParse(time[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
            || !int.TryParse(time[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minute))
        {
            return null;
        }
        var second = 0;
        if (time.Length > 2 && !int.TryParse(time[2], NumberStyles.None, CultureInfo.InvariantCulture, out second))
        {
            return null;
        }
        var offset = tokens.Count > 4 ? ZoneOffset(tokens[4]) : TimeSpan.Zero;
        try
        {
            return new DateTimeOffset(year, monthIndex + 1, day, hour, minute, Math.Min(second, 59), offset);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Out-of-range fields (day 31 of February, hour 25): unreadable, as the caller expects null for.
            return null;
        }
    }

    /// <summary><c>zone</c> or <c>obs-zone = "UT" / "GMT" / "EST" / "EDT" / "CST" / "CDT" / "MST" / "MDT" / "PST" / "PDT"</c>; others are +0000 (§4.3).</summary>
    private static TimeSpan ZoneOffset(string zone)
    {
        if (zone.Length == 5 && zone[0] is '+' or '-' && int.TryParse(zone.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var hhmm))
        {
            var span = new TimeSpan(hhmm / 100 % 24, hhmm % 100 % 60, 0);
            return zone[0] == '-' ? -span : span;
        }
        return zone.ToUpperInvariant() switch
        {
            "EDT" => TimeSpan.FromHours(-4),
            "EST" or "CDT" => TimeSpan.FromHours(-5),
            "CST" or "MDT" => TimeSpan.FromHours(-6),
            "MST" or "PDT" => TimeSpan.FromHours(-7),
            "PST" => TimeSpan.FromHours(-8),
            _ => TimeSpan.Zero,
        };
    }
}
