namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    /// <summary>
    /// RFC 3501 §6.4.4: FROM, TO, CC and BCC match "the envelope structure's" field, that is the parsed addresses (display
    /// name, local part, domain, the whole addr-spec, and "name &lt;addr-spec&gt;" as Dovecot matches), not the raw header text:
    /// a comment inside an address must neither hide it nor be found itself.
    /// </summary>
    [Fact]
    public async Task Search_from_to_cc_bcc_match_the_parsed_addresses_not_the_raw_header()
    {
        await using var wire = await SignedInAsync("search");
        const string first = "From: \"Bob (work)\" <bob(comment)@example.com>\r\nTo: carol@example.org\r\nCc: =?UTF-8?Q?Ren=C3=A9e?= <renee(at home)@example.net>\r\nSubject: one\r\n\r\nbody\r\n";
        const string second = "From: Alice <alice@example.org>\r\nTo: Team: dave@example.com, erin@example.com;\r\nBcc: frank@example.com\r\nSubject: two\r\n\r\nbody\r\n";
        await wire.CommandAsync("p1", $"APPEND INBOX {{{first.Length}+}}\r\n{first}");
        await wire.CommandAsync("p2", $"APPEND INBOX {{{second.Length}+}}\r\n{second}");
        await wire.CommandAsync("a0", "SELECT INBOX");
        Assert.Equal(["* SEARCH 1", "a1 OK SEARCH completed"], await wire.CommandAsync("a1", "SEARCH FROM bob@example.com"));
        Assert.Equal(["* SEARCH 1", "a2 OK SEARCH completed"], await wire.CommandAsync("a2", "SEARCH FROM \"Bob (work)\""));
        Assert.Equal(["* SEARCH 1", "a3 OK SEARCH completed"], await wire.CommandAsync("a3", "SEARCH FROM \"work) <bob@EXAMPLE\""));
        Assert.Equal(["* SEARCH", "a4 OK SEARCH completed"], await wire.CommandAsync("a4", "SEARCH FROM comment"));
        Assert.Equal(["* SEARCH 2", "a5 OK SEARCH completed"], await wire.CommandAsync("a5", "SEARCH FROM example.org"));
        Assert.Equal(["* SEARCH 1", "a6 OK SEARCH completed"], await wire.CommandAsync("a6", "SEARCH CHARSET UTF-8 CC {6+}\r\nRenée"));
        Assert.Equal(["* SEARCH 1", "a7 OK SEARCH completed"], await wire.CommandAsync("a7", "SEARCH CC renee@example.net"));
        Assert.Equal(["* SEARCH", "a8 OK SEARCH completed"], await wire.CommandAsync("a8", "SEARCH CC home"));
        Assert.Equal(["* SEARCH 2", "a9 OK SEARCH completed"], await wire.CommandAsync("a9", "SEARCH TO erin@example.com"));
        Assert.Equal(["* SEARCH 2", "a10 OK SEARCH completed"], await wire.CommandAsync("a10", "SEARCH BCC frank"));
        Assert.Equal(["* SEARCH 1", "a11 OK SEARCH completed"], await wire.CommandAsync("a11", "SEARCH NOT TO dave"));
    }
}
