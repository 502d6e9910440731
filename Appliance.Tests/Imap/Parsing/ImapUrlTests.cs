using Appliance.Imap.Parsing;

namespace Appliance.Tests.Imap.Parsing;

/// <summary>CATENATE's URLs (RFC 4469 §5, RFC 5092 imessagepart): absolute, absolute-path and relative to the selected mailbox.</summary>
public class ImapUrlTests
{
    private static ImapUrl? Parse(string url, string? selected = null, long uidvalidity = 0) =>
        ImapUrl.TryParse(url, selected, uidvalidity, out var parsed) ? parsed : null;

    [Fact]
    public void Absolute_url_with_user_host_port_section_and_partial()
    {
        var url = Parse("imap://bob%40example.com;AUTH=*@mail.example.com:143/Entw%C3%BCrfe/2026;UIDVALIDITY=385759045/;UID=20/;SECTION=1.2.MIME/;PARTIAL=10.5");
        Assert.Equal(new ImapUrl("bob@example.com", "mail.example.com", "Entwürfe/2026", 385759045, 20, "1.2.MIME", 10, 5), url);
    }

    [Fact]
    public void Keywords_are_case_insensitive_and_uidvalidity_section_and_partial_optional()
    {
        Assert.Equal(new ImapUrl(null, "h", "INBOX", null, 7, null, null, null), Parse("IMAP://h/INBOX/;uid=7"));
        Assert.Equal(new ImapUrl(null, null, "INBOX", 5, 7, "TEXT", 3, null), Parse("/INBOX;uidvalidity=5/;uid=7/;section=TEXT/;partial=3"));
        Assert.Equal("HEADER.FIELDS (SUBJECT)", Parse("/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT)")!.Section);
    }

    [Fact]
    public void A_relative_reference_resolves_against_the_selected_mailbox()
    {
        // RFC 3986 §5.2 merge with imap://host/Sent%20Items;UIDVALIDITY=9/.
        Assert.Equal(new ImapUrl(null, null, "Sent Items", 9, 20, "1.mime", null, null), Parse(";UID=20/;section=1.mime", "Sent Items", 9));
        // An absolute path names its own mailbox, whatever is selected.
        Assert.Equal("INBOX", Parse("/INBOX;UIDVALIDITY=1/;UID=2", "Sent Items", 9)!.Mailbox);
        // Without a selected mailbox the base is the server's root, and a bare ";UID=" names no mailbox.
        Assert.Null(Parse(";UID=20"));
        // RFC 4469's "/;UID=20" is an absolute path with an empty mailbox name: no message part.
        Assert.Null(Parse("/;UID=20", "INBOX", 1));
    }

    [Theory]
    [InlineData("http://example.com/INBOX;UID=1")]
    [InlineData("mailto:bob@example.com")]
    [InlineData("/INBOX;UIDVALIDITY=0/;UID=1")]
    [InlineData("/INBOX;UIDVALIDITY=1/;UID=0")]
    [InlineData("/INBOX;UIDVALIDITY=1/;UID=01")]
    [InlineData("/INBOX;UIDVALIDITY=1/;UID=4294967296")]
    [InlineData("/INBOX;UIDVALIDITY=1;UID=1")]
    [InlineData("/INBOX;UID=1")]
    [InlineData("/INBOX/;UID=1/;SECTION=")]
    [InlineData("/INBOX/;UID=1/;PARTIAL=1.0")]
    [InlineData("/INBOX/;UID=1/;PARTIAL=x")]
    [InlineData("/INBOX/;UID=1;EXPIRE=2026-12-03T08:00:00Z;URLAUTH=anonymous:internal:91354a473744909de610943775f92038")]
    [InlineData("/INBOX/;UID=1?query")]
    [InlineData("/IN%ZZBOX/;UID=1")]
    [InlineData("/IN%FFBOX/;UID=1")]
    [InlineData("/IN BOX/;UID=1")]
    [InlineData("/IN%0ABOX/;UID=1")]
    [InlineData("imap://bob@/INBOX/;UID=1")]
    [InlineData("imap://h:x/INBOX/;UID=1")]
    [InlineData("")]
    public void What_names_no_message_part_is_refused(string url) => Assert.Null(Parse(url, "INBOX", 1));

    [Fact]
    public void Every_prefix_is_refused_unless_it_is_itself_a_whole_url()
    {
        const string url = "imap://bob@h/INBOX;UIDVALIDITY=5/;UID=20/;SECTION=1.2/;PARTIAL=0.10";
        // The prefixes that are themselves whole URLs: a shorter UID, section or partial range.
        var whole = new Dictionary<string, ImapUrl>
        {
            ["imap://bob@h/INBOX;UIDVALIDITY=5/;UID=2"] = new("bob", "h", "INBOX", 5, 2, null, null, null),
            ["imap://bob@h/INBOX;UIDVALIDITY=5/;UID=20"] = new("bob", "h", "INBOX", 5, 20, null, null, null),
            ["imap://bob@h/INBOX;UIDVALIDITY=5/;UID=20/;SECTION=1"] = new("bob", "h", "INBOX", 5, 20, "1", null, null),
            ["imap://bob@h/INBOX;UIDVALIDITY=5/;UID=20/;SECTION=1."] = new("bob", "h", "INBOX", 5, 20, "1.", null, null),
            ["imap://bob@h/INBOX;UIDVALIDITY=5/;UID=20/;SECTION=1.2"] = new("bob", "h", "INBOX", 5, 20, "1.2", null, null),
            ["imap://bob@h/INBOX;UIDVALIDITY=5/;UID=20/;SECTION=1.2/;PARTIAL=0"] = new("bob", "h", "INBOX", 5, 20, "1.2", 0, null),
            ["imap://bob@h/INBOX;UIDVALIDITY=5/;UID=20/;SECTION=1.2/;PARTIAL=0.1"] = new("bob", "h", "INBOX", 5, 20, "1.2", 0, 1),
        };
        for (var length = 0; length < url.Length; length++)
        {
            var prefix = url[..length];
            Assert.Equal(whole.GetValueOrDefault(prefix), Parse(prefix));
        }
        Assert.Equal(new ImapUrl("bob", "h", "INBOX", 5, 20, "1.2", 0, 10), Parse(url));
    }
}
