using System.Globalization;

namespace Appliance.Filtering.Dmarc;

/// <summary>
/// The Public Suffix List (https://publicsuffix.org/list/), parsed once: the names under which anyone may register
/// a domain (<c>com</c>, <c>co.uk</c>, <c>*.kobe.jp</c> but not <c>city.kobe.jp</c>). DMARC uses it to find a
/// sender's organisational domain (RFC 7489 §3.2), so that <c>mail.example.co.uk</c> and <c>example.co.uk</c>
/// align while <c>a.co.uk</c> and <c>b.co.uk</c> do not. Rules are kept as lowercase A-labels (the file writes
/// internationalised rules as U-labels); names asked about are normalised the same way.
/// </summary>
public sealed class PublicSuffixList
{
    /// <summary>The file as shipped in assets/ and copied beside the app.</summary>
    public const string FileName = "public_suffix_list.dat";

    /// <summary>What the list says of a suffix; the values are the rule forms of the file's format.</summary>
    private enum RuleKind : byte
    {
        /// <summary><c>co.uk</c>: the name is a public suffix.</summary>
        Normal = 1,
        /// <summary><c>*.kobe.jp</c>: every child of the name is a public suffix.</summary>
        Wildcard = 2,
        /// <summary><c>!city.kobe.jp</c>: the name is not a public suffix, though a wildcard says it is.</summary>
        Exception = 4,
    }

    private readonly Dictionary<string, RuleKind> _rules;

    private PublicSuffixList(Dictionary<string, RuleKind> rules, int icannRules, int privateRules)
    {
        _rules = rules;
        IcannRules = icannRules;
        PrivateRules = privateRules;
    }

    /// <summary>Rules read from the ICANN section.</summary>
    public int IcannRules { get; }

    /// <summary>Rules read from the private section (<c>blogspot.com</c>, <c>uk.com</c>), kept unless the list was loaded with ICANN rules only.</summary>
    public int PrivateRules { get; }

    /// <summary>Reads the list from a file, e.g. <c>&lt;app folder&gt;/assets/public_suffix_list.dat</c>.</summary>
    public static PublicSuffixList Load(string path, bool includePrivate = true)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8);
        return Parse(reader, includePrivate);
    }

    /// <summary>The default location: the file the build copies beside the app.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "assets", FileName);

    /// <summary>
    /// Parses the list's format: one rule per line, <c>//</c> comments, a rule ends at the first white space;
    /// <c>*.</c> marks a wildcard, <c>!</c> an exception; the sections are delimited by
    /// <c>===BEGIN ICANN DOMAINS===</c> and <c>===BEGIN PRIVATE DOMAINS===</c> comments.
    /// A rule that cannot be written as A-labels is a format error, not skipped.
    /// </summary>
    public static PublicSuffixList Parse(TextReader reader, bool includePrivate = true)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rules = new Dictionary<string, RuleKind>(StringComparer.Ordinal);
        var idn = new IdnMapping();
        var inPrivate = false;
        int icann = 0, privateCount = 0, lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var text = line.AsSpan().Trim();
            if (text.StartsWith("//"))
            {
                if (text.Contains("===BEGIN PRIVATE DOMAINS===", StringComparison.Ordinal))
                {
                    inPrivate = true;
                }
                else if (text.Contains("===BEGIN ICANN DOMAINS===", StringComparison.Ordinal))
                {
                    inPrivate = false;
                }
                continue;
            }
            var end = text.IndexOfAny(' ', '\t');
            var rule = (end < 0 ? text : text[..end]).ToString();
            if (rule.Length == 0 || (inPrivate && !includePrivate))
            {
                continue;
            }
            var kind = RuleKind.Normal;
            if (rule.StartsWith('!'))
            {
                kind = RuleKind.Exception;
                rule = rule[1..];
            }
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
            {
                kind = RuleKind.Wildcard;
                rule = rule[2..];
            }
            if (!TryNormalize(idn, rule, out var name))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"Public Suffix List line {lineNumber}: '{line}' is not a domain name."));
            }
            rules[name] = rules.GetValueOrDefault(name) | kind;
            if (inPrivate)
            {
                privateCount++;
            }
            else
            {
                icann++;
            }
        }
        return new PublicSuffixList(rules, icann, privateCount);
    }

    /// <summary>
    /// The public suffix of <paramref name="domain"/> by the list's algorithm: the longest matching rule prevails,
    /// an exception rule over all others (and then its leftmost label is dropped), and with no match the implicit
    /// rule <c>*</c> makes the last label the suffix. Null for a name that is not a domain name.
    /// </summary>
    public string? PublicSuffix(string domain)
    {
        if (!TryNormalize(new IdnMapping(), domain, out var name))
        {
            return null;
        }
        var labels = name.Split('.');
        var suffixLabels = SuffixLabelCount(labels);
        return string.Join('.', labels[^suffixLabels..]);
    }

    /// <summary>
    /// The registrable domain: the public suffix and one more label (<c>www.example.co.uk</c> → <c>example.co.uk</c>),
    /// as lowercase A-labels. Null when the name is itself a public suffix (<c>co.uk</c>) or not a domain name.
    /// </summary>
    public string? RegistrableDomain(string domain)
    {
        if (!TryNormalize(new IdnMapping(), domain, out var name))
        {
            return null;
        }
        var labels = name.Split('.');
        var suffixLabels = SuffixLabelCount(labels);
        return labels.Length > suffixLabels ? string.Join('.', labels[^(suffixLabels + 1)..]) : null;
    }

    /// <summary>
    /// RFC 7489 §3.2: the organisational domain is the public suffix with the next label of the name before it.
    /// A name that is itself a public suffix (mail from <c>co.uk</c>) has no further label; it stands for itself,
    /// so that only an exact match aligns with it. Null for a name that is not a domain name.
    /// </summary>
    public string? OrganizationalDomain(string domain)
    {
        if (!TryNormalize(new IdnMapping(), domain, out var name))
        {
            return null;
        }
        return RegistrableDomain(name) ?? name;
    }

    /// <summary>How many of the name's trailing labels are its public suffix (at least 1, the implicit <c>*</c> rule).</summary>
    private int SuffixLabelCount(string[] labels)
    {
        var longest = 1;
        for (var count = 1; count <= labels.Length; count++)
        {
            var suffix = string.Join('.', labels[^count..]);
            if (_rules.TryGetValue(suffix, out var kind))
            {
                if ((kind & RuleKind.Exception) != 0)
                {
                    // An exception prevails over every other rule; the suffix is the exception less its leftmost label.
                    return count - 1;
                }
                if ((kind & RuleKind.Normal) != 0)
                {
                    longest = Math.Max(longest, count);
                }
                if ((kind & RuleKind.Wildcard) != 0 && count < labels.Length)
                {
                    longest = Math.Max(longest, count + 1);
                }
            }
        }
        return longest;
    }

    /// <summary>Lowercase A-labels, no final dot; false for an empty name, an empty label (<c>.example.com</c>) or a bad IDN.</summary>
    private static bool TryNormalize(IdnMapping idn, string domain, out string name)
    {
        name = "";
        if (string.IsNullOrWhiteSpace(domain))
        {
            return false;
        }
        var text = domain.Trim();
        if (text.EndsWith('.'))
        {
            text = text[..^1];
        }
        if (text.Length == 0 || text.StartsWith('.') || text.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        if (!text.All(char.IsAscii))
        {
            try
            {
                text = idn.GetAscii(text);
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
        name = text.ToLowerInvariant();
        return name.Length <= 253;
    }
}
