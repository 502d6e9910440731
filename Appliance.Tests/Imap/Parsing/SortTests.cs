using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The SORT grammar (RFC 5256 §4, SORT=DISPLAY RFC 5957): what follows "SORT".</summary>
public class SortTests
{
    private static SortArguments Parse(string text, bool uid = false) =>
        SortArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)), uid);

    private static string Describe(SortArguments arguments) =>
        string.Join(' ', arguments.Criteria.Select(c => (c.Reverse ? "-" : "") + c.Key));

    [Theory]
    [InlineData("(ARRIVAL) UTF-8 ALL", "Arrival")]
    [InlineData("(cc date from size subject to) US-ASCII ALL", "Cc Date From Size Subject To")]
    [InlineData("(REVERSE DATE SUBJECT reverse SIZE) UTF-8 ALL", "-Date Subject -Size")]
    [InlineData("(DISPLAYFROM REVERSE DISPLAYTO) UTF-8 ALL", "DisplayFrom -DisplayTo")]
    public void Sort_criteria_parse_in_order_with_their_direction(string text, string expected) =>
        Assert.Equal(expected, Describe(Parse(text)));

    [Fact]
    public void Charset_search_keys_and_uid_are_kept()
    {
        var arguments = Parse("(DATE) \"utf-8\" UNSEEN FROM alice", uid: true);
        Assert.True(arguments.Uid);
        Assert.Equal("utf-8", arguments.Charset);
        var keys = Assert.IsType<SearchAnd>(arguments.Key).Keys;
        Assert.IsType<SearchFlag>(keys[0]);
        Assert.Equal(new SearchAddress("FROM", "alice"), keys[1]);
        // An unknown charset is the command's to refuse (NO [BADCHARSET]), not a syntax error.
        Assert.Equal("KOI8-R", Parse("(DATE) KOI8-R ALL").Charset);
        Assert.IsType<SearchStateKey>(Parse("(SIZE) UTF-8 ALL").Key);
    }

    [Fact]
    public void Esort_return_options_are_kept_and_an_empty_list_means_all()
    {
        Assert.Equal(["MIN", "MAX", "ALL", "COUNT"], Parse("RETURN (MIN MAX ALL COUNT) (DATE) UTF-8 ALL").Return!);
        Assert.Equal(["ALL"], Parse("RETURN () (DATE) UTF-8 ALL").Return!);
        Assert.Null(Parse("(DATE) UTF-8 ALL").Return);
    }

    [Theory]
    [InlineData("", "Missing '('")]
    [InlineData("RETURN (SAVE) (DATE) UTF-8 ALL", "Unknown SORT return option SAVE")]
    [InlineData("RETURN MIN (DATE) UTF-8 ALL", "Expected '('")]
    [InlineData("DATE UTF-8 ALL", "Expected '('")]
    [InlineData("() UTF-8 ALL", "Unexpected ')'")]
    [InlineData("(BOGUS) UTF-8 ALL", "Unknown sort key BOGUS")]
    [InlineData("(REVERSE) UTF-8 ALL", "Expected a space")]
    [InlineData("(REVERSE REVERSE DATE) UTF-8 ALL", "Unknown sort key REVERSE")]
    [InlineData("(DATE) ALL", "Missing argument")]
    [InlineData("(DATE) UTF-8", "Missing argument")]
    [InlineData("(DATE) UTF-8 BOGUS", "Unknown search key BOGUS")]
    [InlineData("(DATE) UTF-8 ALL)", "Unexpected extra arguments")]
    public void Malformed_sort_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    /// <summary>Inputs and those of their proper prefixes that are complete commands of their own.</summary>
    public static TheoryData<string, string[]> Inputs => new()
    {
        { "(REVERSE ARRIVAL CC DISPLAYFROM) \"UTF-8\" (OR FROM {5}\r\ncafé NOT SEEN) 1:4", ["(REVERSE ARRIVAL CC DISPLAYFROM) \"UTF-8\" (OR FROM {5}\r\ncafé NOT SEEN)", "(REVERSE ARRIVAL CC DISPLAYFROM) \"UTF-8\" (OR FROM {5}\r\ncafé NOT SEEN) 1"] },
        { "RETURN (MIN COUNT) (DATE) UTF-8 SEEN", [] },
        { "(SUBJECT) US-ASCII UID 2,4:*", ["(SUBJECT) US-ASCII UID 2", "(SUBJECT) US-ASCII UID 2,4"] },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete) =>
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, s => Parse(s), a => Assert.NotEmpty(a.Criteria));
}
