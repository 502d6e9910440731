using System.Globalization;
using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The FETCH grammar (RFC 3501 §6.4.5, RFC 7162's MODSEQ and CHANGEDSINCE): what follows "FETCH" on the wire.</summary>
public class FetchTests
{
    private static FetchArguments Parse(string text, bool uid = false) =>
        FetchArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)), uid);

    /// <summary>One item as text: its attribute, or for a section its answer label, " peek" and the partial.</summary>
    private static string Describe(FetchItem item) => item.Attribute != FetchAttribute.Section
        ? item.Attribute.ToString() + (item.Lazy ? " lazy" : "")
        : item.Label + (item.Peek ? " peek" : "") + (item.Partial is { } p ? string.Create(CultureInfo.InvariantCulture, $"<{p.Start}.{p.Length}>") : "");

    private static string Describe(FetchArguments arguments) => string.Join(", ", arguments.Items.Select(Describe));

    [Theory]
    [InlineData("1 ALL", "Flags, InternalDate, Rfc822Size, Envelope")]
    [InlineData("1 FAST", "Flags, InternalDate, Rfc822Size")]
    [InlineData("1 full", "Flags, InternalDate, Rfc822Size, Envelope, Body")]
    [InlineData("1 UID", "Uid")]
    [InlineData("1 FLAGS", "Flags")]
    [InlineData("1 INTERNALDATE", "InternalDate")]
    [InlineData("1 RFC822.SIZE", "Rfc822Size")]
    [InlineData("1 ENVELOPE", "Envelope")]
    [InlineData("1 BODY", "Body")]
    [InlineData("1 BODYSTRUCTURE", "BodyStructure")]
    [InlineData("1 MODSEQ", "Modseq")]
    [InlineData("1 RFC822", "RFC822")]
    [InlineData("1 RFC822.HEADER", "RFC822.HEADER peek")]
    [InlineData("1 RFC822.TEXT", "RFC822.TEXT")]
    [InlineData("1 BODY[]", "BODY[]")]
    [InlineData("1 body.peek[]", "BODY[] peek")]
    [InlineData("1 BODY[HEADER]", "BODY[HEADER]")]
    [InlineData("1 BODY[text]", "BODY[TEXT]")]
    [InlineData("1 BODY[1]", "BODY[1]")]
    [InlineData("1 BODY[1.2.3]", "BODY[1.2.3]")]
    [InlineData("1 BODY[2.MIME]", "BODY[2.MIME]")]
    [InlineData("1 BODY[2.HEADER]", "BODY[2.HEADER]")]
    [InlineData("1 BODY[3.1.TEXT]", "BODY[3.1.TEXT]")]
    [InlineData("1 BODY.PEEK[HEADER.FIELDS (From to)]", "BODY[HEADER.FIELDS (FROM TO)] peek")]
    [InlineData("1 BODY[1.HEADER.FIELDS.NOT (\"X-Spam\" {4}\r\nDate)]", "BODY[1.HEADER.FIELDS.NOT (X-SPAM DATE)]")]
    [InlineData("1 BODY[HEADER.FIELDS (\"List(Id)\")]", "BODY[HEADER.FIELDS (\"LIST(ID)\")]")]
    [InlineData("1 BODY[]<0.100>", "BODY[]<0.100>")]
    [InlineData("1 BODY.PEEK[TEXT]<4.9>", "BODY[TEXT] peek<4.9>")]
    [InlineData("1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.100> BODYSTRUCTURE)",
        "Uid, Flags, BODY[HEADER.FIELDS (SUBJECT FROM)] peek<0.100>, BodyStructure")]
    [InlineData("1 (ENVELOPE)", "Envelope")]
    [InlineData("1 (emailid THREADID UID)", "EmailId, ThreadId, Uid")]
    [InlineData("1 SAVEDATE", "SaveDate")]
    [InlineData("1 PREVIEW", "Preview")]
    [InlineData("1 preview (lazy)", "Preview lazy")]
    [InlineData("1 (PREVIEW (LAZY LAZY) UID PREVIEW)", "Preview lazy, Uid, Preview")]
    public void Valid_fetch_atts_parse_to_their_items(string text, string expected)
    {
        var arguments = Parse(text);
        Assert.Equal(expected, Describe(arguments));
        Assert.Null(arguments.Modifiers.ChangedSince);
        Assert.False(arguments.Uid);
    }

    [Fact]
    public void Sections_are_typed()
    {
        var section = Parse("1 BODY[1.2.HEADER.FIELDS.NOT (DATE)]").Items[0].Section!;
        Assert.Equal([1, 2], section.Part);
        Assert.Equal(SectionText.HeaderFieldsNot, section.Text);
        Assert.Equal(["DATE"], section.Fields);

        Assert.True(Parse("1 BODY[2]").Items[0].Section!.IsWhole);
        Assert.True(Parse("1 RFC822").Items[0].SetsSeen);
        Assert.False(Parse("1 BODY.PEEK[]").Items[0].SetsSeen);
        Assert.False(Parse("1 RFC822.HEADER").Items[0].SetsSeen);
        Assert.True(Parse("1 BODY[TEXT]").Items[0].SetsSeen);
    }

    [Fact]
    public void Sequence_sets_uid_and_changedsince()
    {
        var arguments = Parse("2,4:* (FLAGS) (CHANGEDSINCE 12345)", uid: true);
        Assert.True(arguments.Uid);
        Assert.Equal(12345, arguments.Modifiers.ChangedSince);
        Assert.Equal([(2L, 2L), (4L, SequenceSet.Star)], arguments.Set.Ranges);

        Assert.Same(SequenceSet.SavedResult, Parse("$ UID").Set);
        // mod-sequence-value is 63 bits (RFC 7162 §7), beyond the 32 of other numbers.
        Assert.Equal(long.MaxValue, Parse("1 FLAGS (CHANGEDSINCE 9223372036854775807)").Modifiers.ChangedSince);
    }

    [Fact]
    public void Vanished_modifier_in_either_order()
    {
        // RFC 7162 §3.2.6: rexpunges-fetch-mod = "VANISHED"; whether CHANGEDSINCE came with it is the command's to judge.
        var arguments = Parse("300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)", uid: true);
        Assert.True(arguments.Modifiers.Vanished);
        Assert.Equal(12345, arguments.Modifiers.ChangedSince);
        Assert.True(Parse("1 FLAGS (VANISHED CHANGEDSINCE 1)").Modifiers.Vanished);
        Assert.True(Parse("1 FLAGS (VANISHED)").Modifiers.Vanished);
        Assert.False(Parse("1 FLAGS (CHANGEDSINCE 1)").Modifiers.Vanished);
    }

    [Theory]
    [InlineData("", "Missing number")]
    [InlineData("1", "Missing argument")]
    [InlineData("1 ", "Missing argument")]
    [InlineData("0 FLAGS", "Zero is not allowed here")]
    [InlineData("1 BOGUS", "Unknown FETCH item BOGUS")]
    [InlineData("1 (FLAGS ALL)", "The FETCH macro ALL cannot be in a list")]
    [InlineData("1 (FLAGS", "Missing ')'")]
    [InlineData("1 (FLAGS]", "Expected ')'")]
    [InlineData("1 ()", "Unexpected ')'")]
    [InlineData("1 FLAGS UID", "Expected '('")]
    [InlineData("1 (FLAGS)x", "Unexpected extra arguments")]
    [InlineData("1 BODY.PEEK", "Missing '['")]
    [InlineData("1 BODY[FOO]", "Bad section FOO")]
    [InlineData("1 BODY[MIME]", "Bad section MIME")]
    [InlineData("1 BODY[1.FOO]", "Bad section FOO")]
    [InlineData("1 BODY[0]", "Zero is not allowed here")]
    [InlineData("1 BODY[1.]", "Bad section")]
    [InlineData("1 BODY[1.0]", "Zero is not allowed here")]
    [InlineData("1 BODY[1 TEXT]", "Expected ']'")]
    [InlineData("1 BODY[HEADER.FIELDS]", "Expected a space")]
    [InlineData("1 BODY[HEADER.FIELDS ()]", "Unexpected ')'")]
    [InlineData("1 BODY[HEADER.FIELDS (FROM]", "Missing ')'")] // "]" is an ASTRING-CHAR: "FROM]" is a name
    [InlineData("1 BODY[HEADER.FIELDS (\"Bad:Name\")]", "Bad header field name")]
    [InlineData("1 BODY[HEADER.FIELDS (\"\")]", "Bad header field name")]
    [InlineData("1 BODY[HEADER] (CHANGEDSINCE 1", "Missing ')'")]
    [InlineData("1 BODY[]<5>", "Expected '.'")]
    [InlineData("1 BODY[]<0.0>", "Zero is not allowed here")]
    [InlineData("1 BODY[]<0.10", "Missing '>'")]
    [InlineData("1 FLAGS (FOO 1)", "Unknown FETCH modifier")]
    [InlineData("1 FLAGS (CHANGEDSINCE x)", "Expected a number")]
    [InlineData("1 FLAGS (CHANGEDSINCE 9223372036854775808)", "Number too large")]
    [InlineData("1 BODY[]<4294967296.1>", "Number too large")]
    [InlineData("1 PREVIEW (LAZY FUZZY)", "Unknown PREVIEW modifier")]
    [InlineData("1 PREVIEW (LAZY", "Missing ')'")]
    [InlineData("1 (PREVIEW (FUZZY))", "Unexpected '('")]
    public void Malformed_fetch_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    /// <summary>Inputs and those of their proper prefixes that are complete commands of their own.</summary>
    public static TheoryData<string, string[]> Inputs => new()
    {
        { "1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.100> BODYSTRUCTURE)", [] },
        { "2,4:6 (BODY[1.2.MIME] BODY[HEADER.FIELDS.NOT (\"X-Spam\" {4}\r\nDate)] RFC822.SIZE MODSEQ)", [] },
        { "$ (FLAGS) (CHANGEDSINCE 12345)", ["$ (FLAGS)"] },
        { "300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)", ["300:500 (FLAGS)"] },
        { "1:* FLAGS (VANISHED CHANGEDSINCE 7)", ["1:* FLAGS"] },
        { "12 BODY.PEEK[3.TEXT]<40.9>", ["12 BODY", "12 BODY.PEEK[3.TEXT]"] },
        { "7 BODY[]", ["7 BODY"] },
        { "7 RFC822.HEADER", ["7 RFC822"] },
        { "1 BODYSTRUCTURE", ["1 BODY"] },
        { "1:* (EMAILID THREADID SAVEDATE)", [] },
        { "1 PREVIEW (LAZY)", ["1 PREVIEW"] },
        { "1:* (PREVIEW (LAZY) UID)", [] },
        { "4 (BINARY[1.2]<0.10> BINARY.PEEK[] BINARY.SIZE[3])", [] },
        { "4 BINARY.PEEK[2]", [] },
    };

    [Fact]
    public void Binary_items_of_rfc_3516()
    {
        var items = Parse("1 (BINARY[1.2]<5.10> BINARY.PEEK[] BINARY.SIZE[3])").Items;
        Assert.Equal(FetchAttribute.Binary, items[0].Attribute);
        Assert.Equal("BINARY[1.2]", items[0].Label);
        Assert.Equal([1, 2], items[0].Section!.Part);
        Assert.Equal(new FetchPartial(5, 10), items[0].Partial);
        Assert.True(items[0].SetsSeen);
        Assert.Equal("BINARY[]", items[1].Label);
        Assert.False(items[1].SetsSeen);
        Assert.Equal(FetchAttribute.BinarySize, items[2].Attribute);
        Assert.Equal("BINARY.SIZE[3]", items[2].Label);
        Assert.False(items[2].SetsSeen);
        // section-binary has part numbers only: no HEADER, TEXT or MIME.
        Assert.Throws<ImapSyntaxException>(() => Parse("1 BINARY[1.TEXT]"));
        Assert.Throws<ImapSyntaxException>(() => Parse("1 BINARY[HEADER]"));
        Assert.Throws<ImapSyntaxException>(() => Parse("1 BINARY.SIZE[1]<0.5>"));
    }

    /// <summary>
    /// Every proper prefix is what a parser is handed when a client is cut off or hostile: it is a syntax error,
    /// unless it is itself one of the listed complete commands; never another exception, never a wrong success.
    /// </summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete)
    {
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, s => Parse(s), a => Assert.NotEmpty(a.Items));
    }

    /// <summary>
    /// RFC 8970's <c>PREVIEW (LAZY)</c> and RFC 4466's fetch modifiers both follow an item as " (": LAZY says which.
    /// </summary>
    [Fact]
    public void Preview_modifiers_and_fetch_modifiers_are_told_apart()
    {
        var modifiers = Parse("1 PREVIEW (CHANGEDSINCE 5)");
        Assert.Equal(("Preview", 5L), (Describe(modifiers), modifiers.Modifiers.ChangedSince));
        var both = Parse("1 PREVIEW (LAZY) (CHANGEDSINCE 7)");
        Assert.Equal(("Preview lazy", 7L), (Describe(both), both.Modifiers.ChangedSince));
    }
}
