using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The STORE grammar (RFC 3501 §6.4.6, RFC 7162's UNCHANGEDSINCE): what follows "STORE" on the wire.</summary>
public class StoreTests
{
    private static StoreArguments Parse(string text, bool uid = false) =>
        StoreArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)), uid);

    [Theory]
    [InlineData("1 FLAGS (\\Seen)", StoreMode.Replace, false, "\\Seen")]
    [InlineData("1 flags.silent ()", StoreMode.Replace, true, "")]
    [InlineData("2,4:6 +FLAGS.SILENT (\\seen $Important)", StoreMode.Add, true, "\\Seen $Important")]
    [InlineData("1:* -FLAGS (\\Deleted \\Flagged \\Answered \\Draft)", StoreMode.Remove, false, "\\Deleted \\Flagged \\Answered \\Draft")]
    [InlineData("1 +FLAGS \\Seen", StoreMode.Add, false, "\\Seen")]
    [InlineData("1 +FLAGS \\Seen Junk \\Flagged", StoreMode.Add, false, "\\Seen Junk \\Flagged")]
    public void Valid_store_att_flags(string text, StoreMode mode, bool silent, string flags)
    {
        var arguments = Parse(text);
        Assert.Equal(mode, arguments.Mode);
        Assert.Equal(silent, arguments.Silent);
        Assert.Equal(flags, string.Join(' ', arguments.Flags));
        Assert.Null(arguments.UnchangedSince);
    }

    [Fact]
    public void Unchangedsince_and_uid()
    {
        var arguments = Parse("$ (UNCHANGEDSINCE 0) FLAGS.SILENT (\\Seen)", uid: true);
        Assert.True(arguments.Uid);
        Assert.Same(SequenceSet.SavedResult, arguments.Set);
        Assert.Equal(0, arguments.UnchangedSince);
        Assert.Equal(long.MaxValue, Parse("1 (UNCHANGEDSINCE 9223372036854775807) FLAGS ()").UnchangedSince);
        Assert.Equal('+', (char)StoreMode.Add);
    }

    [Theory]
    [InlineData("", "Missing number")]
    [InlineData("1", "Missing argument")]
    [InlineData("1 FLAGS", "Missing argument")]
    [InlineData("1 LABELS (x)", "Unknown STORE item LABELS")]
    [InlineData("1 *FLAGS (x)", "Unexpected '*'")]
    [InlineData("1 +FLAGS (\\Recent)", "\\Recent cannot be stored")]
    [InlineData("1 +FLAGS \\Bogus", "Unknown system flag \\Bogus")]
    [InlineData("1 +FLAGS (\\Seen", "Missing ')'")]
    [InlineData("1 +FLAGS (\\Seen) x", "Unexpected extra arguments")]
    [InlineData("1 (NOTSINCE 1) FLAGS ()", "Unknown STORE modifier")]
    [InlineData("1 (UNCHANGEDSINCE) FLAGS ()", "Expected a space")]
    [InlineData("1 (UNCHANGEDSINCE 1 FLAGS ()", "Unknown STORE modifier")]
    [InlineData("1 (UNCHANGEDSINCE 1)FLAGS ()", "Expected a space")]
    [InlineData("1 (UNCHANGEDSINCE 9223372036854775808) FLAGS ()", "Number too large")]
    public void Malformed_store_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    public static TheoryData<string, string[]> Inputs => new()
    {
        { "2,4:6 (UNCHANGEDSINCE 12) +FLAGS.SILENT (\\Seen $Important)", [] },
        { "1:* -FLAGS (\\Deleted)", [] },
        { "7 FLAGS \\Seen Junk", ["7 FLAGS \\Seen", "7 FLAGS \\Seen J", "7 FLAGS \\Seen Ju", "7 FLAGS \\Seen Jun"] },
    };

    /// <summary>Every proper prefix is a syntax error unless it is itself a listed complete command.</summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete)
    {
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, s => Parse(s), a => Assert.NotEmpty(a.Flags));
    }
}
