namespace Appliance.Filtering.Sieve;

public enum SieveValueKind { None, String, StringList, Number }

public enum SieveNodeKind { Control, Action, Test }

/// <summary>A tag a command accepts; tags of one <see cref="Group"/> exclude each other (one match type, one comparator).</summary>
public sealed record SieveTagSpec(string Name, SieveValueKind Value, string? Group = null, string? Extension = null);

/// <summary>
/// What one command or test accepts: its tags, its positional arguments (the first <see cref="OptionalLeading"/> may be
/// left out, as in <c>addflag ["\\Seen"]</c> against <c>addflag "var" ["\\Seen"]</c>), and its tests (0, 1 or a list).
/// </summary>
public sealed record SieveSignature(
    string Name,
    SieveNodeKind Kind,
    string? Extension,
    SieveTagSpec[] Tags,
    SieveValueKind[] Positional,
    int OptionalLeading = 0,
    int Tests = 0,
    bool Block = false,
    string[]? RequiredGroups = null);

/// <summary>The commands and tests this interpreter knows, as data, and the extensions a script may require.</summary>
public static class SieveGrammar
{
    public const int TestList = -1;

    /// <summary>Extensions <c>require</c> accepts. spamtestplus includes spamtest (RFC 5235 §3.2).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.Ordinal)
    {
        "fileinto", "reject", "ereject", "envelope", "body", "copy", "imap4flags", "variables", "vacation",
        "vacation-seconds", "relational", "spamtest", "spamtestplus", "virustest", "date",
        "comparator-i;octet", "comparator-i;ascii-casemap", "comparator-i;ascii-numeric",
    };

    private static readonly SieveTagSpec[] Comparator = [new("comparator", SieveValueKind.String, "comparator")];

    private static readonly SieveTagSpec[] MatchTypes =
    [
        new("is", SieveValueKind.None, "match"),
        new("contains", SieveValueKind.None, "match"),
        new("matches", SieveValueKind.None, "match"),
        new("count", SieveValueKind.String, "match", "relational"),
        new("value", SieveValueKind.String, "match", "relational"),
    ];

    private static readonly SieveTagSpec[] AddressParts =
    [
        new("all", SieveValueKind.None, "address-part"),
        new("localpart", SieveValueKind.None, "address-part"),
        new("domain", SieveValueKind.None, "address-part"),
    ];

    private static readonly SieveTagSpec Copy = new("copy", SieveValueKind.None, null, "copy");

    private static readonly SieveTagSpec Flags = new("flags", SieveValueKind.StringList, null, "imap4flags");

    private static readonly SieveValueKind[] OneString = [SieveValueKind.String];

    private static readonly SieveValueKind[] TwoLists = [SieveValueKind.StringList, SieveValueKind.StringList];

    private static readonly SieveTagSpec[] SetModifiers =
    [
        new("lower", SieveValueKind.None, "case"),
        new("upper", SieveValueKind.None, "case"),
        new("lowerfirst", SieveValueKind.None, "first"),
        new("upperfirst", SieveValueKind.None, "first"),
        new("quotewildcard", SieveValueKind.None, "quote"),
        new("length", SieveValueKind.None, "length"),
    ];

    private static readonly SieveTagSpec[] Vacation =
    [
        new("days", SieveValueKind.Number, "period"),
        new("seconds", SieveValueKind.Number, "period", "vacation-seconds"),
        new("subject", SieveValueKind.String),
        new("from", SieveValueKind.String),
        new("addresses", SieveValueKind.StringList),
        new("mime", SieveValueKind.None),
        new("handle", SieveValueKind.String),
    ];

    public static readonly IReadOnlyDictionary<string, SieveSignature> Commands = new[]
    {
        new SieveSignature("require", SieveNodeKind.Control, null, [], [SieveValueKind.StringList]),
        new SieveSignature("if", SieveNodeKind.Control, null, [], [], Tests: 1, Block: true),
        new SieveSignature("elsif", SieveNodeKind.Control, null, [], [], Tests: 1, Block: true),
        new SieveSignature("else", SieveNodeKind.Control, null, [], [], Block: true),
        new SieveSignature("stop", SieveNodeKind.Control, null, [], []),
        new SieveSignature("keep", SieveNodeKind.Action, null, [Flags], []),
        new SieveSignature("discard", SieveNodeKind.Action, null, [], []),
        new SieveSignature("redirect", SieveNodeKind.Action, null, [Copy], OneString),
        new SieveSignature("fileinto", SieveNodeKind.Action, "fileinto", [Copy, Flags], OneString),
        new SieveSignature("reject", SieveNodeKind.Action, "reject", [], OneString),
        new SieveSignature("ereject", SieveNodeKind.Action, "ereject", [], OneString),
        new SieveSignature("setflag", SieveNodeKind.Action, "imap4flags", [], [SieveValueKind.String, SieveValueKind.StringList], OptionalLeading: 1),
        new SieveSignature("addflag", SieveNodeKind.Action, "imap4flags", [], [SieveValueKind.String, SieveValueKind.StringList], OptionalLeading: 1),
        new SieveSignature("removeflag", SieveNodeKind.Action, "imap4flags", [], [SieveValueKind.String, SieveValueKind.StringList], OptionalLeading: 1),
        new SieveSignature("set", SieveNodeKind.Action, "variables", SetModifiers, [SieveValueKind.String, SieveValueKind.String]),
        new SieveSignature("vacation", SieveNodeKind.Action, "vacation", Vacation, OneString),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, SieveSignature> Tests = new[]
    {
        new SieveSignature("address", SieveNodeKind.Test, null, [.. Comparator, .. MatchTypes, .. AddressParts], TwoLists),
        new SieveSignature("envelope", SieveNodeKind.Test, "envelope", [.. Comparator, .. MatchTypes, .. AddressParts], TwoLists),
        new SieveSignature("header", SieveNodeKind.Test, null, [.. Comparator, .. MatchTypes], TwoLists),
        new SieveSignature("exists", SieveNodeKind.Test, null, [], [SieveValueKind.StringList]),
        new SieveSignature("size", SieveNodeKind.Test, null,
            [new("over", SieveValueKind.Number, "size"), new("under", SieveValueKind.Number, "size")], [], RequiredGroups: ["size"]),
        new SieveSignature("allof", SieveNodeKind.Test, null, [], [], Tests: TestList),
        new SieveSignature("anyof", SieveNodeKind.Test, null, [], [], Tests: TestList),
        new SieveSignature("not", SieveNodeKind.Test, null, [], [], Tests: 1),
        new SieveSignature("true", SieveNodeKind.Test, null, [], []),
        new SieveSignature("false", SieveNodeKind.Test, null, [], []),
        new SieveSignature("body", SieveNodeKind.Test, "body",
            [.. Comparator, .. MatchTypes, new("raw", SieveValueKind.None, "transform"), new("content", SieveValueKind.StringList, "transform"),
             new("text", SieveValueKind.None, "transform")], [SieveValueKind.StringList]),
        new SieveSignature("hasflag", SieveNodeKind.Test, "imap4flags", [.. Comparator, .. MatchTypes], TwoLists, OptionalLeading: 1),
        new SieveSignature("string", SieveNodeKind.Test, "variables", [.. Comparator, .. MatchTypes], TwoLists),
        new SieveSignature("spamtest", SieveNodeKind.Test, "spamtest",
            [new("percent", SieveValueKind.None, null, "spamtestplus"), .. Comparator, .. MatchTypes], OneString),
        new SieveSignature("virustest", SieveNodeKind.Test, "virustest", [.. Comparator, .. MatchTypes], OneString),
        // RFC 5260 §5: currentdate [":zone" <time-zone: string>] [COMPARATOR] [MATCH-TYPE] <date-part: string> <key-list: string-list>
        new SieveSignature("currentdate", SieveNodeKind.Test, "date",
            [new("zone", SieveValueKind.String), .. Comparator, .. MatchTypes], [SieveValueKind.String, SieveValueKind.StringList]),
        // RFC 5260 §4: date [":zone" <time-zone: string> / ":originalzone"] [COMPARATOR] [MATCH-TYPE] <header-name> <date-part> <key-list>
        new SieveSignature("date", SieveNodeKind.Test, "date",
            [new("zone", SieveValueKind.String, "zone"), new("originalzone", SieveValueKind.None, "zone"), .. Comparator, .. MatchTypes],
            [SieveValueKind.String, SieveValueKind.String, SieveValueKind.StringList]),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);
}
