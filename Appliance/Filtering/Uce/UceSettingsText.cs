namespace Appliance.Filtering.Uce;

/// <summary>
/// The console's text form of lists: one entry a line; a zone line is <c>zone [code …] [tag] [points]</c>, e.g.
/// <c>zen.spamhaus.org 127.0.0.2-127.0.0.11</c> or <c>bl.example tag 2.5</c>. Round-trips what it writes.
/// </summary>
public static class UceSettingsText
{
    public static List<string> Lines(string? text) =>
        [.. (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    public static string Join(IEnumerable<string> lines) => string.Join("\n", lines);

    public static List<DnsListZone> ParseZones(string? text, double defaultPoints)
    {
        var zones = new List<DnsListZone>();
        foreach (var line in Lines(text))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var zone = new DnsListZone { Zone = words[0], Points = defaultPoints };
            foreach (var word in words.Skip(1))
            {
                if (word.Equals("tag", StringComparison.OrdinalIgnoreCase)) zone.Action = UceAction.Tag;
                else if (word.Equals("reject", StringComparison.OrdinalIgnoreCase)) zone.Action = UceAction.Reject;
                else if (!DnsListCodes.TryParse(word, out _) && double.TryParse(word, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var points)) zone.Points = points;
                else zone.Codes.Add(word);
            }
            zones.Add(zone);
        }
        return zones;
    }

    public static string FormatZones(IEnumerable<DnsListZone> zones) => Join(zones.Select(z =>
        string.Join(' ', new[] { z.Zone }.Concat(z.Codes).Append(z.Action == UceAction.Tag ? "tag" : "reject")
            .Append(z.Points.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
}
