namespace Appliance.Imap.Parsing;

/// <summary>
/// RFC 3501 <c>sequence-set</c>: ranges of message numbers or UIDs, where "*" is the largest in use.
/// Ranges may be given in either order ("5:2" is 2 to 5).
/// </summary>
public sealed class SequenceSet
{
    public const long Star = long.MaxValue;

    /// <summary>"$" (RFC 5182): the messages the last SEARCH ... SAVE returned.</summary>
    public static SequenceSet SavedResult { get; } = new([]) { IsSaved = true };

    public SequenceSet(IReadOnlyList<(long First, long Last)> ranges) => Ranges = ranges;

    public IReadOnlyList<(long First, long Last)> Ranges { get; }
    public bool IsSaved { get; private init; }

    /// <summary>Whether <paramref name="value"/> is in the set, "*" standing for <paramref name="largest"/>.</summary>
    public bool Contains(long value, long largest)
    {
        foreach (var (first, last) in Ranges)
        {
            var a = first == Star ? largest : first;
            var b = last == Star ? largest : last;
            if (a > b)
            {
                (a, b) = (b, a);
            }
            if (value >= a && value <= b)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Writes a sorted list of numbers compactly: 1,3:5,9.</summary>
    public static string Format(IEnumerable<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            parts.Add(i == j ? sorted[i].ToString(System.Globalization.CultureInfo.InvariantCulture) : FormattableString.Invariant($"{sorted[i]}:{sorted[j]}"));
            i = j + 1;
        }
        return string.Join(',', parts);
    }
}
