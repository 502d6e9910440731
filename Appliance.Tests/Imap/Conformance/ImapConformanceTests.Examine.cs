namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    /// <summary>
    /// RFC 3501 §6.3.2: EXAMINE must not clear \Recent, but the RECENT it reports still counts the recent messages (and
    /// FETCH shows them \Recent); the next SELECT takes them.
    /// </summary>
    [Fact]
    public async Task Examine_counts_recent_messages_without_taking_them()
    {
        await using var wire = await SignedInAsync("examine");
        await wire.CommandAsync("p1", "APPEND INBOX {12+}\r\nSubject: 1\r\n");
        await wire.CommandAsync("p2", "APPEND INBOX {12+}\r\nSubject: 2\r\n");
        var examine = await wire.CommandAsync("a1", "EXAMINE INBOX");
        Assert.Contains("* 2 RECENT", examine);
        Assert.Equal(["* 1 FETCH (FLAGS (\\Recent))", "a2 OK FETCH completed"], await wire.CommandAsync("a2", "FETCH 1 FLAGS"));
        Assert.Equal(["* SEARCH 1 2", "a3 OK SEARCH completed"], await wire.CommandAsync("a3", "SEARCH RECENT"));
        Assert.Contains("* 2 RECENT", await wire.CommandAsync("a4", "SELECT INBOX"));
        Assert.Contains("* 0 RECENT", await wire.CommandAsync("a5", "EXAMINE INBOX"));
    }
}
