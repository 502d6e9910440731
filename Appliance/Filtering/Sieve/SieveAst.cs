namespace Appliance.Filtering.Sieve;

/// <summary>argument = string-list / number / tag (RFC 5228 §8.2).</summary>
public abstract record SieveArgument(int Line, int Column);

/// <summary>A tag such as <c>:contains</c>; <see cref="Name"/> is lower case, without the colon.</summary>
public sealed record SieveTagArgument(string Name, int Line, int Column) : SieveArgument(Line, Column);

public sealed record SieveNumberArgument(long Value, int Line, int Column) : SieveArgument(Line, Column);

/// <summary>A string or a string list; <see cref="IsList"/> tells <c>["a"]</c> from <c>"a"</c> where a command needs one string.</summary>
public sealed record SieveStringArgument(IReadOnlyList<string> Values, bool IsList, int Line, int Column) : SieveArgument(Line, Column);

/// <summary>
/// A command or a test: <c>identifier arguments (";" / block)</c> or <c>identifier arguments</c> (RFC 5228 §8.2).
/// The validator fills <see cref="Tags"/>, <see cref="Positional"/> and <see cref="Match"/> from <see cref="Arguments"/>,
/// so that the interpreter reads typed values and never re-checks the grammar.
/// </summary>
public sealed class SieveNode(string name, int line, int column)
{
    public string Name { get; } = name;

    public int Line { get; } = line;

    public int Column { get; } = column;

    public List<SieveArgument> Arguments { get; } = [];

    public List<SieveNode> Tests { get; } = [];

    /// <summary>The block of a control command (<c>if</c>, <c>elsif</c>, <c>else</c>); null for a command ending in ';'.</summary>
    public List<SieveNode>? Block { get; set; }

    public Dictionary<string, SieveArgument?> Tags { get; } = new(StringComparer.Ordinal);

    public List<SieveArgument> Positional { get; } = [];

    public SieveMatch? Match { get; set; }

    public bool HasTag(string tag) => Tags.ContainsKey(tag);

    public IReadOnlyList<string>? TagStrings(string tag) => Tags.TryGetValue(tag, out var value) && value is SieveStringArgument s ? s.Values : null;

    public string? TagString(string tag) => TagStrings(tag)?[0];

    public long? TagNumber(string tag) => Tags.TryGetValue(tag, out var value) && value is SieveNumberArgument n ? n.Value : null;

    public IReadOnlyList<string> PositionalStrings(int index) => ((SieveStringArgument)Positional[index]).Values;
}

public enum SieveMatchType { Is, Contains, Matches, Count, Value }

public enum SieveAddressPart { All, LocalPart, Domain }

public enum SieveRelation { Gt, Ge, Lt, Le, Eq, Ne }

/// <summary>The comparator, match type and address part of one test (RFC 5228 §2.7), resolved at compile time.</summary>
public sealed record SieveMatch(SieveMatchType Type, SieveRelation Relation, string Comparator, SieveAddressPart AddressPart);
