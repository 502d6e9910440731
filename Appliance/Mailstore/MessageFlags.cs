namespace Appliance.Mailstore;

/// <summary>Message flags (RFC 3501 §2.3.2) as stored: a space-separated text in the messages row.</summary>
public static class MessageFlags
{
    public const string Seen = @"\Seen";
    public const string Answered = @"\Answered";
    public const string Flagged = @"\Flagged";
    public const string Deleted = @"\Deleted";
    public const string Draft = @"\Draft";
    public const string Recent = @"\Recent";

    /// <summary>The system flags a client may set (\Recent is the server's).</summary>
    public static IReadOnlyList<string> System { get; } = [Answered, Flagged, Deleted, Seen, Draft];

    /// <summary>The canonical spelling of a system flag given in any case, or null when it is not one.</summary>
    public static string? Canonical(string flag) =>
        System.Concat([Recent]).FirstOrDefault(f => string.Equals(f, flag, StringComparison.OrdinalIgnoreCase));

    public static IReadOnlyList<string> Parse(string stored) =>
        string.IsNullOrEmpty(stored) ? [] : stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The stored form: distinct (keywords compared case-insensitively), system flags first, \Recent never stored.</summary>
    public static string Format(IEnumerable<string> flags)
    {
        var distinct = flags.Where(f => !string.Equals(f, Recent, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderBy(f => f.StartsWith('\\') ? 0 : 1).ThenBy(f => f, StringComparer.Ordinal);
        return string.Join(' ', distinct);
    }

    public static bool Has(string stored, string flag) =>
        Parse(stored).Contains(flag, StringComparer.OrdinalIgnoreCase);
}
