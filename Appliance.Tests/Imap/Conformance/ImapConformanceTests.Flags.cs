namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    private const string SystemFlags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

    /// <summary>
    /// RFC 3501 §7.2.6: FLAGS lists the flags "applicable for this mailbox", keywords in use included, and PERMANENTFLAGS
    /// the ones that stick plus \*; a keyword that appears later, by this session's STORE or another's, is announced with
    /// a new FLAGS (and PERMANENTFLAGS) before the FETCH that shows it. Clients build their tag lists from these.
    /// </summary>
    [Fact]
    public async Task Keywords_in_use_are_announced_in_flags_and_permanentflags_and_new_ones_when_they_appear()
    {
        await using var wire = await SignedInAsync("keywords");
        await wire.CommandAsync("p1", "APPEND INBOX ($Work) {12+}\r\nSubject: 1\r\n");
        await wire.CommandAsync("p2", "APPEND INBOX {12+}\r\nSubject: 2\r\n");
        var select = await wire.CommandAsync("a1", "SELECT INBOX");
        Assert.Contains($"* FLAGS ({SystemFlags} $Work)", select);
        Assert.Contains($"* OK [PERMANENTFLAGS ({SystemFlags} $Work \\*)] Flags permitted", select);

        Assert.Equal([$"* FLAGS ({SystemFlags} $Work Later)", $"* OK [PERMANENTFLAGS ({SystemFlags} $Work Later \\*)] Flags permitted", "* 2 FETCH (FLAGS (Later \\Recent))", "a2 OK STORE completed"],
            await wire.CommandAsync("a2", "STORE 2 +FLAGS (Later)"));
        Assert.Equal(["* 1 FETCH (FLAGS ($Work Later \\Recent))", "a3 OK STORE completed"], await wire.CommandAsync("a3", "STORE 1 +FLAGS (Later)"));

        await using (var other = await SignedInAsync("keywords"))
        {
            await other.CommandAsync("b1", "SELECT INBOX");
            await other.CommandAsync("b2", "STORE 1 +FLAGS.SILENT (Urgent)");
        }
        Assert.Equal([$"* FLAGS ({SystemFlags} $Work Later Urgent)", $"* OK [PERMANENTFLAGS ({SystemFlags} $Work Later Urgent \\*)] Flags permitted", "* 1 FETCH (UID 1 FLAGS ($Work Later Urgent \\Recent))", "a4 OK NOOP completed"],
            await wire.CommandAsync("a4", "NOOP"));

        // A new message with a new keyword, appended by this session into the selected mailbox.
        Assert.Equal([$"* FLAGS ({SystemFlags} $Work Later Urgent $Junk)", $"* OK [PERMANENTFLAGS ({SystemFlags} $Work Later Urgent $Junk \\*)] Flags permitted", "* 3 EXISTS", "* 3 RECENT"],
            (await wire.CommandAsync("a5", "APPEND INBOX ($Junk) {12+}\r\nSubject: 3\r\n"))[..^1]);

        var examine = await wire.CommandAsync("c1", "EXAMINE INBOX");
        Assert.Contains($"* FLAGS ({SystemFlags} $Junk $Work Later Urgent)", examine);
        Assert.Contains("* OK [PERMANENTFLAGS ()] Read-only mailbox", examine);
    }
}
