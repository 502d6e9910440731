using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>
/// The APPEND grammar (RFC 3501 §6.3.11, LITERAL+ of RFC 7888, MULTIAPPEND of RFC 3502, literal8 of RFC 3516,
/// CATENATE of RFC 4469, UTF8 of RFC 6855 §4): what follows "APPEND" on the wire.
/// </summary>
public class AppendTests
{
    private static AppendArguments Parse(string text, bool utf8 = false) =>
        AppendArguments.Parse(new ImapParser(Encoding.Latin1.GetBytes(" " + text)), utf8);

    private static string Text(ImapLiteral literal) => Encoding.Latin1.GetString(literal.Bytes.Span);

    [Fact]
    public void Mailbox_flags_date_time_and_literal()
    {
        var arguments = Parse("Drafts (\\Draft $Label) \"28-Nov-2026 10:00:00 +0100\" {7+}\r\nSubject");
        Assert.Equal("Drafts", arguments.Mailbox);
        var message = Assert.Single(arguments.Messages);
        Assert.Equal(["\\Draft", "$Label"], message.Flags);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.FromHours(1)), message.InternalDate);
        Assert.Equal("Subject", Text(message.Literal));
        Assert.False(message.Literal.Binary);

        var bare = Parse("\"Entw&APw-rfe\" {2}\r\nhi");
        Assert.Equal("Entwürfe", bare.Mailbox);
        Assert.Empty(bare.Messages[0].Flags);
        Assert.Null(bare.Messages[0].InternalDate);
        Assert.Equal(TimeSpan.FromHours(-5), Parse("INBOX () \" 1-Dec-2026 09:05:00 -0500\" {0}\r\n").Messages[0].InternalDate!.Value.Offset);
    }

    [Fact]
    public void Multiappend_reads_each_message_with_its_own_options()
    {
        var arguments = Parse("INBOX (\\Seen) {1}\r\na {1+}\r\nb \"01-Dec-2026 09:05:00 +0000\" ~{3}\r\nc\0d");
        Assert.Equal(3, arguments.Messages.Count);
        Assert.Equal(["\\Seen"], arguments.Messages[0].Flags);
        Assert.Equal("a", Text(arguments.Messages[0].Literal));
        Assert.Empty(arguments.Messages[1].Flags);
        Assert.Equal("b", Text(arguments.Messages[1].Literal));
        Assert.NotNull(arguments.Messages[2].InternalDate);
        Assert.True(arguments.Messages[2].Literal.Binary);
        Assert.Equal("c\0d", Text(arguments.Messages[2].Literal));
    }

    [Fact]
    public void Utf8_data_is_a_literal8_once_utf8_accept_is_enabled()
    {
        var message = Parse("INBOX UTF8 (~{2}\r\nhi)", utf8: true).Messages[0];
        Assert.True(message.Literal.Binary);
        Assert.Equal("hi", Text(message.Literal));
        Assert.Equal("UTF8 data needs ENABLE UTF8=ACCEPT first (RFC 6855)", Assert.Throws<ImapSyntaxException>(() => Parse("INBOX UTF8 (~{2}\r\nhi)")).Message);
        Assert.Equal("Expected a literal8 (~{n})", Assert.Throws<ImapSyntaxException>(() => Parse("INBOX UTF8 ({2}\r\nhi)", utf8: true)).Message);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData("INBOX", "Missing argument")]
    [InlineData("INBOX hello", "Expected '{'")]
    [InlineData("INBOX \"hello\"", "Bad date-time 'hello'")]
    [InlineData("INBOX (\\Bogus) {0}\r\n", "Unknown system flag \\Bogus")]
    [InlineData("INBOX (\\Seen {0}\r\n", "Unexpected '{'")]
    [InlineData("INBOX {5}\r\nabc", "Literal shorter than announced")]
    [InlineData("INBOX ~{5}\r\nabc", "Literal shorter than announced")]
    [InlineData("INBOX {3}\r\nabc x", "Expected '{'")]
    [InlineData("INBOX {3}\r\nabc ", "Missing argument")]
    [InlineData("INBOX {3}abc", "A literal's size must end its line")]
    [InlineData("INBOX {3}\r\na\0c", "A NUL octet in a literal; send it as literal8 (~{n}, RFC 3516)")]
    [InlineData("\"&Jjo\" {0}\r\n", "Mailbox name is not valid modified UTF-7")]
    public void Malformed_append_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    /// <summary>
    /// Every proper prefix of an APPEND is a syntax error, except those that end just after one whole message of a
    /// MULTIAPPEND: those are complete APPENDs of fewer messages.
    /// </summary>
    [Theory]
    [InlineData("Drafts (\\Draft) \"28-Nov-2026 10:00:00 +0100\" {7+}\r\nSubject", new string[0], 1)]
    [InlineData("{6}\r\nDrafts {3}\r\nabc", new string[0], 1)]
    [InlineData("INBOX (\\Seen) {1}\r\na ~{2}\r\nb\0 UTF8 (~{1}\r\nc)", new[] { "INBOX (\\Seen) {1}\r\na", "INBOX (\\Seen) {1}\r\na ~{2}\r\nb\0" }, 3)]
    public void Every_proper_prefix_is_a_syntax_error_unless_it_ends_a_message(string input, string[] complete, int count) =>
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, text => Parse(text, utf8: true),
            arguments => Assert.InRange(arguments.Messages.Count, 1, count));
}
