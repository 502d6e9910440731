using System.Text;
using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>The NOTIFY grammar (RFC 5465 §8) and the rules of §5–§6 it holds: what follows "NOTIFY".</summary>
public class NotifyTests
{
    private static NotifyArguments Parse(string text) =>
        NotifyArguments.Parse(new ImapParser(Encoding.UTF8.GetBytes(" " + text)));

    [Fact]
    public void Set_reads_status_every_filter_events_and_fetch_attributes()
    {
        var set = Parse("SET STATUS (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (From)]) messageexpunge FlagChange)) " +
            "(inboxes (MessageNew MessageExpunge)) (personal (MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)) " +
            "(subscribed NONE) (subtree (\"Entw&APw-rfe\" Projects) (MessageNew MessageExpunge)) (mailboxes INBOX (Vendor))");
        Assert.True(set.Status);
        var groups = set.Groups!;
        Assert.Equal([NotifyFilter.Selected, NotifyFilter.Inboxes, NotifyFilter.Personal, NotifyFilter.Subscribed, NotifyFilter.Subtree, NotifyFilter.Mailboxes], groups.Select(g => g.Filter));
        Assert.Equal([NotifyEvent.MessageNew, NotifyEvent.MessageExpunge, NotifyEvent.FlagChange], groups[0].Events.Order());
        Assert.Equal([FetchAttribute.Uid, FetchAttribute.Section], groups[0].FetchItems.Select(i => i.Attribute));
        Assert.Equal([NotifyEvent.MailboxName, NotifyEvent.SubscriptionChange, NotifyEvent.MailboxMetadataChange, NotifyEvent.ServerMetadataChange], groups[2].Events.Order());
        Assert.Empty(groups[3].Events);
        Assert.Equal(["Entwürfe", "Projects"], groups[4].Mailboxes);
        Assert.Equal(["INBOX"], groups[5].Mailboxes);
        Assert.Equal(["VENDOR"], groups[5].UnknownEvents);
        Assert.True(groups[0].IsSelected && groups[0].HasMessageEvents && !groups[2].HasMessageEvents);

        Assert.Null(Parse("NONE").Groups);
        var plain = Parse("SET (selected-delayed (MessageNew MessageExpunge))");
        Assert.False(plain.Status);
        Assert.Equal(NotifyFilter.SelectedDelayed, Assert.Single(plain.Groups!).Filter);
    }

    [Theory]
    [InlineData("", "Missing argument")]
    [InlineData("GET", "NOTIFY takes SET or NONE")]
    [InlineData("NONE x", "Unexpected extra arguments")]
    [InlineData("SET", "Missing argument")]
    [InlineData("SET STATUS", "Missing argument")]
    [InlineData("SET personal", "Expected '('")]
    [InlineData("SET (everything (MessageNew MessageExpunge))", "Unknown NOTIFY mailbox filter")]
    [InlineData("SET (personal)", "Expected a space")]
    [InlineData("SET (personal ALL)", "Events are a parenthesized list or NONE")]
    [InlineData("SET (personal ())", "Unexpected ')'")]
    [InlineData("SET (personal (MessageNew))", "MessageNew and MessageExpunge go together")]
    [InlineData("SET (personal (MessageExpunge))", "MessageNew and MessageExpunge go together")]
    [InlineData("SET (personal (FlagChange))", "FlagChange and AnnotationChange need MessageNew and MessageExpunge")]
    [InlineData("SET (personal (AnnotationChange MailboxName))", "FlagChange and AnnotationChange need MessageNew and MessageExpunge")]
    [InlineData("SET (personal (MessageNew (UID) MessageExpunge))", "MessageNew fetch attributes are for the selected mailbox only")]
    [InlineData("SET (selected (MessageNew (BOGUS) MessageExpunge))", "Unknown FETCH item BOGUS")]
    [InlineData("SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))", "Only one selected or selected-delayed group")]
    [InlineData("SET (subtree (MessageNew MessageExpunge))", "Expected a space")]
    [InlineData("SET (mailboxes () (MessageNew MessageExpunge))", "Unexpected ')'")]
    [InlineData("SET (personal NONE", "Missing ')'")]
    [InlineData("SET (personal NONE) x", "Expected '('")]
    [InlineData("SET (personal NONE)x", "Unexpected extra arguments")]
    public void Malformed_notify_is_a_syntax_error_with_its_bad_text(string text, string bad) =>
        Assert.Equal(bad, Assert.Throws<ImapSyntaxException>(() => Parse(text)).Message);

    /// <summary>Inputs and those of their proper prefixes that are complete commands of their own.</summary>
    public static TheoryData<string, string[]> Inputs => new()
    {
        { "SET STATUS (selected (MessageNew (UID FLAGS) MessageExpunge)) (personal (MailboxName))", ["SET STATUS (selected (MessageNew (UID FLAGS) MessageExpunge))"] },
        { "SET (subtree (\"Shared Folders/News\" INBOX) (MessageNew MessageExpunge FlagChange))", [] },
        { "SET (mailboxes \"Sent\" NONE) (inboxes (MessageNew MessageExpunge))", ["SET (mailboxes \"Sent\" NONE)"] },
        { "NONE", [] },
    };

    /// <summary>Every proper prefix is a syntax error unless it is itself a complete command; never another exception.</summary>
    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_proper_prefix_is_a_syntax_error_unless_complete_itself(string input, string[] complete) =>
        Prefixes.AssertEachIsASyntaxErrorUnlessComplete(input, complete, Parse, _ => { });
}
