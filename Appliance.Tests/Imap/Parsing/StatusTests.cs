using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The STATUS grammar (RFC 3501 §6.3.10, RFC 8438 SIZE, RFC 9051 DELETED, RFC 7162 HIGHESTMODSEQ): what follows "STATUS".</summary>
public class StatusTests
{
    private static StatusArguments Parse(string text) =>
        StatusArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)));

    [Fact]
    public void Every_status_att_parses_and_keeps_its_wire_name()
    {
        var arguments = Parse("\"Entw&APw-rfe\" (MESSAGES recent UIDNEXT UIDVALIDITY UNSEEN SIZE HIGHESTMODSEQ deleted MailboxId)");
        Assert.Equal("Entwürfe", arguments.Mailbox);
        Assert.Equal(Enum.GetValues<StatusAttribute>(), arguments.Items);
        Assert.Equal("MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE HIGHESTMODSEQ DELETED MAILBOXID", string.Join(' ', arguments.Items.Select(StatusArguments.Name)));
        Assert.Equal([StatusAttribute.Unseen], Parse("INBOX (UNSEEN)").Items);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData("INBOX", "Missing argument")]
    [InlineData("INBOX MESSAGES", "Expected '('")]
    [InlineData("INBOX ()", "Unexpected ')'")]
    [InlineData("INBOX (BOGUS)", "Unknown STATUS item BOGUS")]
    [InlineData("INBOX (MESSAGES", "Missing ')'")]
    [InlineData("INBOX (MESSAGES) x", "Unexpected extra arguments")]
    [InlineData("\"&Jjo\" (MESSAGES)", "Mailbox name is not valid modified UTF-7")]
    public void Malformed_status_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    public static TheoryData<string> Inputs => new()
    {
        "\"Entw&APw-rfe\" (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)",
        "{5}\r\nINBOX (SIZE HIGHESTMODSEQ)",
        "INBOX (DELETED SIZE)",
    };

    /// <summary>No proper prefix of a STATUS command is complete: each is a syntax error, never another exception.</summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error(string input)
    {
        for (var length = 0; length < input.Length; length++)
        {
            Assert.Throws<ImapSyntaxException>(() => Parse(input[..length]));
        }
        Assert.NotEmpty(Parse(input).Items);
    }

    /// <summary>
    /// With UTF-8 names on (RFC 6855 §3, RFC 9051 §5.1) a name is taken as sent: "&amp;" is no escape, and bytes that are not
    /// UTF-8 are a syntax error, for every prefix of a command as for the whole.
    /// </summary>
    [Fact]
    public void Utf8_names_are_taken_as_sent_once_enabled()
    {
        static StatusArguments Utf8(byte[] bytes) => StatusArguments.Parse(new ImapParser(bytes) { Utf8Mailboxes = true });
        Assert.Equal("Entw&APw-rfe", Utf8(Encoding.UTF8.GetBytes(" \"Entw&APw-rfe\" (MESSAGES)")).Mailbox);
        Assert.Equal("INBOX/Entwürfe", Utf8(Encoding.UTF8.GetBytes(" \"inbox/Entwürfe\" (DELETED)")).Mailbox);
        Assert.Equal("Mailbox name is not valid UTF-8", Assert.Throws<ImapSyntaxException>(() => Utf8([.. " \"Entw"u8, 0xFC, .. "rfe\" (MESSAGES)"u8])).Message);
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(" \"Entwürfe\" (DELETED)", [], text => Utf8(Encoding.UTF8.GetBytes(text)),
            arguments => Assert.Equal(("Entwürfe", StatusAttribute.Deleted), (arguments.Mailbox, Assert.Single(arguments.Items))));
    }
}
