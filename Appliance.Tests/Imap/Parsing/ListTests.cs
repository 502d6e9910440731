using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The LIST and LSUB grammar (RFC 3501, LIST-EXTENDED, SPECIAL-USE, LIST-STATUS): what follows the command name.</summary>
public class ListTests
{
    private static ListArguments Parse(string text, bool lsub = false) =>
        ListArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)), lsub);

    [Fact]
    public void Plain_list_and_lsub()
    {
        var list = Parse("\"\" *");
        Assert.Equal("", list.Reference);
        Assert.Equal(["*"], list.Patterns);
        Assert.False(list.SelectSubscribed || list.SelectSpecialUse || list.ReturnSubscribed || list.ReturnSpecialUse);
        Assert.Empty(list.ReturnStatus);

        Assert.Equal(["Archive/%"], Parse("\"Entw&APw-rfe/\" Archive/%").Patterns);
        Assert.Equal("Entwürfe/", Parse("\"Entw&APw-rfe/\" Archive/%").Reference);
        var lsub = Parse("\"\" \"Dr%\"", lsub: true);
        Assert.True(lsub.Lsub);
        Assert.Equal(["Dr%"], lsub.Patterns);
    }

    /// <summary>A pattern is a mailbox name with wildcards, so it is decoded from modified UTF-7 like the reference (RFC 3501 §5.1.3).</summary>
    [Fact]
    public void Patterns_are_decoded_from_modified_utf7_and_kept_as_sent_when_they_do_not_decode()
    {
        Assert.Equal(["Entwürfe"], Parse("\"\" \"Entw&APw-rfe\"").Patterns);
        Assert.Equal(["Entwürfe/%"], Parse("\"\" Entw&APw-rfe/%").Patterns);
        Assert.Equal(["*/Älter"], Parse("\"\" \"*/&AMQ-lter\"", lsub: true).Patterns);
        Assert.Equal(["INBOX", "Entwürfe*", "a&b"], Parse("\"\" (INBOX \"Entw&APw-rfe*\" \"a&-b\")").Patterns);
        Assert.Equal(["&Jjo"], Parse("\"\" \"&Jjo\"").Patterns);
    }

    [Fact]
    public void Extended_selection_patterns_and_return_options()
    {
        var list = Parse("(SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" \"Dr%\") RETURN (SPECIAL-USE CHILDREN STATUS (MESSAGES UNSEEN))");
        Assert.True(list.SelectSubscribed && list.RecursiveMatch);
        Assert.False(list.SelectSpecialUse);
        Assert.Equal(["INBOX", "Dr%"], list.Patterns);
        Assert.True(list.ReturnSpecialUse);
        Assert.False(list.ReturnSubscribed);
        Assert.Equal([StatusAttribute.Messages, StatusAttribute.Unseen], list.ReturnStatus);

        var empty = Parse("() \"\" * RETURN ()");
        Assert.False(empty.SelectSubscribed || empty.ReturnSubscribed);
        Assert.True(Parse("(SPECIAL-USE) \"\" * RETURN (SUBSCRIBED)").ReturnSubscribed);
        Assert.False(Parse("(SUBSCRIBED) \"\" *").RecursiveMatch);
        Assert.True(Parse("(SPECIAL-USE RECURSIVEMATCH REMOTE) \"\" *").RecursiveMatch);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData("\"\"", "Missing argument")]
    [InlineData("\"\" ", "Missing mailbox pattern")]
    [InlineData("(BOGUS) \"\" *", "Unknown LIST selection option BOGUS")]
    [InlineData("(RECURSIVEMATCH) \"\" *", "RECURSIVEMATCH must not be the only selection option")]
    [InlineData("(REMOTE RECURSIVEMATCH) \"\" *", "RECURSIVEMATCH must not be the only selection option")]
    [InlineData("(SUBSCRIBED \"\" *", "Unexpected '\"'")]
    [InlineData("\"\" * EXTRA (CHILDREN)", "Expected RETURN")]
    [InlineData("\"\" * RETURN (BOGUS)", "Unknown LIST return option BOGUS")]
    [InlineData("\"\" * RETURN (STATUS (BOGUS))", "Unknown STATUS item BOGUS")]
    [InlineData("\"\" * RETURN (CHILDREN", "Missing ')'")]
    [InlineData("\"\" (INBOX", "Missing ')'")]
    [InlineData("\"&Jjo\" *", "Mailbox name is not valid modified UTF-7")]
    public void Malformed_list_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    [Fact]
    public void Lsub_takes_no_extended_forms() =>
        Assert.Equal("Unexpected extra arguments", Assert.Throws<ImapSyntaxException>(() => Parse("\"\" * RETURN (CHILDREN)", lsub: true)).Message);

    public static TheoryData<string, string[]> Inputs => new()
    {
        { "(SUBSCRIBED) \"\" (\"INBOX\" \"Dr%\") RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))", ["(SUBSCRIBED) \"\" (\"INBOX\" \"Dr%\")"] },
        { "\"\" \"Dr%\"", [] },
        { "(RECURSIVEMATCH SUBSCRIBED) \"\" %", [] },
        { "\"\" (Entw&APw-rfe/% \"&AMQ-lter\")", [] },
        { "{0}\r\n Archive/*", ["{0}\r\n A", "{0}\r\n Ar", "{0}\r\n Arc", "{0}\r\n Arch", "{0}\r\n Archi", "{0}\r\n Archiv", "{0}\r\n Archive", "{0}\r\n Archive/"] },
    };

    /// <summary>Every proper prefix is a syntax error unless it is itself a listed complete command.</summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete)
    {
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, s => Parse(s), a => Assert.NotEmpty(a.Patterns));
    }
}
