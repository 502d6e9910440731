using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The SELECT/EXAMINE grammar (RFC 3501 §6.3.1, RFC 4466 select-params, RFC 7162's CONDSTORE and QRESYNC): what follows "SELECT".</summary>
public class SelectTests
{
    private static SelectArguments Parse(string text) => SelectArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)));

    [Fact]
    public void A_mailbox_alone_or_with_condstore()
    {
        var plain = Parse("INBOX");
        Assert.Equal("INBOX", plain.Mailbox);
        Assert.False(plain.Condstore);
        Assert.Null(plain.Qresync);
        Assert.True(Parse("\"Entw&APw-rfe\" (condstore)").Condstore);
        Assert.Equal("Entwürfe", Parse("\"Entw&APw-rfe\" (CONDSTORE)").Mailbox);
    }

    [Fact]
    public void Qresync_with_every_optional_part()
    {
        var minimal = Parse("INBOX (QRESYNC (67890007 90060115194045000))").Qresync!;
        Assert.Equal(67890007, minimal.Uidvalidity);
        Assert.Equal(90060115194045000, minimal.Modseq);
        Assert.Null(minimal.KnownUids);
        Assert.Null(minimal.MatchSequences);

        var known = Parse("INBOX (QRESYNC (1 0 41,43:211,214:541))").Qresync!;
        Assert.Equal(0, known.Modseq);
        Assert.Equal([(41L, 41L), (43L, 211L), (214L, 541L)], known.KnownUids!.Ranges);

        // RFC 7162 §3.2.5.2's example: message numbers 1:4 are UIDs 2,3,5,6 (the counts must agree).
        var full = Parse("INBOX (CONDSTORE QRESYNC (67890007 90060115194045000 1:29,41,43:211 (1:4 2,3,5:6)))");
        Assert.True(full.Condstore);
        Assert.Equal([(1L, 4L)], full.Qresync!.MatchSequences!.Ranges);
        Assert.Equal([(2L, 2L), (3L, 3L), (5L, 6L)], full.Qresync.MatchUids!.Ranges);

        // seq-match-data without known-uids (RFC 7162 §7: both are optional on their own).
        Assert.Null(Parse("INBOX (QRESYNC (1 5 (1 7)))").Qresync!.KnownUids);
        Assert.Equal(9223372036854775807, Parse("INBOX (QRESYNC (4294967295 9223372036854775807))").Qresync!.Modseq);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData("INBOX ()", "Unexpected ')'")]
    [InlineData("INBOX (FOO)", "Unknown SELECT parameter")]
    [InlineData("INBOX (CONDSTORE", "Missing ')'")]
    [InlineData("INBOX (QRESYNC)", "Expected a space")]
    [InlineData("INBOX (QRESYNC ())", "Expected a number")]
    [InlineData("INBOX (QRESYNC (0 1))", "Zero is not allowed here")]
    [InlineData("INBOX (QRESYNC (1))", "Expected a space")]
    [InlineData("INBOX (QRESYNC (1 x))", "Expected a number")]
    [InlineData("INBOX (QRESYNC (1 9223372036854775808))", "Number too large")]
    [InlineData("INBOX (QRESYNC (4294967296 1))", "Number too large")]
    [InlineData("INBOX (QRESYNC (1 1 1:*))", "\"*\" and \"$\" are not allowed in known-uids")]
    [InlineData("INBOX (QRESYNC (1 1 $))", "\"*\" and \"$\" are not allowed in known-uids")]
    [InlineData("INBOX (QRESYNC (1 1 1:9 (1:2 3)))", "known-sequence-set and known-uid-set differ in size")]
    [InlineData("INBOX (QRESYNC (1 1 1:9 (1:* 3)))", "\"*\" and \"$\" are not allowed in known-sequence-set")]
    [InlineData("INBOX (QRESYNC (1 1 1:9 (1 *)))", "\"*\" and \"$\" are not allowed in known-uid-set")]
    [InlineData("INBOX (QRESYNC (1 1 1:9 (1)))", "Expected a space")]
    [InlineData("INBOX (QRESYNC (1 1 1:9 (1 2) 3))", "Expected ')'")]
    [InlineData("INBOX (QRESYNC (1 1) QRESYNC (1 1))", "QRESYNC given twice")]
    [InlineData("INBOX (CONDSTORE) x", "Unexpected extra arguments")]
    public void Malformed_select_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    /// <summary>Inputs and those of their proper prefixes that are complete commands of their own.</summary>
    public static TheoryData<string, string[]> Inputs => new()
    {
        { "INBOX (QRESYNC (67890007 90060115194045000 41,43:211,214:541 (1:4 2,3,5:6)))", ["I", "IN", "INB", "INBO", "INBOX"] },
        { "Archive (CONDSTORE QRESYNC (7 0 (1,3 5:6)))", ["A", "Ar", "Arc", "Arch", "Archi", "Archiv", "Archive"] },
        { "\"Sent\" (QRESYNC (1 2 3))", ["\"Sent\""] },
    };

    /// <summary>Every proper prefix is a syntax error unless it is itself a complete command; never another exception.</summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete)
    {
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, Parse, a => Assert.NotEmpty(a.Mailbox));
    }
}
