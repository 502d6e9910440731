using System.Diagnostics;
using System.Globalization;

namespace Appliance.Filtering.Sieve;

/// <summary>
/// The comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric) and match types (RFC 5228 §2.7.1, RFC 5231)
/// of one run, spending from one budget: every character compared counts, and the clock is read every few thousand
/// steps, so a script matching many wildcards against a huge header stops with an error instead of holding delivery.
/// </summary>
public sealed class SieveMatcher
{
    private readonly long _maxSteps;
    private readonly TimeSpan _maxTime;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _steps;

    public SieveMatcher(SieveOptions options)
    {
        _maxSteps = options.MaxMatchSteps;
        _maxTime = options.MaxRunTime;
    }

    /// <summary>The line of the test being evaluated, for the error text.</summary>
    public int Line { get; set; }

    public void Spend(long steps)
    {
        _steps += steps;
        CheckBudget();
    }

    private void CheckBudget()
    {
        if (_steps > _maxSteps)
        {
            throw new SieveRuntimeException(Line, $"the script used more than {_maxSteps} matching steps");
        }
        CheckClock();
    }

    public void CheckClock()
    {
        if (_clock.Elapsed > _maxTime)
        {
            throw new SieveRuntimeException(Line, $"the script ran longer than {_maxTime.TotalMilliseconds:0} ms");
        }
    }

    /// <summary>Does <paramref name="value"/> match <paramref name="key"/>? For :matches, <paramref name="captures"/>
    /// gets ${0} and one string per wildcard (RFC 5229 §3.2).</summary>
    public bool Matches(SieveMatch match, string value, string key, List<string>? captures)
    {
        Spend(value.Length + key.Length + 1);
        return match.Type switch
        {
            SieveMatchType.Is => Compare(match.Comparator, value, key) == 0 && Equal(match.Comparator, value, key),
            SieveMatchType.Contains => Contains(match.Comparator, value, key),
            SieveMatchType.Matches => Wildcard(match.Comparator, value, key, captures),
            SieveMatchType.Value => Relate(match.Relation, Compare(match.Comparator, value, key)),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>:count (RFC 5231 §4.1): the number of values, as a decimal string, against the key.</summary>
    public bool Count(SieveMatch match, int count, string key) =>
        Relate(match.Relation, Compare(match.Comparator, count.ToString(CultureInfo.InvariantCulture), key));

    public static bool Relate(SieveRelation relation, int order) => relation switch
    {
        SieveRelation.Gt => order > 0,
        SieveRelation.Ge => order >= 0,
        SieveRelation.Lt => order < 0,
        SieveRelation.Le => order <= 0,
        SieveRelation.Eq => order == 0,
        _ => order != 0,
    };

    private static bool Equal(string comparator, string a, string b) => comparator switch
    {
        "i;octet" => string.Equals(a, b, StringComparison.Ordinal),
        "i;ascii-casemap" => a.Length == b.Length && Compare(comparator, a, b) == 0,
        _ => true,
    };

    /// <summary>The comparator's order of two strings: negative, zero or positive.</summary>
    public static int Compare(string comparator, string a, string b)
    {
        switch (comparator)
        {
            case "i;octet":
                return string.CompareOrdinal(a, b);
            case "i;ascii-casemap":
                for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
                {
                    int d = Fold(a[i]) - Fold(b[i]);
                    if (d != 0)
                    {
                        return d;
                    }
                }
                return a.Length - b.Length;
            default:
                return CompareNumeric(a, b);
        }
    }

    private static char Fold(char c) => c is >= 'a' and <= 'z' ? (char)(c - 32) : c;

    /// <summary>i;ascii-numeric (RFC 4790 §9.1): the leading digits as a number; no leading digit is positive infinity.</summary>
    private static int CompareNumeric(string a, string b)
    {
        var x = Digits(a);
        var y = Digits(b);
        if (x.IsEmpty || y.IsEmpty)
        {
            return (x.IsEmpty ? 1 : 0) - (y.IsEmpty ? 1 : 0);
        }
        x = x.TrimStart('0');
        y = y.TrimStart('0');
        if (x.Length != y.Length)
        {
            return x.Length - y.Length;
        }
        return x.SequenceCompareTo(y);
    }

    private static ReadOnlySpan<char> Digits(string s)
    {
        int n = 0;
        while (n < s.Length && char.IsAsciiDigit(s[n]))
        {
            n++;
        }
        return s.AsSpan(0, n);
    }

    private bool Contains(string comparator, string value, string key)
    {
        Spend((long)value.Length * Math.Max(1, key.Length) / 8);
        return value.Contains(key, comparator == "i;octet" ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase)
            && (comparator == "i;octet" || AsciiContains(value, key));
    }

    /// <summary>OrdinalIgnoreCase also folds non-ASCII letters; i;ascii-casemap folds a–z only, so confirm with ASCII folding.</summary>
    private static bool AsciiContains(string value, string key)
    {
        for (int start = 0; start + key.Length <= value.Length; start++)
        {
            int i = 0;
            while (i < key.Length && Fold(value[start + i]) == Fold(key[i]))
            {
                i++;
            }
            if (i == key.Length)
            {
                return true;
            }
        }
        return false;
    }

    private bool CharEqual(string comparator, char a, char b)
    {
        _steps++;
        return comparator == "i;octet" ? a == b : Fold(a) == Fold(b);
    }

    /// <summary>
    /// :matches with "*" and "?" and "\" quoting them (RFC 5228 §2.7.1), by the two-pointer walk that backtracks only to
    /// the last "*": no recursion, and earlier stars take as little as they can, the last the rest — as Pigeonhole fills
    /// ${1}… ("*a*a*" against "banana split" gives "b", "n", "na split").
    /// </summary>
    private bool Wildcard(string comparator, string value, string pattern, List<string>? captures)
    {
        // Compile the pattern into items: literal chars, '?' or '*'.
        var items = new List<(char Kind, char Literal)>(pattern.Length);
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                items.Add(('l', pattern[++i]));
            }
            else if (c is '*' or '?')
            {
                if (c == '*' && items.Count > 0 && items[^1].Kind == '*' && captures is null)
                {
                    continue;
                }
                items.Add((c, c));
            }
            else
            {
                items.Add(('l', c));
            }
        }
        // Wildcard ordinal of each item, and where each wildcard's capture starts and ends in the value.
        var ordinal = new int[items.Count];
        int wildcards = 0;
        for (int i = 0; i < items.Count; i++)
        {
            ordinal[i] = items[i].Kind == 'l' ? -1 : wildcards++;
        }
        var start = new int[wildcards];
        var end = new int[wildcards];
        int p = 0, v = 0, starItem = -1, starValue = 0;
        while (true)
        {
            if ((++_steps & 0x3FF) == 0)
            {
                CheckBudget();
            }
            if (p < items.Count && items[p].Kind == '*')
            {
                starItem = p;
                starValue = v;
                start[ordinal[p]] = v;
                end[ordinal[p]] = v;
                p++;
                continue;
            }
            if (v < value.Length && p < items.Count && (items[p].Kind == '?' || CharEqual(comparator, value[v], items[p].Literal)))
            {
                if (items[p].Kind == '?')
                {
                    start[ordinal[p]] = v;
                    end[ordinal[p]] = v + 1;
                }
                p++;
                v++;
                continue;
            }
            if (p == items.Count && v == value.Length)
            {
                break;
            }
            if (p == items.Count && starItem == items.Count - 1)
            {
                // The last item is a "*" that can take the rest at once.
                end[ordinal[starItem]] = value.Length;
                break;
            }
            if (starItem < 0 || starValue >= value.Length)
            {
                return false;
            }
            // Let the last "*" take one more character and retry what follows it.
            starValue++;
            v = starValue;
            p = starItem + 1;
            end[ordinal[starItem]] = v;
        }
        if (captures is not null)
        {
            captures.Clear();
            captures.Add(value);
            for (int w = 0; w < wildcards; w++)
            {
                captures.Add(value[start[w]..end[w]]);
            }
        }
        return true;
    }
}
