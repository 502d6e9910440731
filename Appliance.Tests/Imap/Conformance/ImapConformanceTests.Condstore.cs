namespace Appliance.Tests.Imap.Conformance;

public sealed partial class ImapConformanceTests
{
    /// <summary>
    /// RFC 7162 §3.1: a FETCH that names MODSEQ is a CONDSTORE-enabling command. With a mailbox selected the server says
    /// HIGHESTMODSEQ once, and from then on untagged FETCHes carry UID and MODSEQ: STORE's answers, those announcing another
    /// session's change, and a FETCH that sets \Seen (§3.1.4; a FETCH of FLAGS adds MODSEQ only).
    /// </summary>
    [Fact]
    public async Task Fetch_modseq_enables_condstore_for_the_rest_of_the_session()
    {
        await using var wire = await SignedInAsync("condstore");
        for (var i = 1; i <= 3; i++)
        {
            await wire.CommandAsync("p" + i, $"APPEND INBOX {{12+}}\r\nSubject: {i}\r\n");
        }
        await wire.CommandAsync("a1", "SELECT INBOX");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Recent))", "a2 OK STORE completed"], await wire.CommandAsync("a2", "STORE 1 +FLAGS (\\Flagged)"));
        Assert.Equal(["* OK [HIGHESTMODSEQ 5] Highest", "* 2 FETCH (MODSEQ (3))", "a3 OK FETCH completed"], await wire.CommandAsync("a3", "FETCH 2 (MODSEQ)"));
        Assert.Equal(["* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) MODSEQ (6))", "a4 OK STORE completed"], await wire.CommandAsync("a4", "STORE 2 +FLAGS (\\Seen)"));
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (5))", "a5 OK FETCH completed"], await wire.CommandAsync("a5", "FETCH 1 (FLAGS)"));
        await using (var other = await SignedInAsync("condstore"))
        {
            await other.CommandAsync("b1", "SELECT INBOX");
            await other.CommandAsync("b2", "STORE 3 +FLAGS.SILENT (\\Answered)");
        }
        Assert.Equal(["* 3 FETCH (UID 3 FLAGS (\\Answered \\Recent) MODSEQ (7))", "a6 OK NOOP completed"], await wire.CommandAsync("a6", "NOOP"));
        // A FETCH that sets \\Seen sends the new flags with UID and MODSEQ.
        Assert.Equal(["* 1 FETCH (BODY[TEXT] {0}\r\n UID 1 FLAGS (\\Flagged \\Seen \\Recent) MODSEQ (8))", "a7 OK FETCH completed"], await wire.CommandAsync("a7", "FETCH 1 (BODY[TEXT])"));
    }

    /// <summary>
    /// RFC 4731 §3.2: with MIN or MAX (and neither ALL nor COUNT) the MODSEQ result is that of the message(s) returned,
    /// not the highest of every match; with ALL or COUNT it is the highest of all.
    /// </summary>
    [Fact]
    public async Task Esearch_min_and_max_report_the_modseq_of_the_messages_they_return()
    {
        await using var wire = await SignedInAsync("condstore");
        await wire.CommandAsync("a0", "CREATE Esearch");
        for (var i = 1; i <= 3; i++)
        {
            await wire.CommandAsync("p" + i, $"APPEND Esearch {{12+}}\r\nSubject: {i}\r\n");
        }
        await wire.CommandAsync("a1", "SELECT Esearch (CONDSTORE)");
        // Modseqs now 2, 3 and 4; message 2 becomes the highest.
        await wire.CommandAsync("a2", "STORE 2 +FLAGS.SILENT (\\Flagged)");
        Assert.Equal(["* ESEARCH (TAG \"b1\") MIN 1 MODSEQ 2", "b1 OK SEARCH completed"], await wire.CommandAsync("b1", "SEARCH RETURN (MIN) MODSEQ 1"));
        Assert.Equal(["* ESEARCH (TAG \"b2\") MAX 3 MODSEQ 4", "b2 OK SEARCH completed"], await wire.CommandAsync("b2", "SEARCH RETURN (MAX) MODSEQ 1"));
        Assert.Equal(["* ESEARCH (TAG \"b3\") MIN 1 MAX 3 MODSEQ 4", "b3 OK SEARCH completed"], await wire.CommandAsync("b3", "SEARCH RETURN (MIN MAX) MODSEQ 1"));
        Assert.Equal(["* ESEARCH (TAG \"b4\") MIN 1 COUNT 3 MODSEQ 5", "b4 OK SEARCH completed"], await wire.CommandAsync("b4", "SEARCH RETURN (MIN COUNT) MODSEQ 1"));
        Assert.Equal(["* ESEARCH (TAG \"b5\") UID MIN 1 MAX 3 ALL 1:3 MODSEQ 5", "b5 OK UID SEARCH completed"], await wire.CommandAsync("b5", "UID SEARCH RETURN (MIN MAX ALL) MODSEQ 1"));
    }
}
