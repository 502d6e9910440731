using System.Text;
using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Imap;

/// <summary>
/// The IMAP4rev2 family of small extensions against the running host, one transcript each: IMAP4rev2 (RFC 9051) and
/// what ENABLE IMAP4rev2 changes, UTF8=ACCEPT (RFC 6855), STATUS=SIZE and DELETED.
/// </summary>
public sealed class ImapRev2Tests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=1000");
        var users = _host.Get<UserService>();
        foreach (var user in new[] { "enable", "recent", "oldname", "utf8", "utf8append", "status", "objectid", "savedate", "preview" })
        {
            await users.AddAsync(Actor.CommandLine, new NewUser($"{user}@example.com", Password, user));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<ImapWire> SignedInAsync(string user) => ImapWire.SignedInAsync(_host.ImapPort, $"{user}@example.com", Password);

    private static async Task AppendAsync(ImapWire wire, string mailbox, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            Assert.StartsWith("p OK", (await wire.CommandAsync("p", $"APPEND {mailbox} {{12+}}\r\nSubject: {i % 10}\r\n"))[^1], StringComparison.Ordinal);
        }
    }

    /// <summary>RFC 9051 §6.3.1: IMAP4rev2 beside IMAP4rev1; ENABLE compares names case-insensitively and names each once.</summary>
    [Fact]
    public async Task Imap4rev2_is_advertised_and_enable_is_case_insensitive()
    {
        await using var wire = await SignedInAsync("enable");
        Assert.StartsWith("* CAPABILITY IMAP4rev1 IMAP4rev2 ", (await wire.CommandAsync("a1", "CAPABILITY"))[0], StringComparison.Ordinal);
        Assert.Equal(["* ENABLED IMAP4rev2", "a2 OK ENABLE completed"], await wire.CommandAsync("a2", "ENABLE imap4REV2"));
        Assert.Equal(["* ENABLED", "a3 OK ENABLE completed"], await wire.CommandAsync("a3", "ENABLE IMAP4rev2"));
        // The others in any case too; QRESYNC brought CONDSTORE along, so CONDSTORE is not new (RFC 7162 §3.2.3).
        Assert.Equal(["* ENABLED QRESYNC", "a4 OK ENABLE completed"], await wire.CommandAsync("a4", "ENABLE qresync x-unknown Condstore"));
    }

    /// <summary>
    /// RFC 9051 Appendix E: after ENABLE IMAP4rev2 there is no \Recent (no RECENT response in SELECT or when mail comes, no
    /// \Recent in FETCH), SELECT has a LIST response and no UNSEEN code, SEARCH answers with ESEARCH (RETURN (ALL) implied),
    /// and UID EXPUNGE and UNSELECT work as base commands. A session that did not enable it keeps RFC 3501's answers.
    /// </summary>
    [Fact]
    public async Task Rev2_session_has_no_recent_and_searches_with_esearch()
    {
        await using var old = await SignedInAsync("recent");
        await AppendAsync(old, "INBOX", 2);
        await using var wire = await SignedInAsync("recent");
        await wire.CommandAsync("a0", "ENABLE IMAP4rev2");
        var select = await wire.CommandAsync("a1", "SELECT INBOX");
        Assert.Contains("* 2 EXISTS", select);
        Assert.Contains("* LIST () \"/\" \"INBOX\"", select);
        Assert.DoesNotContain(select, l => l.Contains("RECENT", StringComparison.Ordinal) || l.Contains("[UNSEEN", StringComparison.Ordinal));
        Assert.Equal(["* 1 FETCH (FLAGS ())", "* 2 FETCH (FLAGS ())", "a2 OK FETCH completed"], await wire.CommandAsync("a2", "FETCH 1:2 FLAGS"));
        Assert.Equal(["* ESEARCH (TAG \"a3\") ALL 1:2", "a3 OK SEARCH completed"], await wire.CommandAsync("a3", "SEARCH ALL"));
        Assert.Equal(["* ESEARCH (TAG \"a4\") UID ALL 1:2", "a4 OK UID SEARCH completed"], await wire.CommandAsync("a4", "UID SEARCH ALL"));
        Assert.Equal(["* ESEARCH (TAG \"a5\")", "a5 OK SEARCH completed"], await wire.CommandAsync("a5", "SEARCH DELETED"));
        Assert.Equal(["* ESEARCH (TAG \"a6\") COUNT 2", "a6 OK SEARCH completed"], await wire.CommandAsync("a6", "SEARCH RETURN (COUNT) ALL"));

        // New mail: EXISTS without RECENT for this session; the RFC 3501 session beside it still hears RECENT.
        await AppendAsync(old, "INBOX", 1);
        Assert.Equal(["* 3 EXISTS", "a7 OK NOOP completed"], await wire.CommandAsync("a7", "NOOP"));
        Assert.Equal(["* 3 FETCH (UID 3 FLAGS ())", "a8 OK UID FETCH completed"], await wire.CommandAsync("a8", "UID FETCH 3 FLAGS"));
        var examine = await old.CommandAsync("b1", "EXAMINE INBOX");
        Assert.Contains("* 0 RECENT", examine); // the rev2 session's NOOP took it, as SELECT does
        Assert.Equal(["* SEARCH 1 2 3", "b2 OK SEARCH completed"], await old.CommandAsync("b2", "SEARCH ALL"));

        await wire.CommandAsync("a9", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* 1 EXPUNGE", "a10 OK EXPUNGE completed"], await wire.CommandAsync("a10", "UID EXPUNGE 1"));
        Assert.Equal(["a11 OK UNSELECT completed"], await wire.CommandAsync("a11", "UNSELECT"));
        Assert.Contains("* LIST (\\Sent) \"/\" \"Sent\"", await wire.CommandAsync("a12", "EXAMINE Sent"));
    }

    /// <summary>
    /// RFC 9051 §6.3.4–6: a CREATE, DELETE or RENAME whose name this server spells otherwise ("inbox/..." becomes
    /// "INBOX/...") tells an IMAP4rev2 client with a LIST response naming what it sent as OLDNAME; a name kept as sent, or a
    /// client that did not enable IMAP4rev2, gets the plain OK.
    /// </summary>
    [Fact]
    public async Task Rev2_create_and_rename_name_the_normalized_mailbox_with_oldname()
    {
        await using var wire = await SignedInAsync("oldname");
        Assert.Matches(@"^a1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("a1", "CREATE inbox/Before")));
        await wire.CommandAsync("a2", "ENABLE IMAP4rev2");
        var work = await wire.CommandAsync("a3", "CREATE inbox/Work");
        Assert.Equal("* LIST () \"/\" \"INBOX/Work\" (\"OLDNAME\" (\"inbox/Work\"))", work[0]);
        Assert.StartsWith("a3 OK [MAILBOXID (", work[1], StringComparison.Ordinal);
        Assert.Matches(@"^a4 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("a4", "CREATE Plain/")));
        Assert.Equal(["* LIST () \"/\" \"INBOX/Play\" (\"OLDNAME\" (\"Inbox/Play\"))", "a5 OK RENAME completed"], await wire.CommandAsync("a5", "RENAME INBOX/Work Inbox/Play"));
        Assert.Equal(["a6 OK RENAME completed"], await wire.CommandAsync("a6", "RENAME Plain Flat"));
        var list = await wire.CommandAsync("a7", "LIST \"\" *");
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"INBOX/Play\"", list);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"Flat\"", list);
        Assert.Equal(["* LIST (\\NonExistent) \"/\" \"INBOX/Play\" (\"OLDNAME\" (\"inbox/Play\"))", "a8 OK DELETE completed"], await wire.CommandAsync("a8", "DELETE inbox/Play"));
        Assert.Equal(["a9 OK DELETE completed"], await wire.CommandAsync("a9", "DELETE Flat"));
    }

    /// <summary>RFC 9051 §6.3.11 DELETED and RFC 8438 SIZE (advertised as STATUS=SIZE), also as LIST-STATUS items.</summary>
    [Fact]
    public async Task Status_counts_deleted_messages_and_sizes()
    {
        await using var wire = await SignedInAsync("status");
        Assert.Contains(" STATUS=SIZE ", (await wire.CommandAsync("a0", "CAPABILITY"))[0], StringComparison.Ordinal);
        await AppendAsync(wire, "INBOX", 3);
        await wire.CommandAsync("a1", "SELECT INBOX");
        await wire.CommandAsync("a2", "STORE 1:2 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* STATUS \"INBOX\" (MESSAGES 3 DELETED 2 SIZE 36)", "a3 OK STATUS completed"], await wire.CommandAsync("a3", "STATUS INBOX (MESSAGES DELETED SIZE)"));
        await wire.CommandAsync("a4", "EXPUNGE");
        Assert.Contains("* STATUS \"INBOX\" (DELETED 0 SIZE 12)", await wire.CommandAsync("a5", "LIST \"\" INBOX RETURN (STATUS (DELETED SIZE))"));
    }

    /// <summary>
    /// RFC 6855 §3: after ENABLE UTF8=ACCEPT mailbox names go out as UTF-8 quoted strings, never modified UTF-7, and come in
    /// as UTF-8 ("&amp;" is then only an ampersand); bytes that are not UTF-8 are BAD. A session that did not enable it
    /// still sees and sends modified UTF-7 for the same folders.
    /// </summary>
    [Fact]
    public async Task Utf8_accept_sends_and_takes_mailbox_names_in_utf8()
    {
        await using var old = await SignedInAsync("utf8");
        Assert.Matches(@"^a1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await old.CommandAsync("a1", "CREATE Entw&APw-rfe")));
        await using var wire = await SignedInAsync("utf8");
        Assert.Contains(" UTF8=ACCEPT ", (await wire.CommandAsync("b0", "CAPABILITY"))[0], StringComparison.Ordinal);
        Assert.Equal(["* ENABLED UTF8=ACCEPT", "b1 OK ENABLE completed"], await wire.CommandAsync("b1", "ENABLE utf8=accept"));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Entwürfe\"", "b2 OK LIST completed"], await wire.CommandAsync("b2", "LIST \"\" \"Entw*\""));
        Assert.Matches(@"^b3 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("b3", "CREATE \"Entwürfe/Über\"")));
        Assert.Matches(@"^b4 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await wire.CommandAsync("b4", "CREATE \"Tom&Jerry\"")));
        Assert.Equal(["* STATUS \"Entwürfe/Über\" (MESSAGES 0)", "b5 OK STATUS completed"], await wire.CommandAsync("b5", "STATUS \"Entwürfe/Über\" (MESSAGES)"));
        Assert.StartsWith("b6 OK [READ-ONLY]", (await wire.CommandAsync("b6", "EXAMINE \"Entwürfe/Über\""))[^1], StringComparison.Ordinal);
        await wire.SendAsync([.. "b7 CREATE \"Entw"u8, 0xFC, .. "rfe2\"\r\n"u8]);
        Assert.Equal(["b7 BAD Mailbox name is not valid UTF-8"], await wire.UntilTaggedAsync("b7"));

        // The session that did not enable it: the same folders in modified UTF-7, "&" escaped as "&-".
        var list = await old.CommandAsync("a2", "LIST \"\" *");
        Assert.Contains("* LIST (\\HasChildren) \"/\" \"Entw&APw-rfe\"", list);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe/&ANw-ber\"", list);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"Tom&-Jerry\"", list);
    }

    /// <summary>
    /// RFC 6855 §4: once UTF8=ACCEPT is enabled, APPEND takes a message with UTF-8 header fields as <c>UTF8 (literal8)</c>
    /// and stores exactly its bytes; before ENABLE that form is BAD, and a plain literal inside it is BAD too.
    /// </summary>
    [Fact]
    public async Task Utf8_append_stores_a_utf8_message_once_enabled_and_is_bad_before()
    {
        await using var wire = await SignedInAsync("utf8append");
        var message = "Subject: Grüße aus Köln\r\nFrom: Jürgen <jürgen@example.com>\r\n\r\nHallo\r\n";
        var octets = Encoding.UTF8.GetByteCount(message);
        Assert.Equal(["a1 BAD UTF8 data needs ENABLE UTF8=ACCEPT first (RFC 6855)"], await wire.CommandAsync("a1", $"APPEND INBOX UTF8 (~{{{octets}+}}\r\n{message})"));
        Assert.Equal(["* ENABLED UTF8=ACCEPT", "a2 OK ENABLE completed"], await wire.CommandAsync("a2", "ENABLE UTF8=ACCEPT"));
        Assert.StartsWith("a3 BAD", Assert.Single(await wire.CommandAsync("a3", $"APPEND INBOX UTF8 ({{{octets}+}}\r\n{message})")), StringComparison.Ordinal);
        Assert.StartsWith("a4 OK [APPENDUID", (await wire.CommandAsync("a4", $"APPEND INBOX UTF8 (~{{{octets}+}}\r\n{message})"))[^1], StringComparison.Ordinal);
        await wire.CommandAsync("a5", "SELECT INBOX");
        var fetch = await wire.CommandAsync("a6", "FETCH 1 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Contains(fetch, l => l.Contains($"RFC822.SIZE {octets} ", StringComparison.Ordinal));
        Assert.Contains(fetch, l => l.Contains("Subject: Grüße aus Köln\r\n", StringComparison.Ordinal));
        Assert.Equal("a6 OK FETCH completed", fetch[^1]);
    }

    private static string Literal(string message) => $"{{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}";

    /// <summary>
    /// OBJECTID (RFC 8474): CREATE's OK names the MAILBOXID, STATUS and SELECT report it, RENAME keeps it and a new folder
    /// of an old name gets another; EMAILID follows a message through COPY; THREADID is shared by a reply and its original;
    /// SEARCH finds by both.
    /// </summary>
    [Fact]
    public async Task Object_ids_name_mailboxes_messages_and_threads()
    {
        await using var wire = await SignedInAsync("objectid");
        Assert.Contains(" OBJECTID ", (await wire.CommandAsync("a0", "CAPABILITY"))[0], StringComparison.Ordinal);
        var created = await wire.CommandAsync("a1", "CREATE Projects");
        var mailboxId = Regex.Match(created[^1], @"^a1 OK \[MAILBOXID \(([A-Za-z0-9_-]+)\)\] CREATE completed$").Groups[1].Value;
        Assert.NotEmpty(mailboxId);
        Assert.Equal([$"* STATUS \"Projects\" (MAILBOXID ({mailboxId}) MESSAGES 0)", "a2 OK STATUS completed"], await wire.CommandAsync("a2", "STATUS Projects (MAILBOXID MESSAGES)"));
        await wire.CommandAsync("a3", "RENAME Projects Done");
        Assert.Equal($"* STATUS \"Done\" (MAILBOXID ({mailboxId}))", (await wire.CommandAsync("a4", "STATUS Done (MAILBOXID)"))[0]);
        Assert.Contains($"* OK [MAILBOXID ({mailboxId})] Ok", await wire.CommandAsync("a5", "EXAMINE Done"));
        var again = await wire.CommandAsync("a6", "CREATE Projects");
        Assert.DoesNotContain(mailboxId, again[^1], StringComparison.Ordinal);
        await wire.CommandAsync("a7", "DELETE Projects");
        Assert.DoesNotContain(mailboxId, (await wire.CommandAsync("a8", "CREATE Projects"))[^1], StringComparison.Ordinal);

        const string original = "Message-ID: <root@example.com>\r\nSubject: Plan\r\n\r\nfirst\r\n";
        const string reply = "Message-ID: <re@example.com>\r\nIn-Reply-To: <root@example.com>\r\nReferences: <root@example.com>\r\nSubject: Re: Plan\r\n\r\nsecond\r\n";
        const string other = "Message-ID: <other@example.com>\r\nSubject: Lunch\r\n\r\nthird\r\n";
        foreach (var message in new[] { original, reply, other })
        {
            Assert.StartsWith("p OK", (await wire.CommandAsync("p", "APPEND INBOX " + Literal(message)))[^1], StringComparison.Ordinal);
        }
        await wire.CommandAsync("b1", "SELECT INBOX");
        var fetched = await wire.CommandAsync("b2", "FETCH 1:3 (EMAILID THREADID)");
        var ids = fetched.SkipLast(1).Select(l => Regex.Match(l, @"^\* \d FETCH \(EMAILID \((E[0-9a-f]+)\) THREADID \((T[0-9a-f]+)\)\)$")).ToList();
        Assert.All(ids, m => Assert.True(m.Success, string.Join("\n", fetched)));
        var (emails, threads) = (ids.Select(m => m.Groups[1].Value).ToList(), ids.Select(m => m.Groups[2].Value).ToList());
        Assert.Equal(3, emails.Distinct().Count());
        Assert.Equal(threads[0], threads[1]);
        Assert.NotEqual(threads[0], threads[2]);
        Assert.Equal(["* SEARCH 1 2", "b3 OK SEARCH completed"], await wire.CommandAsync("b3", $"SEARCH THREADID {threads[0]}"));
        Assert.Equal(["* SEARCH 3", "b4 OK SEARCH completed"], await wire.CommandAsync("b4", $"SEARCH EMAILID {emails[2]}"));
        Assert.Equal(["* SEARCH", "b5 OK SEARCH completed"], await wire.CommandAsync("b5", "SEARCH EMAILID Enothere"));
        Assert.Equal(["b6 BAD Expected an object id"], await wire.CommandAsync("b6", "SEARCH EMAILID \"E1\""));

        // COPY keeps the message's id (RFC 8474 §5.1).
        await wire.CommandAsync("c1", "COPY 1 Done");
        await wire.CommandAsync("c2", "SELECT Done");
        Assert.Equal([$"* 1 FETCH (UID 1 EMAILID ({emails[0]}) THREADID ({threads[0]}))", "c3 OK UID FETCH completed"], await wire.CommandAsync("c3", "UID FETCH 1 (EMAILID THREADID)"));
    }

    /// <summary>
    /// SAVEDATE (RFC 8514): FETCH SAVEDATE is when the message came into the folder, not the internal date an APPEND gave
    /// it; a COPY is saved anew; SAVEDBEFORE, SAVEDON and SAVEDSINCE search on it, and SAVEDATESUPPORTED finds everything.
    /// </summary>
    [Fact]
    public async Task Save_dates_are_kept_per_folder_and_searched()
    {
        await using var wire = await SignedInAsync("savedate");
        Assert.Contains(" SAVEDATE ", (await wire.CommandAsync("a0", "CAPABILITY"))[0], StringComparison.Ordinal);
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);
        Assert.StartsWith("a1 OK", (await wire.CommandAsync("a1", "APPEND INBOX \"01-Jan-2020 10:00:00 +0000\" {12+}\r\nSubject: 1\r\n"))[^1], StringComparison.Ordinal);
        await wire.CommandAsync("a2", "CREATE Kept");
        await wire.CommandAsync("a3", "SELECT INBOX");
        var fetched = await wire.CommandAsync("a4", "FETCH 1 (INTERNALDATE SAVEDATE)");
        var match = Regex.Match(fetched[0], "^\\* 1 FETCH \\(INTERNALDATE \"01-Jan-2020 10:00:00 \\+0000\" SAVEDATE \"([^\"]+)\"\\)$");
        Assert.True(match.Success, fetched[0]);
        var saved = DateTimeOffset.ParseExact(match.Groups[1].Value, "dd-MMM-yyyy HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(saved, before, DateTimeOffset.UtcNow.AddSeconds(2));
        var today = saved.UtcDateTime.ToString("d-MMM-yyyy", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(["* SEARCH 1", "a5 OK SEARCH completed"], await wire.CommandAsync("a5", $"SEARCH SAVEDON {today}"));
        Assert.Equal(["* SEARCH 1", "a6 OK SEARCH completed"], await wire.CommandAsync("a6", "SEARCH SAVEDSINCE 1-Jan-2021 BEFORE 1-Jan-2021"));
        Assert.Equal(["* SEARCH", "a7 OK SEARCH completed"], await wire.CommandAsync("a7", "SEARCH SAVEDBEFORE 1-Jan-2021"));
        Assert.Equal(["* SEARCH 1", "a8 OK SEARCH completed"], await wire.CommandAsync("a8", "SEARCH SAVEDATESUPPORTED"));

        await Task.Delay(1100); // a second later, so that the copy's save date can differ in what FETCH shows
        await wire.CommandAsync("a9", "COPY 1 Kept");
        await wire.CommandAsync("a10", "SELECT Kept");
        var copied = Regex.Match((await wire.CommandAsync("a11", "FETCH 1 (INTERNALDATE SAVEDATE)"))[0], "SAVEDATE \"([^\"]+)\"");
        Assert.True(DateTimeOffset.ParseExact(copied.Groups[1].Value, "dd-MMM-yyyy HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture) > saved);
    }

    /// <summary>
    /// PREVIEW (RFC 8970): the start of the text from the webmail's summary, one line, at most 256 characters, "" for a
    /// message without text. PREVIEW (LAZY) does not wait for a summary not made yet and says NIL; plain PREVIEW makes it,
    /// and LAZY then finds it.
    /// </summary>
    [Fact]
    public async Task Preview_comes_from_the_summary_and_lazy_does_not_wait_for_one()
    {
        await using var wire = await SignedInAsync("preview");
        Assert.Contains(" PREVIEW ", (await wire.CommandAsync("a0", "CAPABILITY"))[0], StringComparison.Ordinal);
        foreach (var message in new[]
        {
            "Subject: Plan\r\n\r\nHello there,\r\n  this is   the plan.\r\n",
            "Subject: Empty\r\n\r\n",
            "Subject: Long\r\n\r\n" + string.Join(' ', Enumerable.Repeat("lorem", 100)) + "\r\n",
        })
        {
            Assert.StartsWith("p OK", (await wire.CommandAsync("p", "APPEND INBOX " + Literal(message)))[^1], StringComparison.Ordinal);
        }
        await wire.CommandAsync("a1", "SELECT INBOX");
        var fetched = await wire.CommandAsync("a2", "FETCH 1:3 (PREVIEW)");
        Assert.Equal("* 1 FETCH (PREVIEW \"Hello there, this is the plan.\")", fetched[0]);
        Assert.Equal("* 2 FETCH (PREVIEW \"\")", fetched[1]);
        var longest = Regex.Match(fetched[2], "^\\* 3 FETCH \\(PREVIEW \"(lorem[lorem ]*)\"\\)$");
        Assert.True(longest.Success, fetched[2]);
        Assert.InRange(longest.Groups[1].Value.Length, 100, 256);

        // The indexer has taken everything off its queue; then message 1's summary goes, as if never made.
        var database = _host.Get<Database>();
        for (var i = 0; i < 100; i++)
        {
            await using var connection = await database.OpenAsync();
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM index_queue") == 0) break;
            await Task.Delay(100);
        }
        await using (var connection = await database.OpenAsync())
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM index_queue"));
            await connection.ExecuteAsync("""
                DELETE FROM message_summaries WHERE hash = (SELECT m.blob_hash FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
                    JOIN users u ON u.id = b.user_id WHERE u.address = 'preview@example.com' AND b.name = 'INBOX' AND m.uid = 1)
                """);
        }
        Assert.Equal(["* 1 FETCH (UID 1 PREVIEW NIL)", "b1 OK UID FETCH completed"], await wire.CommandAsync("b1", "UID FETCH 1 (PREVIEW (LAZY))"));
        Assert.Equal(["* 2 FETCH (PREVIEW \"\")", "b2 OK FETCH completed"], await wire.CommandAsync("b2", "FETCH 2 PREVIEW (LAZY)"));
        Assert.Equal(["* 1 FETCH (PREVIEW \"Hello there, this is the plan.\")", "b3 OK FETCH completed"], await wire.CommandAsync("b3", "FETCH 1 PREVIEW"));
        Assert.Equal(["* 1 FETCH (PREVIEW \"Hello there, this is the plan.\")", "b4 OK FETCH completed"], await wire.CommandAsync("b4", "FETCH 1 PREVIEW (LAZY)"));
    }
}
