namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    /// <summary>
    /// RFC 3501 §5.1.3: mailbox names on the wire are modified UTF-7, and a pattern is a name with wildcards, so LIST, LSUB
    /// and LIST-EXTENDED's several patterns decode it as they decode the reference.
    /// </summary>
    [Fact]
    public async Task List_and_lsub_patterns_in_modified_utf7_find_non_ascii_names()
    {
        await using var wire = await SignedInAsync("list");
        Assert.Matches(@"^a1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("a1", "CREATE \"Entw&APw-rfe/&AMQ-lter\"")));
        Assert.Equal(["* LIST (\\HasChildren) \"/\" \"Entw&APw-rfe\"", "a2 OK LIST completed"], await wire.CommandAsync("a2", "LIST \"\" \"Entw&APw-rfe\""));
        Assert.Equal(["* LIST (\\HasChildren) \"/\" \"Entw&APw-rfe\"", "a3 OK LIST completed"], await wire.CommandAsync("a3", "LIST \"\" Entw&APw-%"));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe/&AMQ-lter\"", "a4 OK LIST completed"], await wire.CommandAsync("a4", "LIST \"Entw&APw-rfe/\" \"&AMQ-*\""));
        Assert.Equal(["* LSUB (\\HasNoChildren) \"/\" \"Entw&APw-rfe/&AMQ-lter\"", "a5 OK LSUB completed"], await wire.CommandAsync("a5", "LSUB \"\" \"*/&AMQ-lter\""));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"INBOX\"", "* LIST (\\HasChildren) \"/\" \"Entw&APw-rfe\"", "* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe/&AMQ-lter\"", "a6 OK LIST completed"],
            await wire.CommandAsync("a6", "LIST \"\" (INBOX \"Entw&APw-rfe\" \"Entw&APw-rfe/&AMQ-lter\")"));
        Assert.Equal(["* LIST (\\HasChildren \\Subscribed) \"/\" \"Entw&APw-rfe\"", "a7 OK LIST completed"], await wire.CommandAsync("a7", "LIST (SUBSCRIBED) \"\" (\"Entw&APw-rfe\")"));
    }
}
