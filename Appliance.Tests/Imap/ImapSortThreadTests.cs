using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// Transcripts of SORT, UID SORT (RFC 5256, SORT=DISPLAY RFC 5957) and THREAD against the running host, over four
/// messages whose every sort key gives a different order. A first message is appended and expunged so that UIDs
/// (2 to 5) differ from sequence numbers (1 to 4).
/// </summary>
public sealed class ImapSortThreadTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;
    private int _imap;

    public async Task InitializeAsync()
    {
        _imap = FreePort.Get();
        _host = await RunningHost.StartWithSmtpAsync($"--Appliance:Listeners:Imap={_imap}");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>From, To, Cc, Subject, Date (null: none), Message-ID, the parent fields, the arrival date and a body length.</summary>
    internal static readonly (string From, string To, string? Cc, string Subject, string? Date, string Id, string? Parent, string Arrival, int Body)[] Messages =
    [
        ("\"Zed Alpha\" <carol@example.org>", "Bob <zoe@example.com>", "mike@example.com", "Re: Budget", "Tue, 3 Nov 2026 10:00:00 +0000", "<budget@example.org>", null, "01-Nov-2026 10:00:00 +0000", 4000),
        ("alice@example.org", "Anna <yves@example.com>", null, "Lunch", "Sun, 1 Nov 2026 12:00:00 +0100", "<lunch@example.org>", null, "02-Nov-2026 10:00:00 +0000", 1000),
        // No Date: sorted and threaded by its arrival, 3 Nov 09:00, before message 1's Date.
        ("Bea <bob@example.org>", "adam@example.com", "Al <zack@example.com>", "[team] Budget", null, "<team@example.org>", "In-Reply-To: <lunch@example.org>", "03-Nov-2026 09:00:00 +0000", 3000),
        ("alan <dan@example.org>", "Xavier <beth@example.com>", null, "Fwd: lunch", "Mon, 2 Nov 2026 08:00:00 +0000", "<fwd@example.org>", "References: <lunch@example.org>", "04-Nov-2026 10:00:00 +0000", 2000),
    ];

    internal static string Compose(int i)
    {
        var m = Messages[i];
        var text = $"From: {m.From}\r\nTo: {m.To}\r\n" + (m.Cc is null ? "" : $"Cc: {m.Cc}\r\n") + $"Subject: {m.Subject}\r\n"
            + (m.Date is null ? "" : $"Date: {m.Date}\r\n") + $"Message-ID: {m.Id}\r\n" + (m.Parent is null ? "" : m.Parent + "\r\n")
            + "\r\n" + new string('x', m.Body) + "\r\n";
        return text;
    }

    [Fact]
    public async Task Sort_orders_by_every_key_with_reverse_ties_search_and_uid_and_thread_answers_both_algorithms()
    {
        await using var wire = await ImapWire.ConnectAsync(_imap);
        await wire.CommandAsync("t0", "STARTTLS");
        await wire.StartTlsAsync();
        var login = await wire.CommandAsync("t1", $"LOGIN bob@example.com {Password}");
        Assert.Contains(" SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES ", login[^1], StringComparison.Ordinal);
        await wire.CommandAsync("a0", "APPEND INBOX (\\Deleted) {12+}\r\nSubject: 0\r\n");
        for (var i = 0; i < Messages.Length; i++)
        {
            var message = Compose(i);
            Assert.StartsWith($"a{i + 1} OK", (await wire.CommandAsync($"a{i + 1}", $"APPEND INBOX \"{Messages[i].Arrival}\" {{{message.Length}+}}\r\n{message}"))[^1], StringComparison.Ordinal);
        }
        await wire.CommandAsync("b0", "SELECT INBOX");
        await wire.CommandAsync("b1", "EXPUNGE");

        async Task SortIs(string criteria, string expected)
        {
            var lines = await wire.CommandAsync("s", $"SORT ({criteria}) UTF-8 ALL");
            Assert.Equal(["* SORT " + expected, "s OK SORT completed"], lines);
        }
        await SortIs("ARRIVAL", "1 2 3 4");
        await SortIs("REVERSE ARRIVAL", "4 3 2 1");
        // The Date field as an instant (message 2's +0100 is 11:00 UTC), message 3's arrival in its place.
        await SortIs("DATE", "2 4 3 1");
        // addr-mailbox of the first From: alice, bob, carol, dan.
        await SortIs("FROM", "2 3 1 4");
        // RFC 5957: the display name, or the addr-spec without one: alan, alice@example.org, Bea, Zed Alpha.
        await SortIs("DISPLAYFROM", "4 2 3 1");
        await SortIs("TO", "3 4 2 1");
        await SortIs("DISPLAYTO", "3 2 1 4");
        // No Cc sorts first, as the empty string; the tie goes by sequence number.
        await SortIs("CC", "2 4 1 3");
        await SortIs("REVERSE CC", "3 1 2 4");
        await SortIs("SIZE", "2 4 3 1");
        // Base subjects "Budget" (1, 3) and "lunch" (2, 4), within them the newest first.
        await SortIs("SUBJECT REVERSE DATE", "1 3 4 2");
        await SortIs("SUBJECT", "1 3 2 4");

        Assert.Equal(["* SORT 3 2", "u1 OK UID SORT completed"], await wire.CommandAsync("u1", "UID SORT (DATE) US-ASCII UID 1:3"));
        Assert.Equal(["* SORT 3 5 4 2", "u2 OK UID SORT completed"], await wire.CommandAsync("u2", "UID SORT (DATE) utf-8 ALL"));
        Assert.Equal(["* SORT 3", "u3 OK SORT completed"], await wire.CommandAsync("u3", "SORT (DATE) \"UTF-8\" FROM bob@example.org"));
        Assert.Equal(["* SORT", "u4 OK SORT completed"], await wire.CommandAsync("u4", "SORT (DATE) UTF-8 SUBJECT nothing-like-it"));
        Assert.Equal("u5 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", (await wire.CommandAsync("u5", "SORT (DATE) KOI8-R ALL"))[^1]);
        Assert.Equal("u6 BAD Expected '('", (await wire.CommandAsync("u6", "SORT DATE UTF-8 ALL"))[^1]);
        Assert.Equal("u7 BAD Unknown sort key BOGUS", (await wire.CommandAsync("u7", "SORT (BOGUS) UTF-8 ALL"))[^1]);

        // ESORT (RFC 5267): MIN and MAX are first and last in sort order; ALL keeps the order.
        Assert.Equal(["* ESEARCH (TAG \"e1\") MIN 2 MAX 1 ALL 2,4,3,1 COUNT 4", "e1 OK SORT completed"],
            await wire.CommandAsync("e1", "SORT RETURN (MIN MAX ALL COUNT) (DATE) UTF-8 ALL"));
        Assert.Equal(["* ESEARCH (TAG \"e2\") UID ALL 2:5", "e2 OK UID SORT completed"], await wire.CommandAsync("e2", "UID SORT RETURN () (ARRIVAL) UTF-8 ALL"));
        Assert.Equal(["* ESEARCH (TAG \"e3\") COUNT 0", "e3 OK SORT completed"], await wire.CommandAsync("e3", "SORT RETURN (MIN COUNT) (DATE) UTF-8 SUBJECT nothing-like-it"));
        Assert.Equal("e4 BAD Unknown SORT return option SAVE", (await wire.CommandAsync("e4", "SORT RETURN (SAVE) (DATE) UTF-8 ALL"))[^1]);

        // ORDEREDSUBJECT: one thread per base subject, its earliest message the parent of the rest.
        Assert.Equal(["* THREAD (2 4)(3 1)", "h1 OK THREAD completed"], await wire.CommandAsync("h1", "THREAD ORDEREDSUBJECT UTF-8 ALL"));
        // REFERENCES: 3 (In-Reply-To) and 4 (References) answer 2, siblings by date; 1 stands alone.
        Assert.Equal(["* THREAD (2 (4)(3))(1)", "h2 OK THREAD completed"], await wire.CommandAsync("h2", "THREAD REFERENCES UTF-8 ALL"));
        Assert.Equal(["* THREAD (3 (5)(4))(2)", "h3 OK UID THREAD completed"], await wire.CommandAsync("h3", "UID THREAD REFERENCES US-ASCII ALL"));
        // Only what the search matched is threaded: without 2, a dummy for its Message-ID holds its two replies.
        Assert.Equal(["* THREAD ((4)(3))(1)", "h4 OK THREAD completed"], await wire.CommandAsync("h4", "THREAD REFERENCES UTF-8 NOT 2"));
        Assert.Equal(["* THREAD", "h5 OK THREAD completed"], await wire.CommandAsync("h5", "THREAD REFERENCES UTF-8 SUBJECT nothing-like-it"));
        Assert.Equal("h6 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", (await wire.CommandAsync("h6", "THREAD REFERENCES ISO-2022-JP ALL"))[^1]);
        Assert.Equal("h7 BAD Unknown threading algorithm REFS", (await wire.CommandAsync("h7", "THREAD REFS UTF-8 ALL"))[^1]);
    }

    [Fact]
    public async Task Copies_of_summarized_messages_sort_by_their_keys_and_sort_answers_only_the_sessions_view()
    {
        await using var wire = await ImapWire.ConnectAsync(_imap);
        await wire.CommandAsync("t0", "STARTTLS");
        await wire.StartTlsAsync();
        await wire.CommandAsync("t1", $"LOGIN bob@example.com {Password}");
        for (var i = 0; i < Messages.Length; i++)
        {
            var message = Compose(i);
            await wire.CommandAsync($"a{i}", $"APPEND INBOX \"{Messages[i].Arrival}\" {{{message.Length}+}}\r\n{message}");
        }
        await wire.CommandAsync("b0", "SELECT INBOX");
        // The first SORT summarizes the bodies; copies made after take the stored keys by trigger (migration 13).
        Assert.Equal(["* SORT 1 3 2 4", "b1 OK SORT completed"], await wire.CommandAsync("b1", "SORT (SUBJECT) UTF-8 ALL"));
        await wire.CommandAsync("b2", "CREATE Copies");
        await wire.CommandAsync("b3", "COPY 1:* Copies");
        await wire.CommandAsync("b4", "SELECT Copies");
        Assert.Equal(["* SORT 1 3 2 4", "c1 OK SORT completed"], await wire.CommandAsync("c1", "SORT (SUBJECT) UTF-8 ALL"));
        Assert.Equal(["* SORT 2 3 1 4", "c2 OK SORT completed"], await wire.CommandAsync("c2", "SORT (FROM) UTF-8 ALL"));
        Assert.Equal(["* SORT 2 4 3 1", "c3 OK SORT completed"], await wire.CommandAsync("c3", "SORT (DATE) UTF-8 ALL"));
        Assert.Equal(["* THREAD (2 (4)(3))(1)", "c4 OK THREAD completed"], await wire.CommandAsync("c4", "THREAD REFERENCES UTF-8 ALL"));

        // A message another session appends is not in this session's view until it is announced.
        await using (var other = await ImapWire.ConnectAsync(_imap))
        {
            await other.CommandAsync("o0", "STARTTLS");
            await other.StartTlsAsync();
            await other.CommandAsync("o1", $"LOGIN bob@example.com {Password}");
            var extra = Compose(1);
            await other.CommandAsync("o2", $"APPEND Copies {{{extra.Length}+}}\r\n{extra}");
        }
        // (a second "Lunch", whose Date ties with message 2's: 2 5 4 3 1 once announced); the EXISTS comes after the answer.
        Assert.Equal(["* SORT 2 4 3 1", "* 5 EXISTS", "* 5 RECENT", "c5 OK SORT completed"], await wire.CommandAsync("c5", "SORT (DATE) UTF-8 ALL"));
        Assert.Equal(["* SORT 2 5 4 3 1", "c6 OK SORT completed"], await wire.CommandAsync("c6", "SORT (DATE) UTF-8 ALL"));
    }

    [Fact]
    public async Task Thread_follows_mail_appended_and_expunged_elsewhere_and_the_webmail_conversations_are_its_threads()
    {
        await using var wire = await ImapWire.SignedInAsync(_imap, "bob@example.com", Password);
        for (var i = 0; i < Messages.Length; i++)
        {
            var message = Compose(i);
            await wire.CommandAsync($"a{i}", $"APPEND INBOX \"{Messages[i].Arrival}\" {{{message.Length}+}}\r\n{message}");
        }
        await wire.CommandAsync("b0", "SELECT INBOX");
        Assert.Equal(["* THREAD (2 (4)(3))(1)", "b1 OK UID THREAD completed"], await wire.CommandAsync("b1", "UID THREAD REFERENCES UTF-8 ALL"));
        // Asked again of the same messages: the kept forest gives the same answer.
        Assert.Equal(["* THREAD (2 (4)(3))(1)", "b2 OK UID THREAD completed"], await wire.CommandAsync("b2", "UID THREAD REFERENCES UTF-8 ALL"));
        Assert.Equal(["* THREAD (2 4)(3 1)", "b3 OK THREAD completed"], await wire.CommandAsync("b3", "THREAD ORDEREDSUBJECT UTF-8 ALL"));

        // Another session adds a reply to "Re: Budget" (UID 5) and expunges "Fwd: lunch" (UID 4).
        await using (var other = await ImapWire.SignedInAsync(_imap, "bob@example.com", Password))
        {
            var reply = "From: carol@example.org\r\nSubject: Re: Budget\r\nDate: Wed, 4 Nov 2026 10:00:00 +0000\r\n"
                + "Message-ID: <budget2@example.org>\r\nReferences: <budget@example.org>\r\n\r\nok\r\n";
            await other.CommandAsync("o0", $"APPEND INBOX {{{reply.Length}+}}\r\n{reply}");
            await other.CommandAsync("o1", "SELECT INBOX");
            await other.CommandAsync("o2", "UID STORE 4 +FLAGS.SILENT (\\Deleted)");
            Assert.StartsWith("o3 OK", (await other.CommandAsync("o3", "EXPUNGE"))[^1], StringComparison.Ordinal);
        }
        await wire.CommandAsync("c0", "NOOP");
        Assert.Equal(["* THREAD (2 3)(1 5)", "c1 OK UID THREAD completed"], await wire.CommandAsync("c1", "UID THREAD REFERENCES UTF-8 ALL"));
        // Sequence numbers: UID 5 is now the fourth message.
        Assert.Equal(["* THREAD (2 3)(1 4)", "c2 OK THREAD completed"], await wire.CommandAsync("c2", "THREAD REFERENCES UTF-8 ALL"));
        // A search threads only what it finds: without message 1 (arrived 1 Nov), its reply 5 stands alone.
        Assert.Equal(["* THREAD (2 3)(5)", "c3 OK UID THREAD completed"], await wire.CommandAsync("c3", "UID THREAD REFERENCES UTF-8 SINCE 2-Nov-2026"));

        // The webmail's conversations are the same threads, the one with the newest arrival first.
        var bob = await _host.Get<UserService>().FindAsync("bob@example.com");
        var inbox = await _host.Get<MailStore>().FindMailboxAsync(bob!.Id, "INBOX");
        var summaries = _host.Get<MessageSummaries>();
        var conversations = await summaries.ThreadsAsync(inbox!.Id, 0, 10, null);
        Assert.Equal([(5L, 2), (3L, 2)], conversations.Select(c => (c.Latest.Uid, c.Count)));
        Assert.Equal(2, await summaries.ThreadCountAsync(inbox.Id, default));
        Assert.Equal([1L, 5L], (await summaries.ThreadAsync(inbox.Id, conversations[0].ThreadKey, null)).Select(m => m.Uid));
        Assert.Equal([2L, 3L], (await summaries.ThreadAsync(inbox.Id, conversations[1].ThreadKey, null)).Select(m => m.Uid));
    }
}
