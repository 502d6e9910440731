using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The APPEND grammar (RFC 3501 §6.3.11, LITERAL+ of RFC 7888): what follows "APPEND" on the wire.</summary>
public class AppendTests
{
    private static AppendArguments Parse(string text) =>
        AppendArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)));

    [Fact]
    public void Mailbox_flags_date_time_and_literal()
    {
        var arguments = Parse("Drafts (\\Draft $Label) \"28-Nov-2026 10:00:00 +0100\" {7+}\r\nSubject");
        Assert.Equal("Drafts", arguments.Mailbox);
        Assert.Equal(["\\Draft", "$Label"], arguments.Flags);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.FromHours(1)), arguments.InternalDate);
        Assert.Equal("Subject", Encoding.ASCII.GetString(arguments.Message.Span));

        var bare = Parse("\"Entw&APw-rfe\" {2}\r\nhi");
        Assert.Equal("Entwürfe", bare.Mailbox);
        Assert.Empty(bare.Flags);
        Assert.Null(bare.InternalDate);
        Assert.Equal(TimeSpan.FromHours(-5), Parse("INBOX () \" 1-Dec-2026 09:05:00 -0500\" {0}\r\n").InternalDate!.Value.Offset);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData("INBOX", "Missing argument")]
    [InlineData("INBOX hello", "Expected '{'")]
    [InlineData("INBOX \"hello\"", "Bad date-time 'hello'")]
    [InlineData("INBOX (\\Bogus) {0}\r\n", "Unknown system flag \\Bogus")]
    [InlineData("INBOX (\\Seen {0}\r\n", "Unexpected '{'")]
    [InlineData("INBOX {5}\r\nabc", "Literal shorter than announced")]
    [InlineData("INBOX {3}\r\nabc x", "Unexpected extra arguments")]
    [InlineData("INBOX {3}abc", "A literal's size must end its line")]
    [InlineData("\"&Jjo\" {0}\r\n", "Mailbox name is not valid modified UTF-7")]
    public void Malformed_append_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    public static TheoryData<string> Inputs => new()
    {
        "Drafts (\\Draft) \"28-Nov-2026 10:00:00 +0100\" {7+}\r\nSubject",
        "{6}\r\nDrafts {3}\r\nabc",
    };

    /// <summary>No proper prefix of an APPEND is complete (it ends in its literal): each is a syntax error.</summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error(string input)
    {
        for (var length = 0; length < input.Length; length++)
        {
            Assert.Throws<ImapSyntaxException>(() => Parse(input[..length]));
        }
        Assert.False(Parse(input).Message.IsEmpty);
    }
}
