using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The SEARCH grammar (RFC 3501 §6.4.4, ESEARCH's RETURN, CONDSTORE's MODSEQ): what follows "SEARCH".</summary>
public class SearchTests
{
    private static SearchArguments Parse(string text, bool uid = false) =>
        SearchArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)), uid);

    /// <summary>A key tree as compact text, to compare with what the grammar should make of the input.</summary>
    private static string Describe(SearchKey key) => key switch
    {
        SearchAnd all => "(" + string.Join(' ', all.Keys.Select(Describe)) + ")",
        SearchNot negation => "NOT " + Describe(negation.Key),
        SearchOr either => $"OR {Describe(either.Left)} {Describe(either.Right)}",
        SearchSet set => (set.Uid ? "UID " : "") + (set.Set.IsSaved ? "$" : string.Join(',', set.Set.Ranges.Select(r => N(r.First) + (r.First == r.Last ? "" : ":" + N(r.Last))))),
        SearchFlag flag => (flag.Present ? "" : "UN") + flag.Flag,
        SearchStateKey state => state.State.ToString().ToUpperInvariant(),
        SearchSize size => (size.Larger ? "LARGER " : "SMALLER ") + N(size.Size),
        SearchDate date => (date.Sent ? "SENT" : "") + date.Relation.ToString().ToUpperInvariant() + " " + date.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        SearchHeader header => $"HEADER {header.Field} \"{header.Value}\"",
        SearchAddress address => $"{address.Field} \"{address.Value}\"",
        SearchText text => (text.BodyOnly ? "BODY" : "TEXT") + $" \"{text.Value}\"",
        SearchModseq modseq => "MODSEQ " + N(modseq.Modseq),
        SearchSaveDate saved => "SAVED" + saved.Relation.ToString().ToUpperInvariant() + " " + saved.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        SearchSaveDateSupported => "SAVEDATESUPPORTED",
        SearchObjectId id => (id.Thread ? "THREADID " : "EMAILID ") + id.Id,
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    private static string N(long n) => n == SequenceSet.Star ? "*" : n.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("ALL", "ALL")]
    [InlineData("recent", "RECENT")]
    [InlineData("OLD", "OLD")]
    [InlineData("NEW", "NEW")]
    [InlineData("ANSWERED DELETED DRAFT FLAGGED SEEN", "(\\Answered \\Deleted \\Draft \\Flagged \\Seen)")]
    [InlineData("UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN", "(UN\\Answered UN\\Deleted UN\\Draft UN\\Flagged UN\\Seen)")]
    [InlineData("KEYWORD $Important UNKEYWORD Junk", "($Important UNJunk)")]
    [InlineData("1:3,7,9:*", "1:3,7,9:*")]
    [InlineData("$", "$")]
    [InlineData("UID 5:*", "UID 5:*")]
    [InlineData("LARGER 1000 SMALLER 5", "(LARGER 1000 SMALLER 5)")]
    [InlineData("BEFORE 1-Feb-2026 ON \"02-Feb-2026\" SINCE 3-Feb-2026", "(BEFORE 2026-02-01 ON 2026-02-02 SINCE 2026-02-03)")]
    [InlineData("SENTBEFORE 1-Feb-2026 SENTON 2-Feb-2026 SENTSINCE 3-Feb-2026", "(SENTBEFORE 2026-02-01 SENTON 2026-02-02 SENTSINCE 2026-02-03)")]
    [InlineData("FROM alice TO \"bob smith\" CC carol BCC dave SUBJECT {5}\r\ncafé", "(FROM \"alice\" TO \"bob smith\" CC \"carol\" BCC \"dave\" HEADER SUBJECT \"café\")")]
    [InlineData("HEADER List-Id \"\"", "HEADER List-Id \"\"")]
    [InlineData("HEADER From bob", "HEADER From \"bob\"")]
    [InlineData("BODY report TEXT \"quarterly report\"", "(BODY \"report\" TEXT \"quarterly report\")")]
    [InlineData("NOT SEEN", "NOT \\Seen")]
    [InlineData("OR FROM alice (TO bob SINCE 1-Jan-2026)", "OR FROM \"alice\" (TO \"bob\" SINCE 2026-01-01)")]
    [InlineData("OR OR SEEN FLAGGED NOT DELETED", "OR OR \\Seen \\Flagged NOT \\Deleted")]
    [InlineData("MODSEQ 620162338", "MODSEQ 620162338")]
    [InlineData("MODSEQ \"/flags/\\\\draft\" all 620162338", "MODSEQ 620162338")]
    [InlineData("SAVEDBEFORE 1-Feb-2026 savedon \"02-Feb-2026\" SAVEDSINCE 3-Feb-2026 SAVEDATESUPPORTED", "(SAVEDBEFORE 2026-02-01 SAVEDON 2026-02-02 SAVEDSINCE 2026-02-03 SAVEDATESUPPORTED)")]
    [InlineData("EMAILID Eabc_12-Z threadid T42", "(EMAILID Eabc_12-Z THREADID T42)")]
    public void Valid_search_keys_parse_to_their_tree(string text, string expected) =>
        Assert.Equal(expected, Describe(Parse(text).Key));

    [Fact]
    public void Return_options_charset_and_uid()
    {
        var arguments = Parse("RETURN (MIN MAX COUNT SAVE) CHARSET utf-8 ALL", uid: true);
        Assert.True(arguments.Uid);
        Assert.Equal(["MIN", "MAX", "COUNT", "SAVE"], arguments.Return!);
        Assert.Equal("utf-8", arguments.Charset);

        // RFC 4731 §3.1: RETURN () is RETURN (ALL).
        Assert.Equal(["ALL"], Parse("RETURN () SEEN").Return!);
        var plain = Parse("SEEN");
        Assert.Null(plain.Return);
        Assert.Null(plain.Charset);
        // The charset is kept for the command to judge: an unknown one is NO [BADCHARSET], not a syntax error.
        Assert.Equal("KOI8-R", Parse("CHARSET KOI8-R ALL").Charset);
    }

    [Fact]
    public void Nesting_is_bounded()
    {
        Assert.IsType<SearchNot>(Parse(string.Concat(Enumerable.Repeat("NOT ", SearchArguments.MaxDepth)) + "SEEN").Key);
        Assert.Equal("Search nested too deeply",
            Assert.Throws<ImapSyntaxException>(() => Parse(new string('(', 10_000) + "ALL" + new string(')', 10_000))).Message);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData(" ", "Unexpected ' '")]
    [InlineData("BOGUS", "Unknown search key BOGUS")]
    [InlineData("FROM", "Missing argument")]
    [InlineData("FROM alice extra", "Unknown search key EXTRA")]
    [InlineData("OR SEEN", "Missing argument")]
    [InlineData("NOT", "Missing argument")]
    [InlineData("(SEEN", "Missing ')'")]
    [InlineData("()", "Unexpected ')'")]
    [InlineData("SEEN)", "Unexpected extra arguments")]
    [InlineData("SINCE 31-Foo-2026", "Bad date '31-Foo-2026'")]
    [InlineData("LARGER x", "Expected a number")]
    [InlineData("UID 0", "Zero is not allowed here")]
    [InlineData("KEYWORD \\Bogus", "Unknown system flag \\Bogus")]
    [InlineData("HEADER Subject", "Missing argument")]
    [InlineData("RETURN (MIN BOGUS) ALL", "Unknown SEARCH return option BOGUS")]
    [InlineData("RETURN (MIN) ", "Missing argument")]
    [InlineData("RETURN MIN ALL", "Expected '('")]
    [InlineData("CHARSET", "Missing argument")]
    [InlineData("CHARSET UTF-8", "Missing argument")]
    [InlineData("MODSEQ 9223372036854775808", "Number too large")]
    [InlineData("MODSEQ \"/flags/\\\\seen\" all", "Missing argument")]
    [InlineData("SAVEDON 31-Foo-2026", "Bad date '31-Foo-2026'")]
    [InlineData("SAVEDSINCE", "Missing argument")]
    [InlineData("EMAILID", "Missing argument")]
    [InlineData("EMAILID \"E1\"", "Expected an object id")]
    [InlineData("THREADID T1!", "Unexpected extra arguments")]
    public void Malformed_search_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    /// <summary>Inputs and those of their proper prefixes that are complete commands of their own.</summary>
    public static TheoryData<string, string[]> Inputs => new()
    {
        { "RETURN (MIN COUNT) CHARSET UTF-8 (OR FROM \"alice\" NOT SUBJECT {5}\r\ncafé SINCE 1-Jan-2026)", [] },
        { "OR (UID 1:5) (MODSEQ \"/flags/\\\\draft\" all 17)", [] },
        { "NOT 2,4:*", ["NOT 2", "NOT 2,4"] },
        { "UNSEEN", [] },
        { "(OR EMAILID E0f3a THREADID T9-x_)", [] },
        { "NOT SAVEDSINCE \"1-Jan-2026\"", [] },
    };

    /// <summary>
    /// Every proper prefix is a syntax error unless it is itself a listed complete command; never another exception.
    /// </summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete)
    {
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, s => Parse(s), a => Assert.NotNull(a.Key));
    }

    /// <summary>RFC 8474 §7: an objectid is at most 255 characters.</summary>
    [Fact]
    public void Object_ids_are_bounded()
    {
        Assert.Equal(("EMAILID " + new string('a', 255)), Describe(Parse("EMAILID " + new string('a', 255)).Key));
        Assert.Equal("Object id too long", Assert.Throws<ImapSyntaxException>(() => Parse("EMAILID " + new string('a', 256))).Message);
    }
}
