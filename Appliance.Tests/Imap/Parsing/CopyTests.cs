using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The COPY and MOVE grammar (RFC 3501 §6.4.7, RFC 6851): what follows "COPY" or "MOVE" on the wire.</summary>
public class CopyTests
{
    private static CopyArguments Parse(string text, bool uid = false, bool move = false) =>
        CopyArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)), uid, move);

    [Theory]
    [InlineData("1:3 Archive", "Archive")]
    [InlineData("$ \"Entw&APw-rfe\"", "Entwürfe")]
    [InlineData("2 {9}\r\nOld Stuff", "Old Stuff")]
    [InlineData("1,5:* \"Other Users/carol/Projects\"", "Other Users/carol/Projects")]
    public void Valid_copy_names_a_set_and_a_decoded_mailbox(string text, string mailbox)
    {
        var arguments = Parse(text, uid: true, move: true);
        Assert.Equal(mailbox, arguments.Mailbox);
        Assert.True(arguments.Uid);
        Assert.True(arguments.Move);
        Assert.False(Parse(text).Move);
    }

    [Theory]
    [InlineData("", "Missing number")]
    [InlineData("1", "Missing argument")]
    [InlineData("1 ", "Missing argument")]
    [InlineData("x Archive", "Expected a number")]
    [InlineData("0 Archive", "Zero is not allowed here")]
    [InlineData("1 Archive Old", "Unexpected extra arguments")]
    [InlineData("1 \"&Jjo\"", "Mailbox name is not valid modified UTF-7")]
    [InlineData("1 \"Archive", "Unterminated quoted string")]
    [InlineData("1 (Archive)", "Unexpected '('")]
    public void Malformed_copy_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    public static TheoryData<string, string[]> Inputs => new()
    {
        { "1:3,7 \"Entw&APw-rfe\"", [] },
        { "2 {9}\r\nOld Stuff", [] },
        { "4:* Junk", ["4:* J", "4:* Ju", "4:* Jun"] },
    };

    /// <summary>Every proper prefix is a syntax error unless it is itself a listed complete command.</summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete)
    {
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, s => Parse(s), a => Assert.NotEmpty(a.Mailbox));
    }
}
