using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The GETMETADATA and SETMETADATA grammar (RFC 5464 §4.2, §4.3, §5): what follows the command name.</summary>
public class MetadataTests
{
    private static GetMetadataArguments Get(string text) =>
        GetMetadataArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)));

    private static SetMetadataArguments Set(string text) =>
        SetMetadataArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)));

    [Fact]
    public void Getmetadata_reads_options_mailbox_and_one_or_several_entries()
    {
        var one = Get("INBOX /Shared/Comment");
        Assert.Equal(("INBOX", (long?)null, MetadataDepth.Zero), (one.Mailbox, one.MaxSize, one.Depth));
        Assert.Equal(["/shared/comment"], one.Entries);

        var several = Get("(MAXSIZE 1024 DEPTH infinity) \"Entw&APw-rfe\" (/private/comment \"/shared/vendor/x\" /private)");
        Assert.Equal(("Entwürfe", (long?)1024, MetadataDepth.Infinity), (several.Mailbox, several.MaxSize, several.Depth));
        Assert.Equal(["/private/comment", "/shared/vendor/x", "/private"], several.Entries);

        var server = Get("(depth 1) \"\" /shared");
        Assert.Equal(("", MetadataDepth.One), (server.Mailbox, server.Depth));
        // §3.2: only 0x00-0x19, "*", "%" and non-ASCII are out; a space or DEL is a character of the name.
        Assert.Equal(["/private/vendor/a b\u007f"], Get("INBOX \"/Private/vendor/A B\u007f\"").Entries);
    }

    [Fact]
    public void Setmetadata_reads_values_nil_literals_and_literal8()
    {
        var set = Set("INBOX (/private/comment \"My own\" /shared/comment NIL /private/vendor/x {3}\r\na\"b /private/vendor/bin ~{2}\r\n\0\u0001)");
        Assert.Equal("INBOX", set.Mailbox);
        Assert.Equal(["/private/comment", "/shared/comment", "/private/vendor/x", "/private/vendor/bin"], set.Values.Select(v => v.Entry));
        Assert.Equal("My own", Encoding.UTF8.GetString(set.Values[0].Value!.Value.Span));
        Assert.Null(set.Values[1].Value);
        Assert.Equal("a\"b", Encoding.UTF8.GetString(set.Values[2].Value!.Value.Span));
        Assert.Equal(new byte[] { 0, 1 }, set.Values[3].Value!.Value.ToArray());
        Assert.Equal("", Set("\"\" (/shared/comment \"\")").Mailbox);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData("INBOX", "Missing argument")]
    [InlineData("INBOX comment", "An entry name is a path such as /shared/comment")]
    [InlineData("INBOX /", "An entry name is a path such as /shared/comment")]
    [InlineData("INBOX /shared/", "An entry name is a path such as /shared/comment")]
    [InlineData("INBOX /shared//x", "Invalid character in entry name")]
    [InlineData("INBOX /shared/*", "An entry name is a path such as /shared/comment")]
    [InlineData("INBOX \"/shared/a%\"", "Invalid character in entry name")]
    [InlineData("INBOX {10}\r\n/shared/a\u0019", "Invalid character in entry name")]
    [InlineData("INBOX \"/shared/\u00e9\"", "Invalid character in entry name")]
    [InlineData("INBOX /public/comment", "An entry name begins with /private or /shared")]
    [InlineData("INBOX /privatecomment", "An entry name begins with /private or /shared")]
    [InlineData("INBOX ()", "Unexpected ')'")]
    [InlineData("INBOX (/shared/comment", "Missing ')'")]
    [InlineData("INBOX /shared/comment x", "Unexpected extra arguments")]
    [InlineData("(DEPTH 2) INBOX /shared", "DEPTH is 0, 1 or infinity")]
    [InlineData("(DEPTH 1 DEPTH 1) INBOX /shared", "A GETMETADATA option given twice")]
    [InlineData("(MAXSIZE x) INBOX /shared", "Expected a number")]
    [InlineData("(MAXSIZE 4294967296) INBOX /shared", "Number too large")]
    [InlineData("(SIZE 1) INBOX /shared", "Unknown GETMETADATA option")]
    [InlineData("(MAXSIZE 1)INBOX /shared", "Expected a space")]
    public void Malformed_getmetadata_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Get(text)).Message);

    [Theory]
    [InlineData("INBOX", "Missing argument")]
    [InlineData("INBOX /shared/comment \"x\"", "Expected '('")]
    [InlineData("INBOX ()", "Unexpected ')'")]
    [InlineData("INBOX (/shared \"x\")", "An entry name begins with /private/ or /shared/")]
    [InlineData("INBOX (/shared/comment)", "Expected a space")]
    [InlineData("INBOX (/shared/comment x)", "Expected a string")]
    [InlineData("INBOX (/shared/comment \"x\" /private/comment)", "Expected a space")]
    [InlineData("INBOX (/shared/comment ~\"x\")", "Expected '{'")]
    [InlineData("INBOX (/shared/comment {5}\r\nab)", "Literal shorter than announced")]
    [InlineData("INBOX (/shared/comment NIL) x", "Unexpected extra arguments")]
    public void Malformed_setmetadata_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Set(text)).Message);

    /// <summary>Inputs and those of their proper prefixes that are complete commands of their own.</summary>
    public static TheoryData<string, string[]> GetInputs => new()
    {
        { "(MAXSIZE 100 DEPTH 1) \"Entw&APw-rfe\" (\"/shared/comment\" \"/private\")", [] },
        { "\"\" \"/shared/admin\"", [] },
        { "INBOX (/private/vendor/a /shared)", [] },
    };

    public static TheoryData<string, string[]> SetInputs => new()
    {
        { "\"Entw&APw-rfe\" (\"/shared/comment\" \"one\" \"/private/comment\" NIL)", [] },
        { "INBOX (\"/private/vendor/a\" {3}\r\nabc \"/private/vendor/b\" ~{1}\r\n\0)", [] },
    };

    /// <summary>Every proper prefix of GETMETADATA is a syntax error unless complete itself; never another exception.</summary>
    [Theory]
    [MemberData(nameof(GetInputs))]
    public void Every_proper_prefix_of_getmetadata_is_a_syntax_error(string input, string[] complete) =>
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, Get, a => Assert.NotEmpty(a.Entries));

    /// <summary>Every proper prefix of SETMETADATA is a syntax error unless complete itself; never another exception.</summary>
    [Theory]
    [MemberData(nameof(SetInputs))]
    public void Every_proper_prefix_of_setmetadata_is_a_syntax_error(string input, string[] complete) =>
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, Set, a => Assert.NotEmpty(a.Values));
}
