using System.Text;
using Appliance.ManageSieve;
using Appliance.ManageSieve.Parsing;

namespace Appliance.Tests.ManageSieve;

/// <summary>The pure command-line grammar of RFC 5804 §4 and the server's string encoding.</summary>
public sealed class ManageSieveLineTests
{
    private static (ManageSieveLineStatus Status, List<ManageSieveToken> Tokens, long Literal, string Error) Parse(string line, bool continuation = false)
    {
        var tokens = new List<ManageSieveToken>();
        var status = ManageSieveLine.Parse(Encoding.UTF8.GetBytes(line), continuation, tokens, out var literal, out var error);
        return (status, tokens, literal, error);
    }

    [Fact]
    public void Atoms_and_quoted_strings_with_escapes_become_tokens()
    {
        var (status, tokens, _, _) = Parse("RENAMESCRIPT \"a \\\"b\\\" \\\\ c\" \"☀\"");
        Assert.Equal(ManageSieveLineStatus.Complete, status);
        Assert.Equal([ManageSieveToken.Atom("RENAMESCRIPT"), ManageSieveToken.Text("a \"b\" \\ c"), ManageSieveToken.Text("☀")], tokens);
    }

    [Theory]
    [InlineData("PUTSCRIPT \"x\" {12+}", 12)]
    [InlineData("PUTSCRIPT \"x\" {12}", 12)]
    [InlineData("PUTSCRIPT {0+}", 0)]
    public void A_literal_length_ends_the_line(string line, long expected)
    {
        var (status, _, literal, _) = Parse(line);
        Assert.Equal(ManageSieveLineStatus.Literal, status);
        Assert.Equal(expected, literal);
    }

    [Fact]
    public void After_a_literal_the_line_goes_on_with_a_space_or_ends()
    {
        Assert.Equal(ManageSieveLineStatus.Complete, Parse("", continuation: true).Status);
        var (status, tokens, literal, _) = Parse(" {5+}", continuation: true);
        Assert.Equal((ManageSieveLineStatus.Literal, 5L), (status, literal));
        Assert.Empty(tokens);
        Assert.Equal(ManageSieveLineStatus.Malformed, Parse("x", continuation: true).Status);
    }

    [Theory]
    [InlineData("", "Empty command")]
    [InlineData("NOOP \"open", "Unterminated quoted string")]
    [InlineData("NOOP \"a\\b\"", "Only \\\" and \\\\ may be escaped in a quoted string")]
    [InlineData("NOOP  \"a\"", "Unexpected character in the command")]
    [InlineData("NOOP ", "Trailing space")]
    [InlineData("NOOP\"a\"", "Expected a space between arguments")]
    [InlineData("NOOP {5+} x", "A literal's length must end the line")]
    [InlineData("NOOP {+}", "Bad literal length")]
    [InlineData("NOOP {99999999999+}", "Bad literal length")]
    [InlineData("NOOP {-1}", "Bad literal length")]
    public void Malformed_lines_say_what_is_wrong(string line, string error)
    {
        var parsed = Parse(line);
        Assert.Equal((ManageSieveLineStatus.Malformed, error), (parsed.Status, parsed.Error));
    }

    [Fact]
    public void A_quoted_string_that_is_not_UTF8_is_malformed()
    {
        var tokens = new List<ManageSieveToken>();
        Assert.Equal(ManageSieveLineStatus.Malformed, ManageSieveLine.Parse([.. "NOOP \""u8, 0xC3, (byte)'"'], false, tokens, out _, out var error));
        Assert.Equal("A string is not valid UTF-8", error);
    }

    /// <summary>Every prefix of a valid line parses to a result (never throws), and only the whole line gives its tokens.</summary>
    [Fact]
    public void Every_prefix_of_a_line_parses_without_throwing()
    {
        const string line = "PUTSCRIPT \"my \\\"script\\\"\" {42+}";
        for (var i = 0; i <= line.Length; i++)
        {
            var (status, _, literal, _) = Parse(line[..i]);
            Assert.True(i == line.Length ? status == ManageSieveLineStatus.Literal && literal == 42 : status != ManageSieveLineStatus.Literal || line[..i].EndsWith('}'));
        }
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("say \"hi\" \\ ok", "\"say \\\"hi\\\" \\\\ ok\"")]
    [InlineData("two\r\nlines", "{10}\r\ntwo\r\nlines")]
    public void Server_strings_are_quoted_when_they_can_be_else_literals(string value, string wire) =>
        Assert.Equal(wire, ManageSieveResponse.String(value));

    [Fact]
    public void Responses_carry_their_code_and_text()
    {
        Assert.Equal("NO (QUOTA/MAXSIZE) \"too big\"\r\n", Encoding.UTF8.GetString(ManageSieveResponse.No("too big", "QUOTA/MAXSIZE").ToBytes()));
        Assert.Equal("OK\r\n", Encoding.UTF8.GetString(ManageSieveResponse.Ok().ToBytes()));
    }
}
