using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The THREAD grammar (RFC 5256 §4): what follows "THREAD".</summary>
public class ThreadTests
{
    private static ThreadArguments Parse(string text, bool uid = false) =>
        ThreadArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)), uid);

    [Fact]
    public void Algorithm_charset_and_search_keys_parse()
    {
        var references = Parse("references UTF-8 UNDELETED", uid: true);
        Assert.Equal(ThreadAlgorithm.References, references.Algorithm);
        Assert.True(references.Uid);
        Assert.Equal("UTF-8", references.Charset);
        Assert.Equal(new SearchFlag(Appliance.Mailstore.MessageFlags.Deleted, Present: false), references.Key);
        var ordered = Parse("ORDEREDSUBJECT \"us-ascii\" SUBJECT report SINCE 1-Jan-2026");
        Assert.Equal(ThreadAlgorithm.OrderedSubject, ordered.Algorithm);
        Assert.Equal("us-ascii", ordered.Charset);
        Assert.Equal(2, Assert.IsType<SearchAnd>(ordered.Key).Keys.Count);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData("REFS UTF-8 ALL", "Unknown threading algorithm REFS")]
    [InlineData("(REFERENCES) UTF-8 ALL", "Unexpected '('")]
    [InlineData("REFERENCES ALL", "Missing argument")]
    [InlineData("REFERENCES UTF-8", "Missing argument")]
    [InlineData("REFERENCES UTF-8 ALL extra", "Unknown search key EXTRA")]
    public void Malformed_thread_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    public static TheoryData<string, string[]> Inputs => new()
    {
        { "ORDEREDSUBJECT \"UTF-8\" (SUBJECT {5}\r\ncafé OR SEEN FLAGGED) 3:5", ["ORDEREDSUBJECT \"UTF-8\" (SUBJECT {5}\r\ncafé OR SEEN FLAGGED)", "ORDEREDSUBJECT \"UTF-8\" (SUBJECT {5}\r\ncafé OR SEEN FLAGGED) 3"] },
        { "REFERENCES US-ASCII NOT DELETED", [] },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete) =>
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, s => Parse(s), a => Assert.NotNull(a.Key));
}
